"""Reading uploaded images safely and writing PNGs.

Uploads are checked in order: is it an image at all (415), is it within the pixel
limit, read from the header before any pixel is decoded (413), does it decode
completely (400). Images are handled as (height, width, 3) uint8 RGB arrays.
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_PIXELS = int(os.environ.get("SEMCOM_MAX_PIXELS", 4096 * 4096))


class ImageError(ValueError):
    """The caller sent something that is not a usable image."""

    status = 400
    code = "bad_image"


class NotAnImage(ImageError):
    status = 415
    code = "unsupported_media_type"


class CorruptImage(ImageError):
    status = 400
    code = "corrupt_image"


class ImageTooLarge(ImageError):
    status = 413
    code = "image_too_large"


def check_image_header(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """(width, height) from the header alone: fast, raises NotAnImage / ImageTooLarge."""
    return _open(data, max_pixels).size


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Encoded image bytes -> (H, W, 3) uint8 RGB, or a precise ImageError."""
    image = _open(data, max_pixels)
    try:
        image.load()
        rgb = image.convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptImage(f"the image data is corrupt or truncated: {exc}") from exc
    return np.asarray(rgb, dtype=np.uint8).copy()


def _open(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise NotAnImage("the upload is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise NotAnImage("the upload is not an image format Pillow can read (PNG, JPEG, WebP, BMP, TIFF, ...)") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"the image exceeds the limit of {max_pixels} pixels") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(f"the image has {width}x{height} = {width * height} pixels; the limit is {max_pixels}")
    if width < 1 or height < 1:
        raise CorruptImage("the image has no pixels")
    return image


def encode_png(image: np.ndarray) -> bytes:
    """Lossless PNG; compression level 1, since these bytes travel between our own processes."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def decode_png(data: bytes) -> np.ndarray:
    """Trusted PNG bytes (from our own services) -> RGB array."""
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.uint8).copy()
