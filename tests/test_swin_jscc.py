"""Swin JSCC and the CDM refiner: shapes, bandwidth ratio, power, loading, training resume."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from semcom import pipelines
from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.models.cdm import CdmConfig, CdmRefiner
from semcom.models.io import save_weights
from semcom.models.swin import SwinBlock
from semcom.models.swin_jscc import SwinJscc, SwinJsccConfig, power_normalise
from semcom.pipelines.swin_jscc import pad_to_multiple
from semcom.training.channel import simulate
from tests.conftest import png_bytes, sample_image

TINY = SwinJsccConfig(dims=[8, 8, 8, 8], depths=[1, 1, 1, 1], heads=[1, 1, 1, 1], window=4)


@pytest.fixture
def tiny_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Random tiny networks saved where the pipelines look: exercises the real loading code."""
    torch.manual_seed(0)
    jscc = tmp_path / "jscc.safetensors"
    save_weights(SwinJscc(TINY), TINY.to_dict(), jscc)
    refiner = CdmRefiner(CdmConfig(prior_dim=8, width=8, blocks=1, denoiser_hidden=16))
    parts = torch.nn.ModuleDict({"prior_cond": refiner.prior_cond, "restore": refiner.restore,
                                 "denoiser": refiner.denoiser})
    cdm = tmp_path / "cdm.safetensors"
    save_weights(parts, refiner.config.to_dict(), cdm)
    monkeypatch.setenv("SEMCOM_SWIN_JSCC_WEIGHTS", str(jscc))
    monkeypatch.setenv("SEMCOM_CDM_WEIGHTS", str(cdm))
    return tmp_path


