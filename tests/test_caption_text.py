"""Text over the channel: the static Huffman code, BLEU-4, the three text codes, the learned codec, BLEU vs SNR."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.payload import Payload
from semcom.text import bleu, bleu_vs_snr, huffman
from semcom.text.link import decode_caption, encode_caption

CAPTIONS = bleu_vs_snr.read_captions(bleu_vs_snr.default_captions())


# ---------------------------------------------------------------- Huffman
def test_shipped_captions() -> None:
    assert len(CAPTIONS) == 50 and all(len(c) <= 77 for c in CAPTIONS)


def test_huffman_code_is_prefix_free_and_complete() -> None:
    codes = list(huffman.english().codes.values())
    assert not any(a != b and b.startswith(a) for a in codes for b in codes)
    assert sum(2.0 ** -len(c) for c in codes) == pytest.approx(1.0)  # Kraft equality: every bit string decodes


def test_huffman_compresses_english_captions() -> None:
    code = huffman.english()
    assert 4.0 < code.mean_length() < 4.5  # bits per character, against 8 for UTF-8
    bits = sum(code.encode(c)[1] for c in CAPTIONS)
    chars = sum(len(c) for c in CAPTIONS)
    assert bits / chars < 4.4
    for caption in CAPTIONS:
        assert code.decode(*code.encode(caption)) == caption


def test_huffman_escapes_characters_outside_the_table() -> None:
    code = huffman.english()
    text = "A Zürich café, 3 €"
    assert code.decode(*code.encode(text)) == text
    assert code.decode(b"", 0) == ""


def test_huffman_decodes_any_bits_without_error() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        data = rng.integers(0, 256, 20, dtype=np.uint8).tobytes()
        assert isinstance(huffman.english().decode(data, 160), str)


# ---------------------------------------------------------------- BLEU
def test_bleu_hand_computed() -> None:
    # 1-grams 5/6; 2-grams (3+1)/(5+1); 3-grams (1+1)/(4+1); 4-grams (0+1)/(3+1); equal lengths
    expected = (5 / 6 * 4 / 6 * 2 / 5 * 1 / 4) ** 0.25
    assert bleu.sentence_bleu("the cat is on the mat", "the cat sat on the mat") == pytest.approx(expected)


def test_bleu_edges() -> None:
    assert bleu.sentence_bleu("a red house", "a red house") == 1.0
    assert bleu.sentence_bleu("A red house.", "a red house .") == 1.0  # case and spacing of punctuation
    assert bleu.sentence_bleu("a red house", "two blue cars") == 0.0
    assert bleu.sentence_bleu("the cat is on the mat", "the cat") == pytest.approx(math.exp(1 - 6 / 2))
    assert bleu.sentence_bleu("a cat", "") == 0.0 and bleu.sentence_bleu("", "") == 1.0


# ---------------------------------------------------------------- text codes through the link
@pytest.mark.parametrize("code", ["huffman", "utf8"])
def test_digital_text_codes_round_trip(code: str) -> None:
    config = ChannelConfig(snr_db=30, modulation="qam64", fec="rs", rs_n=42, rs_k=30)
    segment, header = encode_caption(CAPTIONS[0], code)
    received, stats = transmit_payload(Payload("t", [segment]), config)
    assert decode_caption(received.segment("caption"), header) == CAPTIONS[0]
    assert stats.segments[0].codewords >= 1


def test_huffman_needs_fewer_channel_uses_than_utf8() -> None:
    config = ChannelConfig(snr_db=30, modulation="qam64", fec="rs", rs_n=42, rs_k=30)
    uses = {code: transmit_payload(Payload("t", [encode_caption(CAPTIONS[3], code)[0]]), config)[1].channel_uses
            for code in ("huffman", "utf8")}
    assert uses["huffman"] < uses["utf8"]


def test_bleu_vs_snr_command(tmp_path: Path, capsys) -> None:
    captions = tmp_path / "c.txt"
    captions.write_text("\n".join(CAPTIONS[:5]))
    bleu_vs_snr.main(["--captions", str(captions), "--snr", "10", "30", "--trials", "1", "--no-learned",
                      "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert "huffman BLEU" in out and "RS(42,30)" in out
    rows = json.loads((tmp_path / "out" / "bleu_vs_snr.json").read_text())["rows"]
    assert rows[-1]["huffman_bleu"] == 1.0 and rows[0]["huffman_bleu"] < 0.5  # 64-QAM at 10 dB breaks the text
    assert (tmp_path / "out" / "bleu_vs_snr.png").stat().st_size > 1000


# ---------------------------------------------------------------- the learned codec
def test_learned_codec_trains_and_crosses_the_link(tmp_path: Path, monkeypatch, capsys) -> None:
    torch = pytest.importorskip("torch")
    from semcom.text import codec, train_codec

    captions = tmp_path / "captions"
    captions.mkdir()
    (captions / "a.txt").write_text("\n".join(CAPTIONS[:8]))
    weights = tmp_path / "codec.safetensors"
    threads = torch.get_num_threads()  # --threads 1: no oversubscription next to other work; restored below
    args = ["--captions", str(captions), "--export", str(weights), "--steps", "150", "--batch-size", "16",
            "--d-model", "32", "--heads", "2", "--layers", "1", "--channel-dim", "8", "--lr", "3e-3",
            "--snr-min", "5", "--snr-max", "20", "--max-tokens", "16", "--eval-snr", "20", "--threads", "1"]
    try:
        train_codec.main(args)
    finally:
        torch.set_num_threads(threads)
    assert "BLEU at 20 dB" in capsys.readouterr().out
    monkeypatch.setenv("SEMCOM_TEXT_CODEC_WEIGHTS", str(weights))
    assert codec.availability() == (True, "")
    segment, header = encode_caption(CAPTIONS[1], "learned")
    assert segment.transport == "analog" and segment.content.shape == (len(CAPTIONS[1].split()) + 1, 8)
    received, stats = transmit_payload(Payload("t", [segment]), ChannelConfig(snr_db=25))
    assert stats.channel_uses == segment.content.size // 2
    assert bleu.sentence_bleu(CAPTIONS[1], decode_caption(received.segment("caption"), header)) > 0.6
