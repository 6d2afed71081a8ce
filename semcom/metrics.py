"""Full-reference image quality metrics on (H, W, 3) uint8 images."""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import gaussian_filter


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
    x = reference.astype(np.float64)
    y = test.astype(np.float64)
    if x.ndim == 2:
        x, y = x[..., None], y[..., None]
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    pad = 5  # (11 - 1) / 2: the window radius at truncate 3.5, sigma 1.5
    if min(x.shape[:2]) < 2 * pad + 1:
        raise ValueError("SSIM needs images of at least 11x11 pixels")

    # One filter call over the five stacked maps is faster than five calls.
    stacked = np.concatenate([x, y, x * x, y * y, x * y], axis=2)
    blurred = gaussian_filter(stacked, sigma=(1.5, 1.5, 0), truncate=3.5)
    mu_x, mu_y, xx, yy, xy = np.split(blurred, 5, axis=2)
    var_x = xx - mu_x**2
    var_y = yy - mu_y**2
    cov = xy - mu_x * mu_y
    s = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return float(s[pad:-pad, pad:-pad].mean())


def image_metrics(reference: np.ndarray, test: np.ndarray, perceptual: bool = True) -> dict[str, float | str | None]:
    """PSNR (None when identical: infinite), SSIM, MS-SSIM and LPIPS (alex).

    A metric that cannot be computed here is None, with the reason under
    ``<name>_unavailable``; it is never invented.
    """
    value = psnr(reference, test)
    out: dict[str, float | str | None] = {"psnr_db": None if math.isinf(value) else value,
                                          "ssim": ssim(reference, test)}
    try:
        from semcom.ms_ssim import ms_ssim

        out["ms_ssim"] = ms_ssim(reference, test)
    except ValueError as exc:  # image smaller than the 5-scale minimum
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
