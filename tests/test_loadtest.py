"""The load-test tool: what it targets, its grid, its report; one small run end to end."""

from __future__ import annotations

import json

import pytest

from loadtest.__main__ import main
from loadtest.grid import build_grid
from loadtest.report import summarise, table
from loadtest.runner import Record, TargetRefused, check_target


def test_only_loopback_targets_unless_allowed() -> None:
    assert check_target("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert check_target("http://localhost:8000") == "http://localhost:8000"
    assert check_target("http://127.9.9.9:1") == "http://127.9.9.9:1"
    for url in ("http://10.1.2.3:8000", "http://192.0.2.7", "ftp://127.0.0.1/", "not a url"):
        with pytest.raises(TargetRefused):
            check_target(url)
    assert check_target("http://192.0.2.7:8000", allow_remote=True) == "http://192.0.2.7:8000"


def test_default_grid_has_48_settings() -> None:
    grid = build_grid(["jpeg", "swin-jscc"], [5, 12, 20], ["qpsk", "qam16"], ["awgn", "rayleigh_block"], ["rs", "none"])
    assert len(grid) == 48 and len({s.label for s in grid}) == 48
    assert grid[0].config(seed=7) == {"pipeline": "jpeg", "channel": {"model": "awgn", "snr_db": 5, "modulation":
                                      "qpsk", "fec": "rs", "seed": 7}}


def test_summary_percentiles_and_error_kinds() -> None:
    grid = build_grid(["raw"], [10, 20], ["qpsk"], ["awgn"], ["rs"])
    records = [Record(i, i % 2, 0.0, (i + 1) / 1000, 200, "ok") for i in range(100)]
    records += [Record(100, 0, 0, 0.5, 429, "429 busy (receiver)"), Record(101, 1, 0, 9, 0, "timeout")]
    report = summarise(records, grid, wall_s=2.0, params={})
    overall = report["overall"]
    assert overall["requests"] == 102 and overall["ok"] == 100 and overall["throughput_rps"] == 50
    assert overall["p50_ms"] == pytest.approx(50.5) and overall["p99_ms"] == pytest.approx(99.01)
    assert overall["error_kinds"] == {"429 busy (receiver)": 1, "timeout": 1}
    assert overall["unexpected_errors"] == 1  # the 429 is deliberate backpressure, the timeout is not
    assert [s["requests"] for s in report["settings"]] == [51, 51]
    assert "OVERALL" in table(report)


def test_a_small_run_against_a_local_stack(tmp_path) -> None:
    code = main(["--start-local", "--requests", "24", "--concurrency", "4", "--warmup", "0", "--pipelines", "raw,jpeg",
                 "--snrs", "10,25", "--modulations", "qam16", "--models", "awgn,rician", "--fec", "rs",
                 "--size", "48", "--out", str(tmp_path)])
    assert code == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["overall"]["requests"] == 24 and report["overall"]["ok"] == 24
    assert len(report["settings"]) == 8 and all(s["requests"] == 3 for s in report["settings"])
    pytest.importorskip("matplotlib")
    assert (tmp_path / "latency.png").stat().st_size > 10_000
