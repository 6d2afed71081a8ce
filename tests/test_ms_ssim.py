"""MS-SSIM: properties, consistency with semcom.metrics.ssim, agreement with pytorch_msssim."""

from __future__ import annotations

import numpy as np
import pytest

from semcom.metrics import channels_first, image_metrics, ssim
from semcom.ms_ssim import MS_SSIM_WEIGHTS, _halve, min_side, ms_ssim, ssim_and_ms_ssim
from tests.conftest import sample_image


def _noisy(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    # Textured (noise on top of shapes) so that every scale carries structure.
    return _noisy(sample_image(192, 256), 25, seed=7)


def test_identical_is_one_and_value_is_symmetric(image: np.ndarray) -> None:
    other = _noisy(image, 15)
    assert ms_ssim(image, image) == pytest.approx(1.0, abs=1e-12)
    assert ms_ssim(image, other) == pytest.approx(ms_ssim(other, image), abs=1e-12)


def test_decreases_with_noise_and_stays_in_unit_interval(image: np.ndarray) -> None:
    values = [ms_ssim(image, _noisy(image, sigma)) for sigma in (2, 10, 40, 120)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))
    assert all(0.0 <= v <= 1.0 for v in values)


def test_single_scale_is_ssim(image: np.ndarray) -> None:
    other = _noisy(image, 20)
    assert ms_ssim(image, other, weights=(1.0,)) == pytest.approx(ssim(image, other), abs=1e-12)
    gray_a, gray_b = image[..., 0], other[..., 0]
    assert ms_ssim(gray_a, gray_b, weights=(1.0,)) == pytest.approx(ssim(gray_a, gray_b), abs=1e-12)


def test_last_scale_is_ssim_of_the_four_times_halved_images(image: np.ndarray) -> None:
    other = _noisy(image, 20)
    a, b = channels_first(image), channels_first(other)
    for _ in range(4):
        a, b = _halve(a), _halve(b)
    assert a.shape == (3, 12, 16)
    only_last = (0.0, 0.0, 0.0, 0.0, 1.0)
    a, b = a.transpose(1, 2, 0), b.transpose(1, 2, 0)
    assert ms_ssim(image, other, weights=only_last) == pytest.approx(ssim(a, b), abs=1e-12)


def test_one_pass_gives_the_same_ssim_and_ms_ssim(image: np.ndarray) -> None:
    other = _noisy(image, 20)
    both = ssim_and_ms_ssim(image, other)
    assert both == (pytest.approx(ssim(image, other), abs=1e-12), pytest.approx(ms_ssim(image, other), abs=1e-12))
    assert image_metrics(image, other, perceptual=False)["ssim"] == pytest.approx(both[0], abs=1e-12)


def test_small_images_need_fewer_scales() -> None:
    assert min_side() == 161 and min_side(3) == 41
    small = sample_image(160, 200)
    with pytest.raises(ValueError, match="at least 161x161"):
        ms_ssim(small, small)
    odd = sample_image(161, 163)  # the 5-scale minimum, odd sides padded to 81, 41, 21, 11
    assert ms_ssim(odd, _noisy(odd, 10)) < 1.0
    assert ms_ssim(small[:64, :64], _noisy(small[:64, :64], 10), weights=MS_SSIM_WEIGHTS[:3]) < 1.0
    with pytest.raises(ValueError, match="differ in shape"):
        ms_ssim(small, small[:-1])


def test_halve_repeats_the_last_row_of_an_odd_side() -> None:
    img = np.arange(15, dtype=np.float64).reshape(1, 3, 5)
    out = _halve(img)[0]
    assert out.shape == (2, 3)
    assert out[0, 0] == np.mean([0, 1, 5, 6]) and out[1, 2] == 14.0 and out[1, 0] == np.mean([10, 11])


@pytest.mark.parametrize("sigma", [5, 40])
def test_agrees_with_pytorch_msssim(image: np.ndarray, sigma: float) -> None:
    torch = pytest.importorskip("torch")
    reference = pytest.importorskip("pytorch_msssim", reason="test-only reference: pip install pytorch-msssim")
    other = _noisy(image, sigma)

    def as_tensor(x: np.ndarray):
        return torch.from_numpy(x.astype(np.float64)).permute(2, 0, 1)[None]

    # pytorch_msssim builds its Gaussian window in float32; hand it the float64 one so that
    # only the algorithms are compared. Sides divisible by 16: no odd-side padding, where
    # the two differ (edge repeat here, zero padding there).
    taps = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5**2))
    window = torch.from_numpy(taps / taps.sum()).view(1, 1, 1, 11).repeat(3, 1, 1, 1)
    expected = float(reference.ms_ssim(as_tensor(image), as_tensor(other), data_range=255, win=window))
    assert ms_ssim(image, other) == pytest.approx(expected, abs=1e-9)
