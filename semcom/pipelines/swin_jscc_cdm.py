"""``swin-jscc+cdm``: the Swin JSCC followed by the compact diffusion refiner (SC-CDM).

The transmitter is the same as ``swin-jscc``; the receiver decodes, samples a
prior vector with the 4-step diffusion model conditioned on the decoded image,
and refines the image with the prior-modulated restoration network. The
diffusion noise is seeded (parameter ``seed``) so the output is reproducible.
Weights: ``semcom/weights/cdm.safetensors``, or SEMCOM_CDM_WEIGHTS.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from semcom.channel.config import ChannelConfig
from semcom.payload import Payload
from semcom.pipelines.base import Role
from semcom.pipelines.swin_jscc import SwinJsccParams, SwinJsccPipeline

CDM_WEIGHTS_ENV = "SEMCOM_CDM_WEIGHTS"
SHIPPED_CDM_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "cdm.safetensors"
CDM_TRAIN_COMMAND = "python -m semcom.training.train_cdm --data DIR --run runs/cdm --stage 1|2 --export PATH"


def cdm_weights_path() -> Path:
    return Path(os.environ.get(CDM_WEIGHTS_ENV, SHIPPED_CDM_WEIGHTS))


class CdmParams(SwinJsccParams):
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the diffusion sampler")


class _Refiner:
    def __init__(self, path: Path) -> None:
        import torch

        from semcom.models.cdm import TRAINING_ONLY, CdmConfig, CdmRefiner
        from semcom.models.io import load_weights, read_metadata

        self.config = CdmConfig(**read_metadata(path)["config"])
        refiner = CdmRefiner(self.config)
        load_weights(refiner, path, optional=TRAINING_ONLY)
        self.net = refiner.eval()
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.net.to(self.device)
        self.lock = threading.Lock()


@cache
def load_refiner(path: Path) -> _Refiner:
    return _Refiner(path)


class SwinJsccCdmPipeline(SwinJsccPipeline):
    name = "swin-jscc+cdm"
    summary = "swin-jscc symbols, then a 4-step compact diffusion prior + prior-modulated refiner (SC-CDM)"
    Params = CdmParams

    def availability(self, role: Role = "both") -> tuple[bool, str]:
        ok, reason = super().availability(role)
        if not ok or role == "transmitter":  # the refiner runs at the receiver only
            return ok, reason
        if not cdm_weights_path().exists():
            return False, (f"refiner weights not found at {cdm_weights_path()}; train them with "
                           f"`{CDM_TRAIN_COMMAND}` or set {CDM_WEIGHTS_ENV}")
        return True, ""

    def encode(self, image: np.ndarray, params: BaseModel, channel: ChannelConfig) -> Payload:
        assert isinstance(params, CdmParams)
        payload = super().encode(image, params, channel)
        header = {**payload.header, "diffusion_seed": params.seed}
        return Payload(self.name, payload.segments, payload.source_shape, header)

    def refine(self, images, payloads: list[Payload]):  # noqa: ANN001, ANN201
        import torch

        from semcom.pipelines.cdm_refine import refine

        r = load_refiner(cdm_weights_path())
        generator = torch.Generator().manual_seed(int(payloads[0].header.get("diffusion_seed", 0)))
        with r.lock, torch.inference_mode():
            return refine(r.net, images.to(r.device), generator)
