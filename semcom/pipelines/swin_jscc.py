"""``swin-jscc``: Swin-Transformer deep JSCC sent as analog symbols (SC-CDM's first stage).

The transmitter pads the image to a multiple of 16, encodes it conditioned on the
channel's SNR at bandwidth ratio 1/16 or 1/32 and sends the latent as an analog
segment (unit average complex power per image). The receiver decodes and crops.
Weights: the project's own, shipped in ``semcom/weights/``; another checkpoint
via the environment variable SEMCOM_SWIN_JSCC_WEIGHTS.
"""

from __future__ import annotations

import os
import threading
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from semcom.channel.config import ChannelConfig, LinkStats
from semcom.payload import Payload, Segment
from semcom.pipelines.base import Decoded, Pipeline, PipelineError, Role

WEIGHTS_ENV = "SEMCOM_SWIN_JSCC_WEIGHTS"
SHIPPED_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "swin_jscc.safetensors"
TRAIN_COMMAND = "python -m semcom.training.train_swin_jscc --data DIR --run runs/swin_jscc --export PATH"
SUPPORTED_RATIOS = ("1/16", "1/32")


def weights_path() -> Path:
    return Path(os.environ.get(WEIGHTS_ENV, SHIPPED_WEIGHTS))


class SwinJsccParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bandwidth_ratio: str = Field("1/16", description=f"k/n, one of {', '.join(SUPPORTED_RATIOS)}")

    @field_validator("bandwidth_ratio")
    @classmethod
    def _supported(cls, v: str) -> str:
        if v not in SUPPORTED_RATIOS:
            raise ValueError(f"bandwidth_ratio must be one of {', '.join(SUPPORTED_RATIOS)}")
        return v


class _Model:
    """The loaded network, shared by all requests of a process (inference is thread-safe under the lock)."""

    def __init__(self, path: Path) -> None:
        import torch

        from semcom.models.io import read_metadata
        from semcom.models.swin_jscc import SwinJscc

        self.training = read_metadata(path).get("training", {})
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.net = SwinJscc.from_file(path)
        self.config = self.net.config
        self.net.to(self.device).eval()
        self.lock = threading.Lock()


@cache
def load_model(path: Path) -> _Model:
    return _Model(path)


def _to_tensor(images: list[np.ndarray]):  # noqa: ANN202 (torch imported lazily)
    import torch

    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0


def pad_to_multiple(image: np.ndarray, multiple: int = 16) -> np.ndarray:
    """Reflect-pad (H, W, 3) so both sides are multiples of ``multiple``."""
    h, w = image.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    if not ph and not pw:
        return image
    mode = "reflect" if h > ph and w > pw else "edge"
    return np.pad(image, ((0, ph), (0, pw), (0, 0)), mode=mode)


class SwinJsccPipeline(Pipeline):
    name = "swin-jscc"
    summary = "Swin-Transformer JSCC latent, analog symbols at k/n 1/16 or 1/32, SNR-adaptive (SC-CDM stage 1)"
    Params = SwinJsccParams

    def availability(self, role: Role = "both") -> tuple[bool, str]:
        path = weights_path()  # both sides: the encoder and the decoder live in one file
        if not path.exists():
            return False, f"weights not found at {path}; train them with `{TRAIN_COMMAND}` or set {WEIGHTS_ENV}"
        try:
            import torch  # noqa: F401
        except ImportError:
            return False, "PyTorch is not installed (pip install torch)"
        return True, ""

    def model(self) -> _Model:
        return load_model(weights_path())

    def encode(self, image: np.ndarray, params: BaseModel, channel: ChannelConfig) -> Payload:
        import torch

        assert isinstance(params, SwinJsccParams)
        m = self.model()
        active = m.config.channels_for_ratio(float(Fraction(params.bandwidth_ratio)))
        if active > m.config.latent_channels:
            raise PipelineError(f"this model sends at most k/n = {m.config.latent_channels}/1536")
        lo, hi = m.config.snr_range_db
        snr = float(np.clip(channel.snr_db if channel.snr_type == "es_n0" else lo, lo, hi))
        padded = pad_to_multiple(image)
        with m.lock, torch.inference_mode():
            latent = m.net.encode(_to_tensor([padded]).to(m.device), torch.tensor([snr], device=m.device), active)
        symbols = latent[0].cpu().numpy().astype(np.float32)
        header = {"height": image.shape[0], "width": image.shape[1], "active_channels": active,
                  "conditioning_snr_db": snr, "bandwidth_ratio": params.bandwidth_ratio}
        if snr != channel.snr_db:
            header["note"] = f"the model is trained for {lo:g}-{hi:g} dB Es/N0; conditioned on {snr:g} dB"
        return Payload(self.name, [Segment("symbols", symbols, transport="analog")], tuple(image.shape), header)

    def decode(self, payload: Payload, stats: LinkStats | None) -> Decoded:
        return self.decode_batch([payload], [stats])[0]

    def decode_batch(self, payloads: list[Payload], stats: list[LinkStats | None]) -> list[Decoded]:
        """Decode several payloads; those with the same latent shape and state share one forward pass."""
        out: list[Decoded | None] = [None] * len(payloads)
        for members, images in self._decode_groups(payloads):
            pixels = (images.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).cpu().numpy()
            for j, i in enumerate(members):
                h, w = payloads[i].header["height"], payloads[i].header["width"]
                out[i] = Decoded(np.ascontiguousarray(pixels[j, :h, :w]),
                                 info={"bandwidth_ratio": payloads[i].header["bandwidth_ratio"]})
        return [d for d in out if d is not None]

    def refine(self, images, payloads: list[Payload]):  # noqa: ANN001, ANN201
        """Second receiver stage on the padded decoded images; none for plain swin-jscc."""
        return images

    def _decode_groups(self, payloads: list[Payload]):  # noqa: ANN202
        import torch

        m = self.model()
        groups: dict[tuple, list[int]] = {}
        for i, p in enumerate(payloads):
            latent = p.segment("symbols").content
            if not isinstance(latent, np.ndarray) or latent.ndim != 3:
                raise PipelineError(f"{self.name}: the 'symbols' segment must be a (C, H/16, W/16) tensor")
            key = (latent.shape, p.header["active_channels"], p.header["conditioning_snr_db"])
            groups.setdefault(key, []).append(i)
        for (_, active, snr), members in groups.items():
            batch = np.stack([payloads[i].segment("symbols").content for i in members]).astype(np.float32)
            with m.lock, torch.inference_mode():
                snrs = torch.full((len(members),), float(snr), device=m.device)
                images = m.net.decode(torch.from_numpy(batch).to(m.device), snrs, active)
                images = self.refine(images, [payloads[i] for i in members])
            yield members, images
