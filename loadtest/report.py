"""Summaries of a load run: per setting and overall, as a table, JSON and a PNG plot."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from loadtest.grid import Setting
from loadtest.runner import Record

DELIBERATE = ("429",)  # backpressure answers: expected under overload, not failures


def _latency(records: list[Record]) -> dict[str, float | None]:
    ms = np.array([r.latency_s * 1000 for r in records if r.kind == "ok"])
    if ms.size == 0:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None, "max_ms": None}
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99), "mean_ms": float(ms.mean()),
            "max_ms": float(ms.max())}


def _block(records: list[Record], wall_s: float) -> dict[str, Any]:
    ok = [r for r in records if r.kind == "ok"]
    psnrs = [r.psnr_db if r.psnr_db is not None else math.inf for r in ok]
    return {
        "requests": len(records),
        "ok": len(ok),
        "errors": len(records) - len(ok),
        "lost": sum(r.lost for r in ok),
        "throughput_rps": len(ok) / wall_s if wall_s > 0 else 0.0,
        **_latency(records),
        "psnr_median_db": float(np.median(psnrs)) if psnrs else None,
        "error_kinds": dict(Counter(r.kind for r in records if r.kind != "ok").most_common()),
    }


def summarise(records: list[Record], grid: list[Setting], wall_s: float, params: dict[str, Any]) -> dict[str, Any]:
    """Latencies are over successful requests; throughput counts successes per second of the whole run."""
    overall = _block(records, wall_s)
    overall["unexpected_errors"] = sum(n for kind, n in overall["error_kinds"].items()
                                       if not kind.startswith(DELIBERATE))
    per_setting = []
    for i, setting in enumerate(grid):
        mine = [r for r in records if r.setting == i]
        per_setting.append({"label": setting.label, **asdict(setting), **_block(mine, wall_s)})
    return {"params": params, "wall_s": wall_s, "overall": overall, "settings": per_setting}


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf"
    return f"{value:.{digits}f}"


def table(report: dict[str, Any]) -> str:
    header = f"{'setting':<40} {'n':>5} {'ok':>5} {'err':>4} {'lost':>4} {'rps':>6} {'p50':>7} {'p95':>7} " \
             f"{'p99':>7} {'PSNR':>5}"
    lines = [header, "-" * len(header)]
    rows = [*report["settings"], {"label": "OVERALL", **report["overall"]}]
    for row in rows:
        lines.append(f"{row['label']:<40} {row['requests']:>5} {row['ok']:>5} {row['errors']:>4} {row['lost']:>4} "
                     f"{row['throughput_rps']:>6.2f} {_fmt(row['p50_ms']):>7} {_fmt(row['p95_ms']):>7} "
                     f"{_fmt(row['p99_ms']):>7} {_fmt(row['psnr_median_db'], 1):>5}")
    lines.append("latencies in ms over successful requests; rps = successes per second of the run")
    kinds = report["overall"]["error_kinds"]
    lines.append("errors by kind: " + (", ".join(f"{k}: {n}" for k, n in kinds.items()) if kinds else "none"))
    return "\n".join(lines)


def plot(report: dict[str, Any], records: list[Record], path: Path) -> Path | None:
    """Latency percentiles per setting and latency over time; None when matplotlib is absent."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    settings = report["settings"]
    fig, (bars, timeline) = plt.subplots(1, 2, figsize=(16, max(6, 0.25 * len(settings) + 2)),
                                         gridspec_kw={"width_ratios": [3, 2]})
    y = np.arange(len(settings))
    for offset, key, colour in ((-0.25, "p50_ms", "tab:blue"), (0, "p95_ms", "tab:orange"),
                                (0.25, "p99_ms", "tab:red")):
        bars.barh(y + offset, [s[key] or 0 for s in settings], height=0.25, color=colour, label=key[:3])
    bars.set_yticks(y, [s["label"] for s in settings], fontsize=7)
    bars.invert_yaxis()
    bars.set_xlabel("latency (ms)")
    bars.legend()
    bars.set_title("latency per setting")
    ok = [r for r in records if r.kind == "ok"]
    failed = [r for r in records if r.kind != "ok"]
    timeline.scatter([r.start_s for r in ok], [r.latency_s * 1000 for r in ok], s=4, label="ok")
    if failed:
        timeline.scatter([r.start_s for r in failed], [r.latency_s * 1000 for r in failed], s=8, color="red",
                         label="error")
    timeline.set_xlabel("request start (s)")
    timeline.set_ylabel("latency (ms)")
    o = report["overall"]
    timeline.set_title(f"{o['requests']} requests, {o['throughput_rps']:.1f} req/s, "
                       f"p50 {_fmt(o['p50_ms'])} / p99 {_fmt(o['p99_ms'])} ms")
    timeline.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
