"""Grow a trained Swin JSCC deeper without changing what it computes.

``python -m semcom.training.grow --weights semcom/weights/swin_jscc.safetensors --depths 2 2 6 2 --out W``

A small model trained for a long time on a CPU plateaus at its capacity; starting a
bigger one from random weights would throw that training away. New Swin blocks are
appended at the end of each stage (encoder and mirrored decoder) with their two
residual branches' output layers (attention projection, second MLP layer) set to
zero, so each new block is the identity and the grown model gives exactly the old
model's outputs. Training then continues from there (``train_swin_jscc --init W``).
Appending keeps the old blocks' shifted / unshifted pattern, since block j of a
stage is shifted when j is odd.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from semcom.models.io import read_metadata, save_weights
from semcom.models.swin_jscc import SwinJscc, SwinJsccConfig


def grow(model: SwinJscc, depths: list[int]) -> SwinJscc:
    """A model with ``depths`` blocks per stage that computes the same function as ``model``."""
    old = model.config
    if len(depths) != len(old.depths) or any(new < was for new, was in zip(depths, old.depths, strict=True)):
        raise ValueError(f"depths {depths} must have {len(old.depths)} stages, none shallower than {old.depths}")
    cfg = SwinJsccConfig(**{**old.to_dict(), "depths": list(depths)})
    grown = SwinJscc(cfg)
    old_state = model.state_dict()
    state = grown.state_dict()
    for key, value in old_state.items():
        state[key] = value.clone()
    for key in state:
        if key not in old_state and (".attn.proj." in key or ".mlp.2." in key):
            state[key] = torch.zeros_like(state[key])  # the new block's residual branches add nothing
    grown.load_state_dict(state, strict=True)
    return grown


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, required=True, help="safetensors of the model to grow")
    p.add_argument("--depths", type=int, nargs="+", required=True, help="blocks per stage after growing")
    p.add_argument("--out", type=Path, required=True, help="where to write the grown weights (safetensors)")
    args = p.parse_args(argv)
    meta = read_metadata(args.weights)
    model = SwinJscc.from_file(args.weights)
    grown = grow(model, args.depths)
    training = {**meta.get("training", {}), "grown_from_depths": model.config.depths}
    save_weights(grown, grown.config.to_dict(), args.out, extra={"training": training})
    count = sum(p.numel() for p in grown.parameters())
    print(f"grown {model.config.depths} -> {args.depths}: {count / 1e6:.2f} M parameters, written {args.out}")


if __name__ == "__main__":
    main()
