"""Multi-scale structural similarity (Wang, Simoncelli and Bovik, Asilomar 2003).

MS-SSIM = prod_{j=1..M-1} cs_j^w_j * ssim_M^w_M over M = 5 scales with the paper's
weights, where cs_j is the mean contrast-structure term at scale j and ssim_M the mean
SSIM at the coarsest scale. Each scale uses the SSIM of :func:`semcom.metrics.ssim`
(Gaussian window 11x11, sigma 1.5, K1 0.01, K2 0.03, valid region only), computed per
colour channel; the channels' MS-SSIM values are averaged (as ``pytorch_msssim`` and
learned-compression papers do for RGB). Between scales the image is average-pooled 2x2.

Conventions worth knowing:
- An odd side is first extended by repeating its last row / column (the symmetric
  padding of Wang's MATLAB code and TensorFlow's ``ssim_multiscale``), so a side n
  becomes ceil(n / 2).
- Negative cs or ssim values are clipped at 0 before the fractional powers (as
  ``pytorch_msssim``), so the result lies in [0, 1].
- Small images: the coarsest scale must still hold one 11x11 window, so 5 scales need
  a shorter side of at least 161 pixels. A smaller image raises ValueError saying so;
  pass fewer ``weights`` (e.g. the first three, which need 41 pixels) to measure it
  on fewer scales, rather than silently changing what the number means.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from semcom.metrics import SSIM_WINDOW, channels_first, ssim_terms

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def min_side(levels: int = len(MS_SSIM_WEIGHTS)) -> int:
    """The shortest side that keeps one full window at the coarsest of ``levels`` scales."""
    return (SSIM_WINDOW - 1) * 2 ** (levels - 1) + 1


def ms_ssim(reference: np.ndarray, test: np.ndarray, data_range: float = 255.0,
            weights: Sequence[float] = MS_SSIM_WEIGHTS) -> float:
    """MS-SSIM of two (H, W, 3) (or (H, W)) images; 1.0 for identical images."""
    return ssim_and_ms_ssim(reference, test, data_range, weights)[1]


def ssim_and_ms_ssim(reference: np.ndarray, test: np.ndarray, data_range: float = 255.0,
                     weights: Sequence[float] = MS_SSIM_WEIGHTS) -> tuple[float, float]:
    """(SSIM, MS-SSIM) in one pass: the finest scale's SSIM map is :func:`semcom.metrics.ssim`."""
    if reference.shape != test.shape:
        raise ValueError(f"images differ in shape: {reference.shape} vs {test.shape}")
    if not weights:
        raise ValueError("MS-SSIM needs at least one scale weight")
    x, y = channels_first(reference), channels_first(test)
    needed = min_side(len(weights))
    if min(x.shape[1:]) < needed:
        raise ValueError(f"MS-SSIM over {len(weights)} scales needs images of at least {needed}x{needed} pixels, "
                         f"got {x.shape[2]}x{x.shape[1]}; pass fewer weights to use fewer scales")

    value = np.ones(x.shape[0])  # one MS-SSIM per channel
    finest_ssim = 0.0
    for level, weight in enumerate(weights):
        ssim_c, cs_c = ssim_terms(x, y, data_range)
        if level == 0:
            finest_ssim = float(ssim_c.mean())
        last = level == len(weights) - 1
        value *= np.maximum(ssim_c if last else cs_c, 0.0) ** weight
        if not last:
            x, y = _halve(x), _halve(y)
    return finest_ssim, float(value.mean())


def _halve(img: np.ndarray) -> np.ndarray:
    """2x2 average pooling of (C, H, W); an odd side is extended by repeating its last row / column first."""
    h, w = img.shape[1:]
    if h % 2 or w % 2:
        img = np.pad(img, ((0, 0), (0, h % 2), (0, w % 2)), mode="edge")
    h2, w2 = math.ceil(h / 2), math.ceil(w / 2)
    return img.reshape(img.shape[0], h2, 2, w2, 2).mean(axis=(2, 4))
