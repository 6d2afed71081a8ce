"""Train the learned text codec (DeepSC-style) on a file or folder of captions.

    python -m semcom.text.train_codec --captions semcom/text/data/captions_en.txt \\
        --export semcom/weights/text_codec.safetensors --steps 3000

A file holds one caption per line; a folder, every ``*.txt`` file in it. Each
sentence sees AWGN at an SNR drawn uniformly from [--snr-min, --snr-max] dB
(Es/N0 per complex symbol, the convention of the link). At the end the command
prints the mean sentence BLEU at a few SNRs and writes safetensors with the
config, vocabulary and that table in the metadata; the pipelines load it from
``semcom/weights/text_codec.safetensors`` or SEMCOM_TEXT_CODEC_WEIGHTS.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from pathlib import Path

import torch
import torch.nn.functional as F

from semcom.models.io import save_weights
from semcom.models.text_codec import SPECIALS, TextCodec, TextCodecConfig, awgn
from semcom.text.bleu import mean_bleu
from semcom.text.bleu import tokens as word_tokens


def read_captions(path: Path) -> list[str]:
    files = sorted(path.rglob("*.txt")) if path.is_dir() else [path]
    lines = [line.strip() for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    captions = [c for c in lines if c and not c.startswith("#")]
    if not captions:
        raise SystemExit(f"no captions in {path}")
    return captions


def build_vocab(captions: list[str], min_count: int = 1) -> list[str]:
    counts = Counter(w for c in captions for w in word_tokens(c))
    return list(SPECIALS) + sorted(w for w, n in counts.items() if n >= min_count)


def batch(net: TextCodec, captions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    rows = [net.ids(c) for c in captions]
    length = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), length, dtype=torch.long)  # <pad> = 0
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
    return ids, ids == 0


def evaluate(net: TextCodec, captions: list[str], snr_db: float, seed: int = 0) -> float:
    """Mean sentence BLEU of the codec's own AWGN channel at ``snr_db``."""
    torch.manual_seed(seed)
    net.eval()
    with torch.inference_mode():
        ids, pad = batch(net, captions)
        received = awgn(net.encode(ids, pad), torch.full((len(captions),), float(snr_db)))
        decoded = net.decode(received, pad).argmax(-1)
    return mean_bleu([(c, net.text(row.tolist())) for c, row in zip(captions, decoded, strict=True)])


def train(captions: list[str], config: TextCodecConfig, steps: int, batch_size: int, snr_range: tuple[float, float],
          lr: float, seed: int, log_every: int = 200) -> TextCodec:
    torch.manual_seed(seed)
    rng = random.Random(seed)
    net = TextCodec(config)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        net.train()
        ids, pad = batch(net, rng.choices(captions, k=batch_size))
        snr = torch.empty(ids.shape[0]).uniform_(*snr_range)
        logits = net.decode(awgn(net.encode(ids, pad), snr), pad)
        loss = F.cross_entropy(logits[~pad], ids[~pad])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        if log_every and (step % log_every == 0 or step == steps):
            print(f"step {step}/{steps}  loss {loss.item():.4f}  {time.perf_counter() - start:.0f} s", flush=True)
    return net.eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captions", type=Path, required=True, help="a .txt file (one caption a line) or a folder")
    parser.add_argument("--export", type=Path, required=True, help="safetensors file to write")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--snr-min", type=float, default=0.0)
    parser.add_argument("--snr-max", type=float, default=15.0)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--channel-dim", type=int, default=16, help="real values per word (2 per channel use)")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--eval-snr", type=float, nargs="*", default=[0.0, 5.0, 10.0, 15.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    captions = read_captions(args.captions)
    config = TextCodecConfig(vocab=build_vocab(captions), max_tokens=args.max_tokens, d_model=args.d_model,
                             heads=args.heads, layers=args.layers, channel_dim=args.channel_dim)
    print(f"{len(captions)} captions, {len(config.vocab)} words in the vocabulary")
    net = train(captions, config, args.steps, args.batch_size, (args.snr_min, args.snr_max), args.lr, args.seed)
    table = {f"{snr:g}": round(evaluate(net, captions, snr), 4) for snr in args.eval_snr}
    for snr, bleu in table.items():
        print(f"BLEU at {snr} dB (training captions): {bleu:.3f}")
    training = {"captions": str(args.captions), "n_captions": len(captions), "steps": args.steps,
                "snr_range_db": [args.snr_min, args.snr_max], "bleu_on_training_captions": table}
    save_weights(net, config.to_dict(), args.export, extra={"training": training})
    print(f"wrote {args.export}")


if __name__ == "__main__":
    main()
