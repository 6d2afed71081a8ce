"""A caption as a payload segment, and back: the three ways text crosses the channel.

- ``huffman`` (Gen-SC's classical baseline): the static English Huffman code of
  :mod:`semcom.text.huffman`, sent digitally (the channel config adds RS and QAM;
  Gen-SC uses RS(42,30) and 64-QAM: ``{"modulation": "qam64", "fec": "rs", "rs_n": 42, "rs_k": 30}``).
- ``utf8`` (Img2Img-SC): 8-bit characters, sent digitally.
- ``learned``: the DeepSC-style transformer codec of :mod:`semcom.models.text_codec`,
  sent as analog symbols (no FEC, no modulation; needs trained weights).

Side information in the header: the code, and the number of Huffman bits.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from semcom.payload import Segment
from semcom.text import huffman

TextCode = Literal["huffman", "utf8", "learned"]
SEGMENT = "caption"


def encode_caption(caption: str, code: TextCode) -> tuple[Segment, dict[str, Any]]:
    """The caption's segment and the header entries the receiver needs."""
    if code == "huffman":
        data, n_bits = huffman.english().encode(caption)
        return Segment(SEGMENT, data), {"text_code": code, "caption_bits": n_bits}
    if code == "utf8":
        return Segment(SEGMENT, caption), {"text_code": code}
    from semcom.text import codec

    symbols = codec.load().encode(caption)
    return Segment(SEGMENT, symbols, transport="analog"), {"text_code": code}


def decode_caption(segment: Segment, header: dict[str, Any]) -> str:
    """The received caption (wrong characters or words after errors, never an exception)."""
    code = header.get("text_code", "utf8")
    content = segment.content
    if code == "huffman":
        assert isinstance(content, bytes)
        return huffman.english().decode(content, int(header["caption_bits"]))
    if code == "utf8":
        return content if isinstance(content, str) else bytes(content).decode("utf-8", errors="replace")
    from semcom.text import codec

    assert isinstance(content, np.ndarray)
    return codec.load().decode(content)
