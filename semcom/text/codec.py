"""The learned text codec at run time: where its weights are, and caption <-> analog symbols.

Weights: ``semcom/weights/text_codec.safetensors`` (not shipped: train them with
the command below), or the file named by ``SEMCOM_TEXT_CODEC_WEIGHTS``.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path

import numpy as np

WEIGHTS_ENV = "SEMCOM_TEXT_CODEC_WEIGHTS"
DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "text_codec.safetensors"
TRAIN_COMMAND = ("python -m semcom.text.train_codec --captions FILE_OR_DIR "
                 "--export semcom/weights/text_codec.safetensors")


def weights_path() -> Path:
    return Path(os.environ.get(WEIGHTS_ENV) or DEFAULT_WEIGHTS)


def availability() -> tuple[bool, str]:
    path = weights_path()
    if not path.is_file():
        return False, f"no trained text codec at {path}: train one with `{TRAIN_COMMAND}` or set {WEIGHTS_ENV}"
    return True, ""


def training_info() -> dict:
    """The ``training`` metadata of the weights (captions, steps, BLEU table), {} when absent."""
    from semcom.models.io import read_metadata

    ok, _ = availability()
    return read_metadata(weights_path()).get("training", {}) if ok else {}


class LoadedCodec:
    def __init__(self, path: Path) -> None:
        import torch

        from semcom.models.io import load_weights, read_metadata
        from semcom.models.text_codec import TextCodec, TextCodecConfig

        self.net = TextCodec(TextCodecConfig(**read_metadata(path)["config"]))
        load_weights(self.net, path)
        self.net.eval()
        self.torch = torch
        self.lock = threading.Lock()

    def encode(self, caption: str) -> np.ndarray:
        """(tokens, channel_dim) float32 symbols of unit average complex power."""
        torch = self.torch
        ids = torch.tensor([self.net.ids(caption)])
        with self.lock, torch.inference_mode():
            return self.net.encode(ids, torch.zeros_like(ids, dtype=torch.bool))[0].numpy().astype(np.float32)

    def decode(self, symbols: np.ndarray) -> str:
        torch = self.torch
        x = torch.from_numpy(np.nan_to_num(np.asarray(symbols, np.float32)))[None]
        with self.lock, torch.inference_mode():
            logits = self.net.decode(x, torch.zeros(x.shape[:2], dtype=torch.bool))
        return self.net.text(logits[0].argmax(-1).tolist())


def load() -> LoadedCodec:
    ok, reason = availability()
    if not ok:
        raise FileNotFoundError(reason)
    return _load(weights_path())


@cache
def _load(path: Path) -> LoadedCodec:
    return LoadedCodec(path)
