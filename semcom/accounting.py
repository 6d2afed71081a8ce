"""Payload accounting in the terms of Img2Img-SC's Table 1: bytes per segment against the image in float64.

The paper compares what is sent (the latent [4, 64, 64] in float64 = 131,072 bytes,
a caption of up to 77 characters = 77 bytes) with the whole image [3, 512, 512] in
float64 = 6,291,456 bytes. :func:`from_stats` reads the same numbers off a real
transmission's LinkStats (``payload_bits`` per segment: information bits, before
FEC); :func:`paper_table` states them from the shapes alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from semcom.channel.config import LinkStats

FLOAT64_BYTES = 8


@dataclass
class Row:
    item: str
    shape: str
    number_format: str
    bytes: int


@dataclass
class Accounting:
    rows: list[Row]  # sent segments, then the reference image
    payload_bytes: int
    image_float64_bytes: int
    image_uint8_bytes: int
    ratio_to_float64_image: float  # payload bytes / image bytes in float64 (the paper's comparison)
    ratio_to_uint8_image: float
    channel_uses: int | None = None
    bandwidth_ratio: float | None = None  # k/n: channel uses per real value of the image (LinkStats)

    def as_dict(self) -> dict:
        return asdict(self)

    def table(self) -> str:
        lines = [f"{'item':14} {'shape':16} {'format':10} {'bytes':>12}"]
        lines += [f"{r.item:14} {r.shape:16} {r.number_format:10} {r.bytes:>12,}" for r in self.rows]
        lines.append(f"payload / image (float64) = {self.payload_bytes:,} / {self.image_float64_bytes:,} "
                     f"= {self.ratio_to_float64_image:.5f}")
        if self.bandwidth_ratio is not None:
            lines.append(f"channel uses {self.channel_uses:,}; bandwidth ratio k/n = {self.bandwidth_ratio:.5f}")
        return "\n".join(lines)


def _summary(rows: list[Row], source_shape: tuple[int, ...]) -> Accounting:
    h, w, c = (list(source_shape) + [3])[:3] if len(source_shape) >= 2 else (0, 0, 3)
    dims = int(h) * int(w) * int(c)
    payload = sum(r.bytes for r in rows)
    image = Row("image", str([int(c), int(h), int(w)]), "float64", dims * FLOAT64_BYTES)
    return Accounting(rows + [image], payload, image.bytes, dims,
                      payload / image.bytes if image.bytes else 0.0, payload / dims if dims else 0.0)


def paper_table(height: int = 512, width: int = 512, latent_channels: int = 4, caption_chars: int = 77,
                number_format: str = "float64") -> Accounting:
    """Table 1 of Img2Img-SC from the shapes: latent at 1/8 resolution, caption in 8-bit characters."""
    bytes_per_value = {"float64": 8, "float32": 4, "float16": 2}[number_format]
    shape = [latent_channels, height // 8, width // 8]
    rows = [Row("latent", str(shape), number_format, int(np.prod(shape)) * bytes_per_value),
            Row("text", f"<= {caption_chars} chars", "utf8", caption_chars)]
    return _summary(rows, (height, width, 3))


def from_stats(stats: LinkStats, source_shape: tuple[int, ...], shapes: dict[str, str] | None = None,
               formats: dict[str, str] | None = None) -> Accounting:
    """The table of a real transmission: information bytes of each segment, from LinkStats."""
    rows = [Row(s.name, (shapes or {}).get(s.name, ""), (formats or {}).get(s.name, s.transport),
                s.payload_bits // 8) for s in stats.segments]
    out = _summary(rows, source_shape)
    out.channel_uses, out.bandwidth_ratio = stats.channel_uses, stats.bandwidth_ratio
    return out
