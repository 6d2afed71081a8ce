"""The `latent` pipeline with the real taef2 autoencoder (../shared/weights/taef2) on Kodak, and the float guard."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from semcom import pipelines
from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.metrics import psnr
from semcom.payload import Payload, Segment
from semcom.pipelines.latent import guard_latent
from tests.conftest import shared_path

torch = pytest.importorskip("torch")


def kodak(name: str, crop: tuple[int, int] | None = None) -> np.ndarray:
    image = np.asarray(Image.open(shared_path("data", "eval", "kodak", name)).convert("RGB"))
    if crop is None:
        return image
    h, w = crop
    top, left = (image.shape[0] - h) // 2, (image.shape[1] - w) // 2
    return np.ascontiguousarray(image[top:top + h, left:left + w])


@pytest.fixture(scope="module")
def taef2_dir():
    path = shared_path("weights", "taef2")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEMCOM_TAEF2_DIR", str(path))
        yield path


def send(image: np.ndarray, params: dict, channel: ChannelConfig) -> tuple[np.ndarray, dict, np.ndarray]:
    """(received image, decode info, channel-free round trip: the sent latent decoded as it was)."""
    pipe = pipelines.get("latent")
    payload = pipe.encode(image, pipe.parse_params({"codec": "taef2", **params}), channel)
    received, stats = transmit_payload(payload, channel)
    decoded = pipe.decode(received, stats)
    return decoded.image, decoded.info, pipe.decode(payload, None).image


def channel_free(image: np.ndarray) -> np.ndarray:
    from semcom.pipelines.latent import decode_latent, encode_latent

    latent, _ = encode_latent(image, "taef2", "")
    return decode_latent(latent, "taef2", "")


def test_taef2_round_trip_is_a_real_autoencoder(taef2_dir) -> None:
    image = kodak("kodim23.png", (256, 256))
    quality = psnr(image, channel_free(image))
    assert 24 < quality < 40, quality  # random weights would give ~10 dB


def test_float16_latent_at_30db_is_within_half_a_db_of_channel_free(taef2_dir) -> None:
    image = kodak("kodim23.png", (256, 384))
    received, info, free = send(image, {"number_format": "float16"}, ChannelConfig(snr_db=30, modulation="qam16"))
    assert info["latent_values_invalid"] == 0
    assert np.array_equal(free, channel_free(image))  # the sent latent is the float64 encoder output
    assert psnr(image, received) > psnr(image, free) - 0.5


def test_float64_breaks_at_low_snr_unless_guarded(taef2_dir) -> None:
    """Exponent bit errors make NaN / huge values; the guard (on by default) repairs them."""
    image = kodak("kodim23.png", (256, 256))
    reference = psnr(image, channel_free(image))
    channel = ChannelConfig(snr_db=13, modulation="qam16", fec="none", seed=1)  # raw BER about 1e-3
    broken, info_off, _ = send(image, {"number_format": "float64", "guard": "off"}, channel)
    guarded, info_clip, _ = send(image, {"number_format": "float64", "guard": "clip"}, channel)
    zeroed, _, _ = send(image, {"number_format": "float64", "guard": "zero"}, channel)
    print(f"\nfloat64 latent, 16-QAM at 13 dB, no FEC: channel-free {reference:.2f} dB; "
          f"guard off {psnr(image, broken):.2f} dB; clip {psnr(image, guarded):.2f} dB; "
          f"zero {psnr(image, zeroed):.2f} dB; "
          f"{info_off['latent_values_invalid']} invalid values ({info_off['latent_values_nonfinite']} non-finite)")
    assert info_off["latent_values_nonfinite"] > 0 and info_off["latent_values_invalid"] > 0
    assert info_clip["latent_values_invalid"] == info_off["latent_values_invalid"]
    assert psnr(image, broken) < reference - 10
    assert psnr(image, guarded) > psnr(image, broken) + 5 and psnr(image, zeroed) > psnr(image, broken) + 5


def test_guard_modes_on_corrupted_float64() -> None:
    """No ../shared needed: float64 values through a noisy 16-QAM link, then each guard mode."""
    rng = np.random.default_rng(0)
    latent = rng.normal(0, 1, (4, 32, 32))
    channel = ChannelConfig(snr_db=12, modulation="qam16", fec="none", seed=2)
    received, _ = transmit_payload(Payload("t", [Segment("latent", latent, number_format="float64")]), channel)
    values = received.segment("latent").content
    lo, hi = float(latent.min()), float(latent.max())
    assert not np.all(np.isfinite(values)) or np.abs(values).max() > 1e10  # exponent errors happened
    off, bad = guard_latent(values, "off", lo, hi)
    assert bad > 0 and off is values
    clipped, _ = guard_latent(values, "clip", lo, hi)
    zeroed, _ = guard_latent(values, "zero", lo, hi)
    for repaired in (clipped, zeroed):
        assert np.all(np.isfinite(repaired)) and repaired.min() >= lo - 0.1 and repaired.max() <= hi + 0.1
        assert np.mean((repaired - latent) ** 2) < 1.0  # below the latent's variance: still informative
    good = np.isfinite(values) & (values >= lo) & (values <= hi)
    assert np.array_equal(clipped[good], values[good])


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_kodak_table_channel_free_vs_30db_float16(taef2_dir) -> None:
    """All 24 Kodak images at full size: PSNR of the round trip and of the link at 30 dB, float16 latent."""
    rows = []
    for i in range(1, 25):
        image = kodak(f"kodim{i:02d}.png")
        received, _, free = send(image, {"number_format": "float16"}, ChannelConfig(snr_db=30, modulation="qam16"))
        reference = psnr(image, free)
        rows.append((i, reference, psnr(image, received)))
        print(f"kodim{i:02d}  channel-free {reference:6.2f} dB   30 dB 16-QAM float16 {rows[-1][2]:6.2f} dB")
    mean_free, mean_link = (sum(r[k] for r in rows) / len(rows) for k in (1, 2))
    print(f"mean    channel-free {mean_free:6.2f} dB   30 dB 16-QAM float16 {mean_link:6.2f} dB")
    assert 26 <= mean_free <= 33 and all(link > free - 0.5 for _, free, link in rows)
    assert math.isfinite(mean_link)
