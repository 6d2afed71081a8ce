"""Full-reference image quality metrics on (H, W, 3) uint8 images."""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import gaussian_filter

SSIM_WINDOW = 11  # Gaussian window width: radius 5 at sigma 1.5, truncate 3.5


def psnr(reference: np.ndarray, test: np.ndarray, data_range: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB; +inf for identical images."""
    _check(reference, test)
    mse = float(np.mean((reference.astype(np.float64) - test.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(data_range**2 / mse)


def ssim(reference: np.ndarray, test: np.ndarray, data_range: float = 255.0) -> float:
    """Structural similarity (Wang et al., 2004): Gaussian window sigma 1.5, K1 0.01, K2 0.03.

    Computed per colour channel and averaged, over the valid region of the 11x11
    window, as scikit-image's ``structural_similarity(..., gaussian_weights=True,
    use_sample_covariance=False)``.
    """
    _check(reference, test)
    x, y = channels_first(reference), channels_first(test)
    if min(x.shape[1:]) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs images of at least {SSIM_WINDOW}x{SSIM_WINDOW} pixels")
    ssim_c, _ = ssim_terms(x, y, data_range)
    return float(ssim_c.mean())


def channels_first(image: np.ndarray) -> np.ndarray:
    """(H, W, C) or (H, W) -> float64 (C, H, W): the layout the filters below run fastest on."""
    x = image.astype(np.float64)
    return x[None] if x.ndim == 2 else np.ascontiguousarray(x.transpose(2, 0, 1))


def ssim_terms(x: np.ndarray, y: np.ndarray, data_range: float = 255.0) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel means of the SSIM map and of its contrast-structure part, over the valid region.

    ``x``, ``y``: (C, H, W) float64 as :func:`channels_first` gives them. Shared by
    :func:`ssim` and the scales of :mod:`semcom.ms_ssim`, so the two agree on one scale.
    """
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    pad = SSIM_WINDOW // 2
    # One filter call over the five stacked maps is faster than five calls; the image
    # axes are filtered, the stacking axis (sigma 0) is not.
    stacked = np.concatenate([x, y, x * x, y * y, x * y], axis=0)
    blurred = gaussian_filter(stacked, sigma=(0, 1.5, 1.5), truncate=3.5)[:, pad:-pad, pad:-pad]
    mu_x, mu_y, xx, yy, xy = np.split(blurred, 5, axis=0)
    var_x, var_y, cov = xx - mu_x**2, yy - mu_y**2, xy - mu_x * mu_y
    cs = (2 * cov + c2) / (var_x + var_y + c2)
    luminance = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1)
    return (luminance * cs).mean(axis=(1, 2)), cs.mean(axis=(1, 2))


def image_metrics(reference: np.ndarray, test: np.ndarray, perceptual: bool = True) -> dict[str, float | str | None]:
    """PSNR (None when identical: infinite), SSIM, MS-SSIM and LPIPS (alex).

    A metric that cannot be computed here is None, with the reason under
    ``<name>_unavailable``; it is never invented.
    """
    from semcom.ms_ssim import ssim_and_ms_ssim  # here: semcom.ms_ssim imports this module

    value = psnr(reference, test)
    out: dict[str, float | str | None] = {"psnr_db": None if math.isinf(value) else value}
    try:  # both from one pass: MS-SSIM's finest scale is the SSIM
        out["ssim"], out["ms_ssim"] = ssim_and_ms_ssim(reference, test)
    except ValueError as exc:  # image smaller than the 5-scale minimum
        out["ssim"] = ssim(reference, test)
        out["ms_ssim"], out["ms_ssim_unavailable"] = None, str(exc)
    if perceptual:
        out.update(lpips_metric(reference, test))
    return out


def lpips_metric(reference: np.ndarray, test: np.ndarray) -> dict[str, float | str | None]:
    """{"lpips": value} or {"lpips": None, "lpips_unavailable": reason}."""
    try:
        from semcom.lpips import LpipsUnavailable, lpips_distance
    except ImportError as exc:  # torch missing
        return {"lpips": None, "lpips_unavailable": f"LPIPS needs PyTorch: {exc}"}
    try:
        return {"lpips": lpips_distance(reference, test, "alex")}
    except LpipsUnavailable as exc:
        return {"lpips": None, "lpips_unavailable": str(exc)}


def _check(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
