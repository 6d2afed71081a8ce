"""The load test's grid for locust users (locust is not a dependency of semcom: ``pip install locust``).

    LOADTEST_REQUESTS=2000 locust -f loadtest/locustfile.py --host http://127.0.0.1:8000 \
        --headless -u 16 -r 16 --run-time 15m --csv out/locust

It stops by itself after LOADTEST_REQUESTS requests (default 2000) or --run-time,
whichever comes first. Settings come from the environment, as in ``python -m
loadtest``: LOADTEST_PIPELINES
(jpeg,swin-jscc), LOADTEST_SNRS (5,12,20), LOADTEST_MODULATIONS (qpsk,qam16),
LOADTEST_MODELS (awgn,rayleigh_block), LOADTEST_FEC (rs,none), LOADTEST_SIZE (128),
LOADTEST_IMAGE (a file), SEMCOM_API_KEY. Each setting is its own row in locust's
statistics (named by the setting), so percentiles come per setting and in total.
Only the --host you give is loaded.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import HttpUser, between, task

from loadtest.grid import build_grid, load_image, split
from loadtest.runner import setting_for

_env = os.environ.get
GRID = build_grid(split(_env("LOADTEST_PIPELINES", "jpeg,swin-jscc")),
                  [float(s) for s in split(_env("LOADTEST_SNRS", "5,12,20"))],
                  split(_env("LOADTEST_MODULATIONS", "qpsk,qam16")),
                  split(_env("LOADTEST_MODELS", "awgn,rayleigh_block")),
                  split(_env("LOADTEST_FEC", "rs,none")))
REQUESTS = int(_env("LOADTEST_REQUESTS", "2000"))
IMAGE = load_image(Path(_env("LOADTEST_IMAGE")) if _env("LOADTEST_IMAGE") else None, int(_env("LOADTEST_SIZE", "128")))
_COUNTER = itertools.count()


class GatewayUser(HttpUser):
    wait_time = between(0, 0)  # closed loop: each user sends its next request as soon as one ends

    def on_start(self) -> None:
        key = _env("SEMCOM_API_KEY")
        if key:
            self.client.headers["authorization"] = f"Bearer {key}"
        self.client.trust_env = False  # never through a proxy from the environment

    @task
    def transmit(self) -> None:
        index = next(_COUNTER)
        if index >= REQUESTS:  # the count bound: stop the whole run
            self.environment.runner.quit()
            return
        setting = GRID[setting_for(index, len(GRID))]
        with self.client.post("/v1/transmit", name=setting.label, catch_response=True,
                              files={"image": ("image.png", IMAGE, "image/png")},
                              data={"config": json.dumps(setting.config(seed=index))},
                              headers={"accept": "image/png"}) as response:
            if response.status_code == 429:
                response.failure(f"429 busy, Retry-After {response.headers.get('retry-after')}")
            elif response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]}")
