"""The weights the project ships: present, small, and behaving like a JSCC on held-out images.

Held-out images: scikit-image's public-domain photographs (never in the training
folder, which is BSDS500 + Urban100).
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from semcom import pipelines
from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.metrics import lpips_metric, psnr
from semcom.pipelines.swin_jscc import SHIPPED_WEIGHTS
from semcom.pipelines.swin_jscc_cdm import SHIPPED_CDM_WEIGHTS

HELD_OUT = {"coffee": lambda: data.coffee()[:256, :384], "chelsea": lambda: data.chelsea()[:288, :448],
            "rocket": lambda: data.rocket()[:256, :384]}


def run(name: str, image: np.ndarray, snr_db: float, model: str = "awgn") -> np.ndarray:
    pipe = pipelines.get(name)
    channel = ChannelConfig(snr_db=snr_db, model=model, seed=1)
    received, stats = transmit_payload(pipe.encode(image, pipe.parse_params({}), channel), channel)
    return pipe.decode(received, stats).image


def test_shipped_weights_exist_and_are_small() -> None:
    for path in (SHIPPED_WEIGHTS, SHIPPED_CDM_WEIGHTS):
        assert path.exists(), f"{path} is missing from the package"
    total = SHIPPED_WEIGHTS.stat().st_size + SHIPPED_CDM_WEIGHTS.stat().st_size
    assert total < 60 * 1024 * 1024
    assert pipelines.get("swin-jscc").availability() == (True, "")
    assert pipelines.get("swin-jscc+cdm").availability() == (True, "")


@pytest.mark.parametrize("name", sorted(HELD_OUT))
@pytest.mark.parametrize("model", ["awgn", "rayleigh_block"])
def test_higher_snr_gives_higher_psnr(name: str, model: str) -> None:
    image = np.ascontiguousarray(HELD_OUT[name]())
    values = [psnr(image, run("swin-jscc", image, snr, model)) for snr in (1.0, 7.0, 13.0)]
    assert values[0] < values[1] < values[2], values
    assert values[2] > 20.0


def test_refiner_lowers_lpips() -> None:
    image = np.ascontiguousarray(HELD_OUT["coffee"]())
    coarse = lpips_metric(image, run("swin-jscc", image, 7.0))
    if coarse["lpips"] is None:
        pytest.skip(coarse["lpips_unavailable"])
    refined = lpips_metric(image, run("swin-jscc+cdm", image, 7.0))
    assert refined["lpips"] < coarse["lpips"]
