"""The demo: start the four processes, send a sample image through a pipeline, save the result.

    python -m semcom.demo --pipeline swin-jscc --snr 10 --out out/

Writes ``input.png``, ``reconstruction.png`` and ``metrics.json`` (metrics, LinkStats,
timings) to ``--out``. The sample image is scikit-image's public-domain
"astronaut" (NASA), read from the installed package; ``--image`` sends your own.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

import httpx
import numpy as np

from semcom.images import encode_png
from semcom.launcher import LocalStack


def sample_image() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default="swin-jscc", help="see GET /v1/pipelines (jpeg, raw, swin-jscc, ...)")
    parser.add_argument("--snr", type=float, default=10.0, help="Es/N0 in dB")
    parser.add_argument("--modulation", default="qam16")
    parser.add_argument("--channel-model", default="awgn")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--params", default="{}", help="pipeline parameters, JSON")
    parser.add_argument("--image", type=Path, help="your own image instead of the sample")
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)

    image_bytes = args.image.read_bytes() if args.image else encode_png(sample_image())
    config = {"pipeline": args.pipeline, "params": json.loads(args.params),
              "channel": {"snr_db": args.snr, "modulation": args.modulation, "model": args.channel_model,
                          "seed": args.seed}}
    args.out.mkdir(parents=True, exist_ok=True)
    print("starting transmitter, channel, receiver and gateway ...", flush=True)
    with LocalStack() as stack:
        print(f"gateway ready at {stack.url}; services at {stack.addresses}", flush=True)
        r = httpx.post(f"{stack.url}/v1/transmit", files={"image": ("input.png", image_bytes)},
                       data={"config": json.dumps(config)}, timeout=600)
    if r.status_code != 200:
        print(f"the gateway answered {r.status_code}: {r.text}", file=sys.stderr)
        return 1
    body = r.json()
    (args.out / "input.png").write_bytes(image_bytes)
    (args.out / "reconstruction.png").write_bytes(base64.b64decode(body.pop("image_png_base64")))
    (args.out / "metrics.json").write_text(json.dumps({"config": config, **body}, indent=2))
    m, s = body["metrics"], body["stats"]
    psnr = "inf" if m["psnr_db"] is None else f"{m['psnr_db']:.2f}"
    lpips = "n/a (" + m["lpips_unavailable"] + ")" if m.get("lpips") is None else f"{m['lpips']:.4f}"
    ms_ssim = "n/a" if m.get("ms_ssim") is None else f"{m['ms_ssim']:.4f}"
    print(f"pipeline {args.pipeline} at {args.snr:g} dB: PSNR {psnr} dB, SSIM {m['ssim']:.4f}, "
          f"MS-SSIM {ms_ssim}, LPIPS {lpips}, "
          f"channel uses {s['channel_uses']} (k/n = {s['bandwidth_ratio']:.4f}), "
          f"failed codewords {s['failed_codewords']}{', LOST: ' + body['reason'] if body['lost'] else ''}")
    print(f"wrote {args.out / 'reconstruction.png'} and {args.out / 'metrics.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
