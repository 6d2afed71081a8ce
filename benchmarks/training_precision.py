"""One Swin JSCC training step in bfloat16 autocast against float32, same run.

The trainer's own step (``train_swin_jscc.step_loss``, then backward) on the
shipped model's architecture and weights, a batch of 4 crops of 256x256 from the
astronaut image at 1/16 over AWGN, alternating float32 and bf16 steps so both see
the same machine state. Median of 5 steps each after one warm-up of each.
bfloat16 is fast only where the CPU has it natively (AVX512-BF16 or AMX flags);
the figure says which this machine has.

``python -m benchmarks.training_precision --compile`` adds the trainer's
``--compile`` (torch.compile of the encoder and decoder) in bf16; its first
step compiles, which takes minutes unless the machine's inductor cache has it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

STEPS, BATCH, CROP = 5, 4, 256


def native_bf16() -> str:
    """The CPU flags that give bfloat16 arithmetic in hardware, or 'none' (Linux only)."""
    flags = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").exists() else []
    found = sorted({f for f in flags if f in ("avx512_bf16", "amx_bf16")})
    return ", ".join(found) or "none"


def crops() -> np.ndarray:
    from skimage import data

    image = data.astronaut()  # 512 x 512
    corners = [(0, 0), (0, 256), (256, 0), (256, 256)]
    return np.stack([image[y:y + CROP, x:x + CROP] for y, x in corners[:BATCH]])


def run(compiled: bool = False) -> dict[str, float | str]:
    import torch

    from semcom.models.io import load_weights, read_metadata
    from semcom.models.swin_jscc import SwinJscc, SwinJsccConfig
    from semcom.pipelines.swin_jscc import SHIPPED_WEIGHTS
    from semcom.training.conditions import StepConditions
    from semcom.training.train_swin_jscc import step_loss

    cfg = SwinJsccConfig(**read_metadata(SHIPPED_WEIGHTS)["config"])
    model = SwinJscc(cfg)
    load_weights(model, SHIPPED_WEIGHTS)
    model.train()
    x = torch.from_numpy(crops()).permute(0, 3, 1, 2).float() / 255.0
    active = SwinJsccConfig.channels_for_ratio(1 / 16)

    def step(precision: str) -> float:
        cond = StepConditions(torch.tensor([1.0, 5.0, 9.0, 13.0]), torch.zeros(BATCH, dtype=torch.bool), active,
                              torch.Generator().manual_seed(0))
        model.zero_grad(set_to_none=True)
        start = time.perf_counter()
        step_loss(model, x, cond, coherence=128, precision=precision).backward()
        return time.perf_counter() - start

    times: dict[str, list[float]] = {"fp32": [], "bf16": []}
    if compiled:
        times["bf16+compile"] = []
        eager = (model.encode, model.decode)
        fast = (torch.compile(model.encode), torch.compile(model.decode))
    for i in range(STEPS + 1):
        for mode, samples in times.items():
            if compiled:
                model.encode, model.decode = fast if mode == "bf16+compile" else eager
            elapsed = step(mode.removesuffix("+compile"))
            if i:  # the first of each is a warm-up (and, compiled, the compile)
                samples.append(elapsed)
    fp32, bf16 = (statistics.median(times[p]) for p in ("fp32", "bf16"))
    result = {"fp32_step_s": fp32, "bf16_step_s": bf16, "fp32_over_bf16": fp32 / bf16,
              "torch_threads": torch.get_num_threads(), "native_bf16": native_bf16()}
    print(f"swin-jscc training step (batch {BATCH} x {CROP}x{CROP}, forward + backward) on "
          f"{torch.get_num_threads()} torch threads, native bf16: {result['native_bf16']}: "
          f"fp32 {fp32:.3f} s, bf16 autocast {bf16:.3f} s -> bf16 is {fp32 / bf16:.2f}x as fast")
    if compiled:
        both = statistics.median(times["bf16+compile"])
        result.update({"bf16_compiled_step_s": both, "bf16_over_bf16_compiled": bf16 / both})
        print(f"  bf16 + torch.compile {both:.3f} s -> {bf16 / both:.2f}x bf16's speed, {fp32 / both:.2f}x fp32's")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", action="store_true", help="also time bf16 with torch.compile")
    run(parser.parse_args().compile)
