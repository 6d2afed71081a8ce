"""Evaluate pipelines over a folder of images x SNRs x channel models, in the style of the papers.

    python -m semcom.evaluate --images ../shared/data/eval/kodak --snrs 1 4 7 10 13 \\
        --channels awgn rayleigh_block --pipelines swin-jscc swin-jscc+cdm jpeg --ratio 1/16 --out out/eval

All pipelines get the same number of channel uses: the learned ones send k/n =
``--ratio``; ``jpeg`` gets the same budget and, per SNR, the modulation and RS
code that a link-adaptation table for that channel model picks
(semcom.channel.link_adaptation: AWGN, or block Rayleigh fading behind the
interleaver), then the highest JPEG quality that fits. Runs the same plain functions the services
run (no network). Writes ``results.csv`` (one row per image x setting),
``summary.json`` (means), ``summary.md`` (the tables) and ``psnr_lpips.png``.
"""

from __future__ import annotations

import argparse
import csv
import json
import zlib
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from semcom import pipelines
from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.channel.link_adaptation import choose_mcs
from semcom.metrics import image_metrics
from semcom.pipelines.base import placeholder
from semcom.training.data import list_images

METRICS = ("psnr_db", "ssim", "ms_ssim", "lpips")
JPEG_INTERLEAVER_DEPTH = 16  # codewords per interleaver block of the digital baseline


