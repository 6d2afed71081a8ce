"""Saving and loading model weights as safetensors, the config in the metadata."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def save_weights(model: torch.nn.Module, config: dict, path: Path, extra: dict | None = None,
                 half: bool = False) -> None:
    tensors = {k: (v.half() if half and v.is_floating_point() else v).contiguous()
               for k, v in model.state_dict().items()}
    metadata = {"config": json.dumps(config), **{k: json.dumps(v) for k, v in (extra or {}).items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)


def read_metadata(path: Path) -> dict:
    with safe_open(str(path), framework="pt") as f:
        return {k: json.loads(v) for k, v in (f.metadata() or {}).items()}


def load_weights(model: torch.nn.Module, path: Path, optional: tuple[str, ...] = ()) -> list[str]:
    """Load every tensor of ``model`` from ``path``, strictly, except that the keys under the
    ``optional`` prefixes may be missing (parts only training needs; files written before they
    were exported). Returns the optional keys that were missing."""
    state = load_file(str(path))
    reference = model.state_dict()
    state = {k: v.to(reference[k].dtype) if k in reference else v for k, v in state.items()}
    missing = [k for k in reference if k not in state and k.startswith(optional)] if optional else []
    # The missing optional tensors keep the model's own values; everything else must match.
    model.load_state_dict({**{k: reference[k] for k in missing}, **state}, strict=True)
    return missing