@pytest.mark.parametrize(("height", "width"), [(32, 48), (64, 64), (96, 160), (128, 80)])
@pytest.mark.parametrize("ratio", [1 / 16, 1 / 32])
def test_latent_shape_and_bandwidth_ratio(height: int, width: int, ratio: float) -> None:
    model = SwinJscc(TINY).eval()
    active = SwinJsccConfig.channels_for_ratio(ratio)
    with torch.no_grad():
        z = model.encode(torch.rand(2, 3, height, width), torch.tensor([3.0, 12.0]), active)
        y = model.decode(z, torch.tensor([3.0, 12.0]), active)
    assert z.shape == (2, active, height // 16, width // 16)
    k = z[0].numel() / 2  # complex channel uses
    assert k / (3 * height * width) == pytest.approx(ratio)
    assert y.shape == (2, 3, height, width) and float(y.min()) >= 0 and float(y.max()) <= 1


def test_power_normalisation_per_image() -> None:
    z = power_normalise(torch.randn(3, 96, 4, 5) * torch.tensor([0.1, 1.0, 30.0]).reshape(3, 1, 1, 1))
    pairs = z.reshape(3, -1, 2)
    assert torch.allclose((pairs**2).sum(-1).mean(1), torch.ones(3), atol=1e-5)


def test_training_channel_matches_the_conventions() -> None:
    """AWGN at SNR s: the equalised error per complex symbol has power N0 = 10^(-s/10)."""
    z = power_normalise(torch.randn(2, 96, 40, 40))
    g = torch.Generator().manual_seed(0)
    out = simulate(z, torch.tensor([5.0, 15.0]), torch.tensor([False, False]), 128, g)
    err = ((out - z).reshape(2, -1, 2) ** 2).sum(-1).mean(1)
    assert err[0] == pytest.approx(10**-0.5, rel=0.03) and err[1] == pytest.approx(10**-1.5, rel=0.03)


def test_pad_to_multiple() -> None:
    img = sample_image(50, 70)
    padded = pad_to_multiple(img)
    assert padded.shape == (64, 80, 3) and np.array_equal(padded[:50, :70], img)


def test_unavailable_without_weights(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEMCOM_SWIN_JSCC_WEIGHTS", str(tmp_path / "missing.safetensors"))
    ok, reason = pipelines.get("swin-jscc").availability()
    assert not ok and "missing.safetensors" in reason and "train_swin_jscc" in reason
    assert pipelines.get("swin-jscc").describe()["available"] is False


def test_refiner_is_needed_at_the_receiver_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEMCOM_CDM_WEIGHTS", str(tmp_path / "no-cdm.safetensors"))
    cdm = pipelines.get("swin-jscc+cdm")
    assert cdm.availability("transmitter") == (True, "")
    ok, reason = cdm.availability("receiver")
    assert not ok and "no-cdm.safetensors" in reason and cdm.availability("both") == (ok, reason)
    with pytest.raises(pipelines.PipelineUnavailable, match="at the receiver"):
        cdm.require("receiver")


@pytest.mark.parametrize("name", ["swin-jscc", "swin-jscc+cdm"])
def test_pipeline_round_trip_with_tiny_weights(tiny_weights: Path, name: str) -> None:
    from receiver_service.decode import decode_payload
    from transmitter_service.encode import encode_image

    image = sample_image(50, 70)
    channel = ChannelConfig(snr_db=10.0, model="rayleigh_block")
    payload = encode_image(name, png_bytes(image), {"bandwidth_ratio": "1/32"}, channel)
    segment = payload.segment("symbols")
    assert segment.transport == "analog" and segment.content.shape == (48, 4, 5)
    received, stats = transmit_payload(payload, channel)
    assert stats.channel_uses == 48 * 4 * 5 // 2
    assert stats.bandwidth_ratio == pytest.approx(480 / (50 * 70 * 3))
    first = decode_payload(received, stats)
    again = decode_payload(received, stats)
    assert first.image.shape == image.shape and np.array_equal(first.image, again.image)


def test_batched_decode_equals_single(tiny_weights: Path) -> None:
    from transmitter_service.encode import encode_image

    pipe = pipelines.get("swin-jscc")
    channel = ChannelConfig(snr_db=7.0)
    payloads = [transmit_payload(encode_image("swin-jscc", png_bytes(sample_image(48, 64, seed=s)), {}, channel),
                                 channel)[0] for s in range(3)]
    batched = pipe.decode_batch(payloads, [None] * 3)
    for p, b in zip(payloads, batched, strict=True):
        assert np.abs(pipe.decode(p, None).image.astype(int) - b.image.astype(int)).max() <= 1


def tiny_training_args(tmp_path: Path, images: int) -> list[str]:
    """Options of a tiny Swin JSCC training run on a few synthetic images (no run folder yet)."""
    data = tmp_path / "images"
    data.mkdir()
    for i in range(images):
        Image.fromarray(sample_image(80, 96, seed=i)).save(data / f"{i}.png")
    tiny = '{"dims": [8, 8, 8, 8], "depths": [1, 1, 1, 1], "heads": [1, 1, 1, 1], "window": 4}'
    return ["--data", str(data), "--batch", "2", "--crop", "32", "--threads", "1", "--config", tiny]


def test_training_resumes_on_the_same_loss_curve(tmp_path: Path) -> None:
    from semcom.training.train_swin_jscc import parse_args, train

    common = [*tiny_training_args(tmp_path, images=4), "--ckpt-every", "2"]
    straight = train(parse_args([*common, "--run", str(tmp_path / "a"), "--steps", "4"]))
    first = train(parse_args([*common, "--run", str(tmp_path / "b"), "--steps", "2"]))
    resumed = train(parse_args([*common, "--run", str(tmp_path / "b"), "--steps", "4",
                                "--export", str(tmp_path / "b.safetensors")]))
    assert len(straight) == 4 and len(first) == 2 and len(resumed) == 2
    assert first + resumed == straight
    assert (tmp_path / "b.safetensors").exists() and all(math.isfinite(v) for v in straight)


def test_bf16_training_optimises_the_same_loss_and_resumes_on_its_curve(tmp_path: Path) -> None:
    """bf16 autocast changes the arithmetic, not the objective: its first loss (same weights, crops and channel
    draws) is within bfloat16's precision of float32's, and a bf16 run resumes on its own curve."""
    from semcom.training.train_swin_jscc import parse_args, train

    common = [*tiny_training_args(tmp_path, images=4), "--ckpt-every", "2"]
    fp32 = train(parse_args([*common, "--run", str(tmp_path / "fp32"), "--steps", "1"]))
    straight = train(parse_args([*common, "--run", str(tmp_path / "a"), "--steps", "4", "--precision", "bf16"]))
    first = train(parse_args([*common, "--run", str(tmp_path / "b"), "--steps", "2", "--precision", "bf16"]))
    resumed = train(parse_args([*common, "--run", str(tmp_path / "b"), "--steps", "4", "--precision", "bf16"]))
    assert straight[0] == pytest.approx(fp32[0], rel=2e-2) and straight[0] != fp32[0]
    assert first + resumed == straight


@pytest.mark.slow
def test_compiled_training_follows_eager(tmp_path: Path) -> None:
    """--compile (minutes of compiling on a machine without the inductor cache) trains the same model: the same
    losses to float rounding, and weights that load into the plain model."""
    from semcom.models.swin_jscc import SwinJscc
    from semcom.training.train_swin_jscc import parse_args, train

    common = [*tiny_training_args(tmp_path, images=4), "--steps", "3"]
    eager = train(parse_args([*common, "--run", str(tmp_path / "a")]))
    out = tmp_path / "compiled.safetensors"
    compiled = train(parse_args([*common, "--run", str(tmp_path / "b"), "--compile", "--export", str(out)]))
    assert compiled == pytest.approx(eager, rel=1e-5)
    assert SwinJscc.from_file(out) is not None


def test_an_unknown_precision_is_refused() -> None:
    from semcom.training.precision import autocast
    from semcom.training.train_swin_jscc import parse_args

    with pytest.raises(ValueError, match="fp32"):
        autocast(torch.device("cpu"), "fp16")
    with pytest.raises(SystemExit):
        parse_args(["--data", "d", "--run", "r", "--precision", "fp16"])


def test_a_resumed_run_logs_each_step_once(tmp_path: Path) -> None:
    """Rows that reached the log after the last checkpoint (a stop between checkpoints) are dropped on resume, so
    the log stays one curve; a row cut short mid-write goes too."""
    from semcom.training.train_swin_jscc import parse_args, train

    common = [*tiny_training_args(tmp_path, images=4), "--ckpt-every", "2", "--run", str(tmp_path / "b")]
    train(parse_args([*common, "--steps", "2"]))
    log = tmp_path / "b" / "log.csv"
    with log.open("a") as f:  # as a run stopped at step 4, after the checkpoint at 2, would leave it
        f.write("3,0.5,3.0,0.0625,5.0,0.5,1.0\n4,0.5,3.0,0.06")
    losses = train(parse_args([*common, "--steps", "4"]))
    rows = log.read_text().splitlines()
    assert rows[0].startswith("step,loss") and [r.split(",")[0] for r in rows[1:]] == ["1", "2", "3", "4"]
    assert [float(r.split(",")[1]) for r in rows[3:]] == pytest.approx(losses, rel=1e-5)


def test_continuing_a_file_needs_steps_past_its_count(tmp_path: Path) -> None:
    """--steps is a total counted on from the --init file's step: one not past it is an error, not a
    run that silently exports the same weights."""
    from semcom.models.io import read_metadata
    from semcom.training.train_swin_jscc import parse_args, train

    common = tiny_training_args(tmp_path, images=1)
    first = tmp_path / "first.safetensors"
    train(parse_args([*common, "--run", str(tmp_path / "a"), "--steps", "2", "--export", str(first)]))
    cont = [*common, "--run", str(tmp_path / "b"), "--init", str(first)]
    for steps in ("1", "2"):
        with pytest.raises(SystemExit, match=r"at step 2: nothing would be trained.*--steps above 2"):
            train(parse_args([*cont, "--steps", steps, "--export", str(tmp_path / "same.safetensors")]))
    assert not (tmp_path / "same.safetensors").exists()
    second = tmp_path / "second.safetensors"
    assert len(train(parse_args([*cont, "--steps", "3", "--export", str(second)]))) == 1
    assert read_metadata(second)["training"]["steps"] == 3


def test_stages_without_shift_are_those_whose_blocks_run_unshifted() -> None:
    """At 128x128 crops the deepest stage's map (8x8) is one window: its shifted block runs unshifted,
    so crops that small never train the shifted windows that Kodak-sized images use."""
    cfg = SwinJsccConfig()
    assert cfg.stages_without_shift(128) == [3]
    assert cfg.crop_with_shifts() == 256 and cfg.stages_without_shift(256) == []
    torch.manual_seed(0)
    shifted = SwinBlock(8, 1, window=4, shift=True)
    plain = SwinBlock(8, 1, window=4, shift=False)
    plain.load_state_dict(shifted.state_dict())
    one_window, two_windows = torch.randn(1, 4, 4, 8), torch.randn(1, 8, 8, 8)
    assert torch.equal(shifted(one_window), plain(one_window))
    assert not torch.allclose(shifted(two_windows), plain(two_windows))


def test_trainer_warns_when_the_crop_leaves_shifts_untrained(capsys: pytest.CaptureFixture[str]) -> None:
    from semcom.training.train_swin_jscc import warn_untrained_shifts

    warn_untrained_shifts(SwinJsccConfig(), 128)
    assert "stage(s) 4 fit in one 8x8 window" in capsys.readouterr().out
    warn_untrained_shifts(SwinJsccConfig(), 256)
    assert capsys.readouterr().out == ""


def test_learning_rate_schedule_is_a_half_cosine_of_the_step() -> None:
    from semcom.training.train_swin_jscc import learning_rate, parse_args

    common = ["--data", "d", "--run", "r", "--lr", "2e-4", "--lr-min", "1e-5", "--steps", "1000"]
    constant = parse_args(common)
    assert learning_rate(0, constant) == learning_rate(999, constant) == 2e-4
    decaying = parse_args([*common, "--decay-start", "600"])
    assert learning_rate(599, decaying) == learning_rate(600, decaying) == pytest.approx(2e-4)
    assert learning_rate(800, decaying) == pytest.approx((2e-4 + 1e-5) / 2)  # halfway down the cosine
    assert learning_rate(700, decaying) == pytest.approx(1e-5 + 0.5 * 1.9e-4 * (1 + math.cos(math.pi / 4)))
    assert learning_rate(1000, decaying) == learning_rate(5000, decaying) == pytest.approx(1e-5)
    warm = parse_args([*common, "--decay-start", "600", "--warmup", "100"])
    assert learning_rate(600, warm) == pytest.approx(0.01 * learning_rate(600, decaying))  # first of 100 ramp steps
    assert learning_rate(649, warm) == pytest.approx(0.5 * learning_rate(649, decaying))
    assert learning_rate(699, warm) == learning_rate(699, decaying)
    assert learning_rate(800, warm) == learning_rate(800, decaying)


def test_growing_deeper_keeps_the_function_and_trains_the_new_blocks(tmp_path: Path) -> None:
    from semcom.models.io import read_metadata
    from semcom.training.grow import grow, main

    torch.manual_seed(0)
    small = SwinJscc(TINY).eval()
    grown = grow(small, [2, 1, 3, 1]).eval()
    assert [len(s.blocks) for s in grown.encoder.stages] == [2, 1, 3, 1]
    assert [len(s.blocks) for s in grown.decoder.stages] == [1, 3, 1, 2]  # the mirror image
    assert grown.encoder.stages[0].blocks[1].shift and not grown.encoder.stages[2].blocks[2].shift
    x, snr = torch.rand(2, 3, 32, 48), torch.tensor([3.0, 12.0])
    with torch.no_grad():
        latent = small.encode(x, snr, 96)
        assert torch.equal(grown.encode(x, snr, 96), latent)
        assert torch.equal(grown.decode(latent, snr, 96), small.decode(latent, snr, 96))
    grown.train()
    loss = torch.mean((grown.decode(grown.encode(x, snr, 96), snr, 96) - x) ** 2)
    loss.backward()
    new_block = grown.decoder.stages[3].blocks[1]
    assert new_block.attn.proj.weight.grad.abs().sum() > 0 and new_block.mlp[2].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="none shallower"):
        grow(small, [1, 1, 1, 0])
    # the command: from safetensors to safetensors, the training record kept
    src, out = tmp_path / "small.safetensors", tmp_path / "grown.safetensors"
    save_weights(small, TINY.to_dict(), src, extra={"training": {"steps": 123}})
    main(["--weights", str(src), "--depths", "2", "1", "3", "1", "--out", str(out)])
    meta = read_metadata(out)
    assert meta["config"]["depths"] == [2, 1, 3, 1] and meta["training"]["steps"] == 123
    reloaded = SwinJscc.from_file(out).eval()
    with torch.no_grad():
        assert torch.equal(reloaded.encode(x, snr, 96), latent)


def test_evaluation_command_writes_table_and_plot(tiny_weights: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from semcom.evaluate import main

    monkeypatch.setenv("SEMCOM_LPIPS_CACHE", str(tmp_path / "no-lpips"))  # LPIPS reported unavailable
    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.fromarray(sample_image(64, 96)).save(folder / "a.png")
    out = tmp_path / "eval"
    main(["--images", str(folder), "--snrs", "2", "20", "--channels", "awgn", "--pipelines", "swin-jscc",
          "swin-jscc+cdm", "jpeg", "--ratio", "1/16", "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text())["summary"]
    assert {s["pipeline"] for s in summary} == {"swin-jscc", "swin-jscc+cdm", "jpeg"}
    assert all(s["bandwidth_ratio"] <= 1 / 16 + 1e-9 for s in summary)
    assert all(s["lpips"] is None for s in summary)
    assert (out / "psnr_lpips.png").stat().st_size > 1000 and (out / "results.csv").exists()
    jpeg = [s for s in summary if s["pipeline"] == "jpeg"]
    assert all(s["setting"] != "analog" for s in jpeg)  # the link-adaptation table's modulation and code
    # 1152 channel uses cannot carry even JPEG quality 1 of this image: lost because it was never sent
    assert all(s["lost"] == s["not_sent"] == 1 for s in jpeg)
    table = (out / "summary.md").read_text()
    assert "(1 lost, 1 over budget)" in table and "Modulation and code (link adaptation)" in table


def test_an_evaluation_cell_draws_the_same_whichever_pipelines_run(tiny_weights: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell's seed comes from the cell, not its place in the job list: a smaller run repeats the full run's rows."""
    import csv

    from semcom.evaluate import cell_seed, main

    monkeypatch.setenv("SEMCOM_LPIPS_CACHE", str(tmp_path / "no-lpips"))
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(sample_image(64, 96, seed=i)).save(folder / f"{i}.png")
    common = ["--images", str(folder), "--channels", "awgn", "rayleigh_block", "--ratio", "1/16"]
    main([*common, "--snrs", "2", "9", "--pipelines", "swin-jscc", "swin-jscc+cdm", "--out", str(tmp_path / "all")])
    main([*common, "--snrs", "9", "--pipelines", "swin-jscc+cdm", "--out", str(tmp_path / "one")])

    def rows(run: str) -> dict[tuple, str]:
        with (tmp_path / run / "results.csv").open() as f:
            return {(r["image"], r["pipeline"], r["channel"], r["snr_db"]): r["psnr_db"] for r in csv.DictReader(f)}

    full, part = rows("all"), rows("one")
    assert len(full) == 16 and len(part) == 4 and all(full[k] == v for k, v in part.items())
    assert len({v for k, v in full.items() if k[1] == "swin-jscc"}) == 8  # the draws differ from cell to cell
    assert cell_seed(0, "0.png", "awgn", 9.0) != cell_seed(1, "0.png", "awgn", 9.0)


@pytest.fixture
def cdm_train_images(tmp_path: Path) -> Path:
    """A folder of training images for the refiner, which trains with the real LPIPS(alex) loss."""
    from semcom.lpips import lpips_available

    ok, reason = lpips_available("alex")
    if not ok:
        pytest.skip(reason)
    data = tmp_path / "images"
    data.mkdir()
    for i in range(3):
        Image.fromarray(sample_image(80, 96, seed=i)).save(data / f"{i}.png")
    return data


def test_cdm_training_stages_export_a_loadable_refiner(tiny_weights: Path, cdm_train_images: Path,
                                                       tmp_path: Path) -> None:
    from semcom.pipelines.swin_jscc_cdm import load_refiner
    from semcom.training.train_cdm import parse_args, train

    data = cdm_train_images
    common = ["--data", str(data), "--run", str(tmp_path / "cdm"), "--jscc", str(tiny_weights / "jscc.safetensors"),
              "--batch", "2", "--crop", "32", "--threads", "1", "--ckpt-every", "1"]
    assert len(train(parse_args([*common, "--stage", "1", "--steps", "2"]))) == 2
    out = tmp_path / "refiner.safetensors"
    assert len(train(parse_args([*common, "--stage", "2", "--steps", "2", "--export", str(out)]))) == 2
    assert load_refiner(out).config.steps == 4


def test_cdm_training_in_bf16_follows_float32(tiny_weights: Path, cdm_train_images: Path, tmp_path: Path) -> None:
    """Both stages under bf16 autocast: the same losses as float32 within bfloat16's precision, and the
    exported file says how it was trained."""
    from semcom.models.io import read_metadata
    from semcom.training.train_cdm import parse_args, train

    losses = {}
    for precision in ("fp32", "bf16"):
        common = ["--data", str(cdm_train_images), "--run", str(tmp_path / precision), "--batch", "2", "--crop", "32",
                  "--jscc", str(tiny_weights / "jscc.safetensors"), "--threads", "1", "--precision", precision]
        out = tmp_path / f"{precision}.safetensors"
        stage1 = train(parse_args([*common, "--stage", "1", "--steps", "2"]))
        losses[precision] = stage1 + train(parse_args([*common, "--stage", "2", "--steps", "2", "--export", str(out)]))
        assert read_metadata(out)["training"]["precision"] == precision
    assert losses["bf16"] == pytest.approx(losses["fp32"], rel=5e-2) and losses["bf16"] != losses["fp32"]


def test_cdm_training_continues_exported_weights(tiny_weights: Path, cdm_train_images: Path,
                                                 tmp_path: Path) -> None:
    """Weights without the stage-1 prior encoder (as shipped before it was kept) get one fitted to
    their frozen restorer, then stage 2 continues them; the exported file keeps it for next time."""
    from safetensors.torch import load_file

    from semcom.models.io import read_metadata
    from semcom.pipelines.swin_jscc_cdm import load_refiner
    from semcom.training.train_cdm import parse_args, train

    data = cdm_train_images
    torch.manual_seed(1)
    refiner = CdmRefiner(CdmConfig(prior_dim=8, width=8, blocks=1, denoiser_hidden=16))
    torch.nn.init.normal_(refiner.restore.out.weight, std=0.1)  # a trained restorer is no longer the identity
    old = tmp_path / "old.safetensors"  # written as before the prior encoder was kept: no prior_gt tensors
    save_weights(torch.nn.ModuleDict({"prior_cond": refiner.prior_cond, "restore": refiner.restore,
                                      "denoiser": refiner.denoiser}), refiner.config.to_dict(), old)
    common = ["--data", str(data), "--run", str(tmp_path / "run"), "--jscc", str(tiny_weights / "jscc.safetensors"),
              "--batch", "2", "--crop", "32", "--threads", "1", "--init", str(old)]
    with pytest.raises(SystemExit, match="--freeze-restore"):
        train(parse_args([*common, "--stage", "2", "--steps", "1"]))
    with pytest.raises(SystemExit):  # stage 2 always trains the restorer
        parse_args([*common, "--stage", "2", "--steps", "1", "--freeze-restore"])

    stage1 = tmp_path / "run" / "stage1.pt"
    train(parse_args([*common, "--stage", "1", "--steps", "1", "--freeze-restore"]))
    after_one = torch.load(stage1, weights_only=False)["model"]
    train(parse_args([*common, "--stage", "1", "--steps", "2", "--freeze-restore"]))  # resumes
    fitted = torch.load(stage1, weights_only=False)["model"]
    before = load_file(str(old))
    assert all(torch.equal(fitted[k], v) for k, v in before.items())  # restorer, denoiser, condition untouched
    assert not torch.equal(fitted["prior_gt.head.2.weight"], after_one["prior_gt.head.2.weight"])  # it learns

    first = tmp_path / "first.safetensors"
    assert len(train(parse_args([*common, "--stage", "2", "--steps", "2", "--export", str(first)]))) == 2
    assert any(k.startswith("prior_gt.") for k in load_file(str(first)))
    assert load_refiner(first).config.prior_dim == 8  # the receiver loads the fuller file too

    again = ["--data", str(data), "--run", str(tmp_path / "again"), "--jscc", str(tiny_weights / "jscc.safetensors"),
             "--batch", "2", "--crop", "32", "--threads", "1", "--init", str(first)]
    second = tmp_path / "second.safetensors"
    with pytest.raises(SystemExit, match="at step 2: nothing would be trained"):  # --steps is a total
        train(parse_args([*again, "--stage", "2", "--steps", "2", "--export", str(second)]))
    assert len(train(parse_args([*again, "--stage", "2", "--steps", "3", "--export", str(second)]))) == 1
    assert read_metadata(second)["training"]["steps"] == 3  # continued from the file's 2 steps


def test_refiner_files_may_lack_only_the_training_parts(tmp_path: Path) -> None:
    from semcom.models.cdm import TRAINING_ONLY
    from semcom.models.io import load_weights

    refiner = CdmRefiner(CdmConfig(prior_dim=8, width=8, blocks=1, denoiser_hidden=16))
    no_denoiser = tmp_path / "no_denoiser.safetensors"
    save_weights(torch.nn.ModuleDict({"prior_gt": refiner.prior_gt, "prior_cond": refiner.prior_cond,
                                      "restore": refiner.restore}), refiner.config.to_dict(), no_denoiser)
    with pytest.raises(RuntimeError, match="denoiser"):
        load_weights(CdmRefiner(refiner.config), no_denoiser, optional=TRAINING_ONLY)
    full = tmp_path / "full.safetensors"
    save_weights(refiner, refiner.config.to_dict(), full)
    assert load_weights(CdmRefiner(refiner.config), full, optional=TRAINING_ONLY) == []