def channel_uses_for_ratio(image: np.ndarray, ratio: str) -> int:
    """The budget of the learned pipelines at this image size (padded to multiples of 16)."""
    h, w = (-(-s // 16) * 16 for s in image.shape[:2])
    return int(Fraction(ratio) * 3 * h * w)


def cell_seed(seed: int, image: str, model: str, snr_db: float) -> int:
    """The seed of one (image, channel model, SNR) cell, from ``--seed`` and the cell alone.

    So every pipeline there sees the same channel draws (``swin-jscc+cdm`` refines
    exactly what ``swin-jscc`` decoded), and a run with fewer pipelines, images,
    SNRs or channel models (or one of several merged with ``--merge``) repeats
    the rows of the full run. CRC-32, unlike ``hash()``, is the same in every process.
    """
    return (seed << 32) | zlib.crc32(f"{image}|{model}|{snr_db:g}".encode())


def run_one(name: str, image: np.ndarray, snr: float, model: str, ratio: str, seed: int,
            coherence: int) -> dict:
    base = {"model": model, "snr_db": snr, "seed": seed, "coherence_symbols": coherence}
    if name == "jpeg":
        mcs = choose_mcs(snr, model=model, coherence=coherence, interleaver_depth=JPEG_INTERLEAVER_DEPTH)
        channel = ChannelConfig(**base, modulation=mcs.modulation, fec="rs", rs_n=mcs.rs_n, rs_k=mcs.rs_k,
                                interleaver_depth=JPEG_INTERLEAVER_DEPTH)
        params: dict = {"channel_uses": channel_uses_for_ratio(image, ratio)}
        setting = f"{mcs.modulation} RS({mcs.rs_n},{mcs.rs_k})"
    else:
        channel = ChannelConfig(**base)
        params, setting = {"bandwidth_ratio": ratio}, "analog"
    pipe = pipelines.get(name)
    row = {"pipeline": name, "channel": model, "snr_db": snr, "setting": setting}
    try:
        payload = pipe.encode(image, pipe.parse_params(params), channel)
    except pipelines.PipelineError as exc:  # e.g. not even JPEG quality 1 fits the budget
        decoded = pipelines.Decoded(placeholder(image.shape), lost=True, reason=str(exc))
        row.update(channel_uses=params.get("channel_uses", 0), failed_codewords=0, sent=False)
    else:
        received, stats = transmit_payload(payload, channel)
        decoded = pipe.decode(received, stats)
        row.update(channel_uses=stats.channel_uses, failed_codewords=stats.failed_codewords, sent=True)
    row["bandwidth_ratio"] = row["channel_uses"] / image.size
    row.update(lost=decoded.lost, reason=decoded.reason)
    metrics = image_metrics(image, decoded.image)
    row.update({k: metrics.get(k) for k in METRICS})
    return row


def summarise(rows: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["pipeline"], r["channel"], r["snr_db"])].append(r)
    out = []
    for (pipe, chan, snr), rs in sorted(groups.items()):
        entry = {"pipeline": pipe, "channel": chan, "snr_db": snr, "images": len(rs),
                 "lost": sum(bool(r["lost"]) for r in rs),
                 "not_sent": sum(not r["sent"] for r in rs),  # e.g. not even JPEG quality 1 fit the budget
                 "setting": Counter(r["setting"] for r in rs).most_common(1)[0][0],
                 "bandwidth_ratio": float(np.mean([r["bandwidth_ratio"] for r in rs]))}
        for k in METRICS:
            values = [r[k] for r in rs if r[k] is not None]
            entry[k] = float(np.mean(values)) if len(values) == len(rs) else None
        out.append(entry)
    return out


def markdown(summary: list[dict]) -> str:
    """PSNR and LPIPS tables: one row per (channel, pipeline), one column per SNR."""
    snrs = sorted({s["snr_db"] for s in summary})
    index = {(s["channel"], s["pipeline"], s["snr_db"]): s for s in summary}
    header = ["| channel | pipeline | " + " | ".join(f"{s:g} dB" for s in snrs) + " |",
              "|---|---|" + "---|" * len(snrs)]
    lines = []
    for key, label, fmt in (("psnr_db", "PSNR (dB)", "{:.2f}"), ("lpips", "LPIPS (alex)", "{:.4f}"),
                            ("ms_ssim", "MS-SSIM", "{:.4f}")):
        lines += [label, "", *header]
        for chan in sorted({s["channel"] for s in summary}):
            for pipe in sorted({s["pipeline"] for s in summary}):
                cells = []
                for snr in snrs:
                    entry = index.get((chan, pipe, snr))
                    value = entry[key] if entry else None
                    cells.append(("n/a" if value is None else fmt.format(value)) + (_lost_note(entry) if entry else ""))
                lines.append(f"| {chan} | {pipe} | " + " | ".join(cells) + " |")
        lines.append("")
    digital = sorted({(s["channel"], s["pipeline"]) for s in summary if s["setting"] != "analog"})
    if digital:
        lines += ["Modulation and code (link adaptation)", "", *header]
        for chan, pipe in digital:
            cells = [index[(chan, pipe, snr)]["setting"] if (chan, pipe, snr) in index else "" for snr in snrs]
            lines.append(f"| {chan} | {pipe} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _lost_note(entry: dict) -> str:
    """' (3 lost)', or ' (24 lost, 24 over budget)' when the encoder could not send them."""
    if not entry["lost"]:
        return ""
    unfit = f", {entry['not_sent']} over budget" if entry["not_sent"] else ""
    return f" ({entry['lost']} lost{unfit})"


def plot(summary: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    channels = sorted({s["channel"] for s in summary})
    fig, axes = plt.subplots(2, len(channels), figsize=(5.5 * len(channels), 8), squeeze=False)
    for col, chan in enumerate(channels):
        for pipe in sorted({s["pipeline"] for s in summary}):
            pts = [s for s in summary if s["channel"] == chan and s["pipeline"] == pipe]
            snrs = [s["snr_db"] for s in pts]
            for row, (key, label) in enumerate((("psnr_db", "PSNR (dB)"), ("lpips", "LPIPS (alex)"))):
                values = [s[key] if s[key] is not None else np.nan for s in pts]
                axes[row][col].plot(snrs, values, marker="o", label=pipe)
                axes[row][col].set_ylabel(label)
                axes[row][col].set_xlabel("SNR (dB)")
                axes[row][col].grid(alpha=0.3)
        axes[0][col].set_title(f"{chan}, k/n = {summary[0]['bandwidth_ratio']:.4f}")
        axes[0][col].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=Path, help="folder of images (required unless --merge)")
    p.add_argument("--snrs", type=float, nargs="+", default=[1, 4, 7, 10, 13])
    p.add_argument("--channels", nargs="+", default=["awgn", "rayleigh_block"])
    p.add_argument("--pipelines", nargs="+", default=["swin-jscc", "swin-jscc+cdm", "jpeg"])
    p.add_argument("--ratio", default="1/16")
    p.add_argument("--coherence", type=int, default=128, help="Rayleigh block length in symbols")
    p.add_argument("--limit", type=int, default=0, help="use only the first N images")
    p.add_argument("--seed", type=_seed, default=0, help="0 <= SEED < 2**31; each cell's seed is derived from it")
    p.add_argument("--out", type=Path, default=Path("out/eval"))
    p.add_argument("--merge", type=Path, nargs="+", help="only combine the results.csv of earlier runs "
                   "(e.g. one process per channel model) into --out")
    args = p.parse_args(argv)
    if args.merge:
        rows = [_typed(r) for d in args.merge for r in csv.DictReader((d / "results.csv").open())]
        return write_outputs(rows, args)
    if args.images is None:
        p.error("--images is required")

    for name in args.pipelines:
        ok, reason = pipelines.get(name).availability()
        if not ok:
            raise SystemExit(f"pipeline {name} is unavailable: {reason}")
    files = list_images(args.images)[: args.limit or None]
    images = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    jobs = [(f, img, chan, snr, name) for f, img in zip(files, images, strict=True) for chan in args.channels
            for snr in args.snrs for name in args.pipelines]
    for f, img, chan, snr, name in tqdm(jobs, desc="evaluate"):
        row = run_one(name, img, snr, chan, args.ratio, cell_seed(args.seed, f.name, chan, snr), args.coherence)
        rows.append({"image": f.name, **row})
    write_outputs(rows, args)


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**31:
        raise argparse.ArgumentTypeError(f"{value} is not in 0 .. 2**31 - 1")
    return value


def _typed(row: dict) -> dict:
    """A results.csv row with its numbers and flags back in their types."""
    out: dict = dict(row)
    for key in ("snr_db", "bandwidth_ratio", *METRICS):
        out[key] = float(row[key]) if row[key] not in ("", "None") else None
    for key in ("channel_uses", "failed_codewords"):
        out[key] = int(row[key])
    out["lost"] = row["lost"] == "True"
    out["sent"] = row.get("sent", "True") == "True"  # results written before the column existed: sent
    return out


def write_outputs(rows: list[dict], args: argparse.Namespace) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = summarise(rows)
    (args.out / "summary.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                                       "summary": summary}, indent=2))
    plot(summary, args.out / "psnr_lpips.png")
    (args.out / "summary.md").write_text(markdown(summary))
    for s in summary:
        lp = "n/a" if s["lpips"] is None else f"{s['lpips']:.4f}"
        ps = "n/a" if s["psnr_db"] is None else f"{s['psnr_db']:.2f}"
        print(f"{s['pipeline']:>14} {s['channel']:>15} {s['snr_db']:5.1f} dB  PSNR {ps:>6}  LPIPS {lp}  "
              f"lost {s['lost']}/{s['images']}")
    print(f"wrote {args.out}/results.csv, summary.json, summary.md, psnr_lpips.png")


if __name__ == "__main__":
    main()
