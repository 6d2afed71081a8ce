"""``python -m loadtest``: load the gateway over a grid of channel settings; see ``--help``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path

import httpx

from loadtest.grid import build_grid, load_image, split
from loadtest.report import plot, summarise, table
from loadtest.runner import check_target, run_load


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.split(":", 1)[1].strip())
    p.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway (loopback only unless --allow-remote)")
    p.add_argument("--allow-remote", action="store_true", help="allow a URL that is not on this machine")
    p.add_argument("--start-local", action="store_true", help="start the 4 processes here (semcom.launcher); "
                   "--url is ignored")
    p.add_argument("--requests", type=int, default=2000, help="requests to send (after the warm-up)")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight at once")
    p.add_argument("--max-seconds", type=float, default=900.0, help="stop sending after this many seconds")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds one request may take")
    p.add_argument("--warmup", type=int, default=16, help="requests sent first and left out of the figures")
    p.add_argument("--pipelines", default="jpeg,swin-jscc")
    p.add_argument("--snrs", default="5,12,20", help="dB, comma-separated")
    p.add_argument("--modulations", default="qpsk,qam16")
    p.add_argument("--models", default="awgn,rayleigh_block", help="channel models")
    p.add_argument("--fec", default="rs,none")
    p.add_argument("--skip-unavailable", action="store_true", help="drop pipelines the gateway reports unavailable "
                   "instead of refusing to start")
    p.add_argument("--image", type=Path, help="image to send (default: the astronaut at --size)")
    p.add_argument("--size", type=int, default=128, help="side of the default image in pixels")
    p.add_argument("--api-key", default=os.environ.get("SEMCOM_API_KEY"), help="sent as Bearer (env SEMCOM_API_KEY)")
    p.add_argument("--out", type=Path, default=Path("out/loadtest"), help="folder for report.json and latency.png")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.max_seconds <= 0:
        p.error("--requests, --concurrency and --max-seconds must be positive")
    return args


def available_pipelines(url: str, headers: dict[str, str]) -> dict[str, str]:
    """name -> '' when available, else the reason."""
    listing = httpx.get(f"{url}/v1/pipelines", headers=headers, timeout=30, trust_env=False)
    listing.raise_for_status()
    return {p["name"]: "" if p["available"] else (p["unavailable_reason"] or "unavailable") for p in listing.json()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    headers = {"authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    with contextlib.ExitStack() as stack:
        if args.start_local:
            from semcom.launcher import LocalStack

            print("starting the transmitter, channel, receiver and gateway here ...", flush=True)
            url = stack.enter_context(LocalStack()).url
        else:
            url = check_target(args.url, args.allow_remote)
        pipelines = split(args.pipelines)
        status = available_pipelines(url, headers)
        missing = {p: status.get(p, "not registered") for p in pipelines if status.get(p, "not registered")}
        if missing:
            detail = "; ".join(f"{p}: {why}" for p, why in missing.items())
            if not args.skip_unavailable:
                print(f"pipelines unavailable ({detail}); use --skip-unavailable to drop them", file=sys.stderr)
                return 2
            print(f"skipping unavailable pipelines: {detail}", file=sys.stderr)
            pipelines = [p for p in pipelines if p not in missing]
            if not pipelines:
                return 2
        grid = build_grid(pipelines, [float(s) for s in split(args.snrs)], split(args.modulations),
                          split(args.models), split(args.fec))
        image = load_image(args.image, args.size)
        print(f"{url}: {len(grid)} settings, {args.requests} requests at concurrency {args.concurrency} "
              f"(+{args.warmup} warm-up), at most {args.max_seconds:g} s", flush=True)
        if args.warmup:
            asyncio.run(run_load(url, grid, image, args.warmup, args.concurrency, args.max_seconds, args.timeout,
                                 headers, first_index=10**9))
        records, wall = asyncio.run(run_load(url, grid, image, args.requests, args.concurrency, args.max_seconds,
                                             args.timeout, headers))
    params = {"url": url, "requests": args.requests, "sent": len(records), "concurrency": args.concurrency,
              "pipelines": pipelines, "settings": len(grid), "image_bytes": len(image),
              "image": str(args.image) if args.image else f"astronaut {args.size}x{args.size}"}
    report = summarise(records, grid, wall, params)
    print(table(report))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2))
    figure = None if args.no_plot else plot(report, records, args.out / "latency.png")
    print(f"wrote {args.out / 'report.json'}" + (f" and {figure}" if figure else
                                                 " (no plot: matplotlib is not installed)" if not args.no_plot else ""))
    return 1 if report["overall"]["unexpected_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
