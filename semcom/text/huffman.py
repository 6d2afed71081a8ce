"""A static Huffman source code for English captions (Gen-SC's classical text link).

The code is built once from the fixed character frequencies in :data:`FREQUENCIES`
(per 100,000 characters of English text: letter frequencies of the usual English
letter-frequency table, scaled so that letters make up 81.5 % of characters,
spaces 17.5 % — an average word of about 4.7 letters —, digits and punctuation the
rest). Transmitter and receiver build the same code from the same table, so no code
table crosses the channel.

Characters outside the table (upper case, accents, ...) are sent as ESCAPE followed
by each of their UTF-8 bytes in 8 bits. The number of code bits travels as side
information (like a packet length field), so the padding of the last byte is ignored.
A Huffman code is complete: any bit string decodes to *some* text, so bit errors
give wrong characters (and lose the alignment until the code resynchronises), never
an exception.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import cache

import numpy as np

ESCAPE = "\x1b"

# Per 100,000 characters. Letters: relative English letter frequencies x 0.815.
FREQUENCIES: dict[str, int] = {
    " ": 17500,
    "e": 10350, "t": 7380, "a": 6650, "o": 6120, "i": 5680, "n": 5490, "s": 5150, "h": 4960, "r": 4880,
    "d": 3470, "l": 3280, "c": 2270, "u": 2250, "m": 1960, "w": 1920, "f": 1820, "g": 1640, "y": 1610,
    "p": 1570, "b": 1220, "v": 800, "k": 630, "j": 125, "x": 123, "q": 77, "z": 60,
    ".": 300, ",": 300, "'": 60, "-": 50, "0": 30, "1": 30, "2": 30, "3": 15, "4": 15, "5": 15, "6": 10,
    "7": 10, "8": 10, "9": 10, "?": 10, "!": 10, ":": 10, ";": 8, '"': 8, "(": 5, ")": 5, "/": 5, "&": 5,
    ESCAPE: 40,
}


@dataclass(frozen=True)
class HuffmanCode:
    codes: dict[str, str]  # symbol -> bit string
    tree: dict  # nested {"0": ..., "1": ...} with symbols at the leaves

    def encode(self, text: str) -> tuple[bytes, int]:
        """(packed bits, MSB first; number of meaningful bits)."""
        parts = []
        for ch in text:
            code = self.codes.get(ch)
            if code is not None:
                parts.append(code)
                continue
            for byte in ch.encode("utf-8"):
                parts.append(self.codes[ESCAPE] + format(byte, "08b"))
        bits = "".join(parts)
        if not bits:
            return b"", 0
        array = np.frombuffer(bits.encode("ascii"), np.uint8) - ord("0")
        return np.packbits(array).tobytes(), len(bits)

    def decode(self, data: bytes, n_bits: int) -> str:
        """The text of the first ``n_bits`` bits of ``data`` (any bits decode; a cut-off last symbol is dropped)."""
        bits = np.unpackbits(np.frombuffer(data, np.uint8))[:n_bits]
        out = bytearray()
        node = self.tree
        i = 0
        while i < bits.size:
            node = node[int(bits[i])]
            i += 1
            if isinstance(node, dict):
                continue
            if node == ESCAPE:
                if i + 8 > bits.size:
                    break
                out.append(int(np.packbits(bits[i:i + 8])[0]))
                i += 8
            else:
                out += node.encode("utf-8")
            node = self.tree
        return out.decode("utf-8", errors="replace")

    def mean_length(self) -> float:
        """Average code length in bits per character under :data:`FREQUENCIES`."""
        total = sum(FREQUENCIES.values())
        return sum(FREQUENCIES[s] * len(c) for s, c in self.codes.items()) / total


def build(frequencies: dict[str, int]) -> HuffmanCode:
    """Huffman's algorithm; ties broken by insertion order, so the code is reproducible."""
    heap: list[tuple[int, int, object]] = [(w, i, s) for i, (s, w) in enumerate(frequencies.items())]
    heapq.heapify(heap)
    order = len(heap)
    while len(heap) > 1:
        w0, _, a = heapq.heappop(heap)
        w1, _, b = heapq.heappop(heap)
        heapq.heappush(heap, (w0 + w1, order, {0: a, 1: b}))
        order += 1
    tree = heap[0][2]
    codes: dict[str, str] = {}

    def walk(node: object, prefix: str) -> None:
        if isinstance(node, dict):
            walk(node[0], prefix + "0")
            walk(node[1], prefix + "1")
        else:
            codes[str(node)] = prefix or "0"

    walk(tree, "")
    return HuffmanCode(codes, tree if isinstance(tree, dict) else {0: tree, 1: tree})


@cache
def english() -> HuffmanCode:
    """The project's static English caption code."""
    return build(FREQUENCIES)
