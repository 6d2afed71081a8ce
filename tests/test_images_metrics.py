"""Upload checks and image metrics."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from semcom import images
from semcom.metrics import image_metrics, psnr, ssim
from tests.conftest import png_bytes, sample_image


def huge_png(width: int, height: int) -> bytes:
    """A valid PNG header declaring width x height, with a token IDAT: the pixel check must fire first."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_decodes_png_and_jpeg_to_rgb() -> None:
    img = sample_image()
    assert np.array_equal(images.decode_image(png_bytes(img)), img)
    gray = png_bytes(img[..., 0])
    assert images.decode_image(gray).shape == img.shape


@pytest.mark.parametrize(("data", "error"), [
    (b"", images.NotAnImage),
    (b"hello, this is text", images.NotAnImage),
    (png_bytes(sample_image())[:300], images.CorruptImage),
    (huge_png(20000, 20000), images.ImageTooLarge),
])
def test_bad_uploads_raise_precise_errors(data: bytes, error: type) -> None:
    with pytest.raises(error):
        images.decode_image(data)


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(images.ImageTooLarge, match="limit is 100"):
        images.decode_image(png_bytes(sample_image(20, 20)), max_pixels=100)


def test_psnr_and_ssim_match_scikit_image() -> None:
    rng = np.random.default_rng(0)
    a = sample_image(64, 80)
    b = np.clip(a + rng.normal(0, 12, a.shape), 0, 255).astype(np.uint8)
    assert psnr(a, b) == pytest.approx(peak_signal_noise_ratio(a, b, data_range=255), rel=1e-12)
    ref = structural_similarity(a, b, channel_axis=-1, gaussian_weights=True, sigma=1.5,
                                use_sample_covariance=False, data_range=255)
    assert ssim(a, b) == pytest.approx(ref, rel=1e-9)


def test_identical_images() -> None:
    a = sample_image()
    m = image_metrics(a, a, perceptual=False)
    assert m["psnr_db"] is None and m["ssim"] == pytest.approx(1.0)
    assert m["ms_ssim"] is None and "161" in m["ms_ssim_unavailable"]  # too small for 5 scales
    big = sample_image(176, 176)
    assert image_metrics(big, big, perceptual=False)["ms_ssim"] == pytest.approx(1.0)


def test_lpips_is_reported_unavailable_never_invented(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("SEMCOM_LPIPS_CACHE", str(tmp_path))
    a = sample_image()
    m = image_metrics(a, a)
    assert m["lpips"] is None and "python -m semcom.lpips fetch" in m["lpips_unavailable"]
