"""The training-curve tool: resumed steps counted once, runs kept apart, the per-doubling fit exact on a log law."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

from semcom.training.curve import fit_per_doubling, main, read_logs, series_style, step_ticks, window_means

HEADER = ["step", "loss", "psnr_db", "ratio", "mean_snr_db", "rayleigh_share", "seconds"]


def write_log(path: Path, rows: list[tuple[int, float, float]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for step, psnr, ratio in rows:
            out.writerow([step, 10 ** (-psnr / 10), psnr, f"{ratio:.5f}", 7.5, 0.5, 0.4])
    return path


def test_resumed_steps_count_once_and_later_runs_follow(tmp_path: Path) -> None:
    # steps 1-4, then a resume from the step-2 checkpoint logs 3-4 again with new values
    first = write_log(tmp_path / "a" / "log.csv", [(1, 10, 1 / 16), (2, 11, 1 / 32), (3, 12, 1 / 16), (4, 13, 1 / 16),
                                                   (3, 20, 1 / 16), (4, 21, 1 / 32)])
    second = write_log(tmp_path / "b" / "log.csv", [(5, 30, 1 / 16), (6, 31, 1 / 16)])
    steps, psnr, source = read_logs([first, second], 1 / 16)
    assert steps.tolist() == [1, 3, 5, 6]  # step 2 and the re-logged step 4 are at 1/32
    assert psnr.tolist() == [10, 20, 30, 31] and source.tolist() == [0, 0, 1, 1]
    centres, means = window_means(steps, psnr, 2)
    assert centres.tolist() == [1, 3, 5.5] and means.tolist() == [10, 20, 30.5]


def test_gzip_copy_of_a_log_reads_the_same(tmp_path: Path) -> None:
    plain = write_log(tmp_path / "log.csv", [(1, 10, 1 / 16), (2, 11, 1 / 32), (3, 12, 1 / 16)])
    packed = tmp_path / "kept.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    for a, b in zip(read_logs([plain], 1 / 16), read_logs([packed], 1 / 16), strict=True):
        assert a.tolist() == b.tolist()
    assert read_logs([packed], 1 / 16)[0].tolist() == [1, 3]


def test_runs_that_branch_over_the_same_steps_are_both_kept(tmp_path: Path) -> None:
    # the shipped run continued past step 2 while a grown copy trained from step 2 too
    main_run = write_log(tmp_path / "a" / "log.csv", [(1, 10, 1 / 16), (2, 11, 1 / 16), (3, 12, 1 / 16)])
    branch = write_log(tmp_path / "b" / "log.csv", [(3, 20, 1 / 16), (4, 21, 1 / 16)])
    steps, psnr, source = read_logs([main_run, branch], 1 / 16)
    assert steps.tolist() == [1, 2, 3, 3, 4] and source.tolist() == [0, 0, 0, 1, 1]
    assert psnr.tolist() == [10, 11, 12, 20, 21]


def test_fit_recovers_the_gain_per_doubling_of_an_exact_log_law(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    steps = np.arange(1, 16001)
    psnr = 15.0 + 0.6 * np.log2(steps)
    centres, means = window_means(steps, psnr, 1000)
    # window means of a log law are not exactly on it, but close for windows far from step 0
    a, b = fit_per_doubling(centres, means, 4000)
    assert b == pytest.approx(0.6, abs=0.01) and a == pytest.approx(15.0, abs=0.15)
    with pytest.raises(ValueError, match="nothing to fit"):
        fit_per_doubling(centres, means, 10**6)
    rows = [(int(s), float(p), 1 / 16) for s, p in zip(steps, psnr, strict=True)]
    log = write_log(tmp_path / "run" / "log.csv", rows)
    out = tmp_path / "curve.png"
    main(["--logs", str(log), "--fit-from", "4000", "--mark", "8000", "--labels", "tiny", "--out", str(out)])
    assert out.stat().st_size > 1000
    assert "fit of tiny from step 4000: +0.60 dB per doubling" in capsys.readouterr().out


def test_more_runs_than_colours_still_look_different() -> None:
    styles = [tuple(sorted(series_style(i).items())) for i in range(40)]
    assert len(set(styles)) == 40
    assert series_style(0)["color"] == series_style(10)["color"]  # the colours repeat, the markers do not


def test_step_ticks_are_round_and_fit_the_range() -> None:
    # less than a decade (the later cycles): every 10k steps; past 160k, fewer above 100k
    assert step_ticks(57_547, 133_441) == [60_000, 70_000, 80_000, 90_000, 100_000, 110_000, 120_000, 130_000]
    assert step_ticks(57_547, 170_000) == [60_000, 70_000, 80_000, 90_000, 100_000, 120_000, 140_000, 160_000]
    # over two decades a coarser set keeps the labels apart
    wide = step_ticks(250, 40_000)
    assert wide == [300, 500, 1000, 2000, 3000, 5000, 10_000, 20_000, 30_000]
    for lo, hi in ((250, 40_000), (57_547, 133_441), (1, 1e6), (120_000, 130_000)):
        ticks = step_ticks(lo, hi)
        assert 1 <= len(ticks) <= 10 and ticks == sorted(ticks) and all(lo <= t <= hi for t in ticks)
