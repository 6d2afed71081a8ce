"""BLEU versus SNR of the classical text link (Gen-SC's baseline): Huffman + RS(42,30) + 64-QAM over AWGN.

    python -m semcom.text.bleu_vs_snr                       # the shipped 50 captions, 8..28 dB Es/N0
    python -m semcom.text.bleu_vs_snr --captions my.txt --snr 4 8 12 --trials 5 --out out/bleu

Each caption is sent ``--trials`` times per SNR (seeds 0..trials-1) through the
project's link (:func:`semcom.channel.link.transmit_payload`), decoded and scored
with sentence BLEU-4 against the sent caption (:mod:`semcom.text.bleu`). Beside
the Huffman code: the same link with 8-bit characters (Img2Img-SC's text), and the
learned text codec (analog symbols, same AWGN Es/N0) when trained weights exist.
Prints a table and writes ``bleu_vs_snr.csv``, ``.json`` and ``.png`` to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
from importlib import resources
from pathlib import Path

import numpy as np

from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.payload import Payload
from semcom.text import codec
from semcom.text.bleu import sentence_bleu
from semcom.text.link import SEGMENT, decode_caption, encode_caption

DEFAULT_SNRS = [float(s) for s in range(8, 29, 2)]


def default_captions() -> Path:
    return Path(str(resources.files("semcom.text") / "data" / "captions_en.txt"))


def read_captions(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def run_code(captions: list[str], code: str, base: ChannelConfig, snr_db: float, trials: int) -> dict[str, float]:
    """Mean BLEU, fraction received exactly and mean channel uses per caption of one text code at one SNR."""
    scores, exact, uses = [], [], []
    for trial in range(trials):
        config = base.model_copy(update={"snr_db": snr_db, "seed": trial})
        for caption in captions:
            segment, header = encode_caption(caption, code)  # type: ignore[arg-type]
            received, stats = transmit_payload(Payload("text", [segment]), config)
            text = decode_caption(received.segment(SEGMENT), header)
            scores.append(sentence_bleu(caption, text))
            exact.append(text == caption)
            uses.append(stats.channel_uses)
    return {"bleu": float(np.mean(scores)), "exact": float(np.mean(exact)), "channel_uses": float(np.mean(uses))}


def sweep(captions: list[str], base: ChannelConfig, snrs: list[float], trials: int, learned: bool) -> list[dict]:
    codes = ["huffman", "utf8"] + (["learned"] if learned else [])
    rows = []
    for snr in snrs:
        row: dict = {"snr_db": snr}
        for code in codes:
            channel = base if code != "learned" else base.model_copy(update={"fec": "none"})
            for key, value in run_code(captions, code, channel, snr, trials).items():
                row[f"{code}_{key}"] = value
        rows.append(row)
    return rows


def print_table(rows: list[dict], base: ChannelConfig) -> str:
    codes = [c for c in ("huffman", "utf8", "learned") if f"{c}_bleu" in rows[0]]
    head = f"BLEU-4 vs SNR ({base.snr_type}), {base.model}, {base.modulation}, RS({base.rs_n},{base.rs_k})"
    lines = [head, f"{'SNR dB':>7} " + " ".join(f"{c + ' BLEU':>13} {'exact':>6} {'uses':>6}" for c in codes)]
    for r in rows:
        cells = " ".join(f"{r[c + '_bleu']:13.3f} {r[c + '_exact']:6.2f} {r[c + '_channel_uses']:6.0f}" for c in codes)
        lines.append(f"{r['snr_db']:7.1f} {cells}")
    return "\n".join(lines)


def plot(rows: list[dict], base: ChannelConfig, path: Path, same_data: bool = False) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {"huffman": f"Huffman + RS({base.rs_n},{base.rs_k}) + {base.modulation}",
              "utf8": f"8-bit chars + RS({base.rs_n},{base.rs_k}) + {base.modulation}",
              "learned": "learned text codec, analog" + (" (trained on these captions)" if same_data else "")}
    fig, ax = plt.subplots(figsize=(6, 4))
    snrs = [r["snr_db"] for r in rows]
    for code, label in labels.items():
        if f"{code}_bleu" in rows[0]:
            ax.plot(snrs, [r[f"{code}_bleu"] for r in rows], marker="o", label=label)
    ax.set_xlabel(f"SNR ({base.snr_type.replace('_', '/')}) [dB]")
    ax.set_ylabel("BLEU-4 (mean sentence BLEU)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Caption over {base.model.upper()}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captions", type=Path, default=None, help="one caption a line (default: the shipped 50)")
    parser.add_argument("--snr", type=float, nargs="+", default=DEFAULT_SNRS)
    parser.add_argument("--snr-type", choices=["es_n0", "eb_n0"], default="es_n0")
    parser.add_argument("--modulation", default="qam64")
    parser.add_argument("--rs", type=int, nargs=2, default=[42, 30], metavar=("N", "K"))
    parser.add_argument("--trials", type=int, default=3, help="channel realisations per caption and SNR")
    parser.add_argument("--no-learned", action="store_true", help="skip the learned codec even if it is trained")
    parser.add_argument("--out", type=Path, default=Path("out/bleu_vs_snr"))
    args = parser.parse_args(argv)

    captions = read_captions(args.captions or default_captions())
    base = ChannelConfig(model="awgn", snr_type=args.snr_type, modulation=args.modulation, fec="rs",
                         rs_n=args.rs[0], rs_k=args.rs[1])
    learned = not args.no_learned and codec.availability()[0] and args.snr_type == "es_n0"
    if not args.no_learned and not learned:
        why = codec.availability()[1] or "analog symbols have no Eb/N0: use --snr-type es_n0"
        print(f"learned codec skipped: {why}")
    rows = sweep(captions, base, args.snr, args.trials, learned)
    table = print_table(rows, base)
    print(f"{len(captions)} captions x {args.trials} trials per SNR\n{table}")

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "bleu_vs_snr.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (args.out / "bleu_vs_snr.json").write_text(json.dumps(
        {"channel": base.model_dump(exclude={"snr_db", "seed"}), "captions": len(captions), "trials": args.trials,
         "rows": rows}, indent=1))
    trained_on = codec.training_info().get("captions") if learned else None
    same_data = trained_on is not None and Path(trained_on).resolve() == (args.captions or default_captions()).resolve()
    if same_data:
        print("note: the learned codec was trained on these captions: its BLEU is memorisation, an upper bound")
    plot(rows, base, args.out / "bleu_vs_snr.png", same_data)
    print(f"wrote {args.out}/bleu_vs_snr.csv, .json, .png")


if __name__ == "__main__":
    main()
