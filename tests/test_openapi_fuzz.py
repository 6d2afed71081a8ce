"""Schemathesis against the gateway's own OpenAPI, over real HTTP to a gateway process and real services.

Every answer must be documented (status code, content type, body schema) and no
input may produce a 5xx. A quick run is in the default suite; ``-m slow`` runs
a longer one (``SEMCOM_FUZZ_EXAMPLES`` sets its size).
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semcom.launcher import free_port
from tests.conftest import png_bytes, sample_image
from tests.stack import start_gateway

schemathesis = pytest.importorskip("schemathesis")
requests = pytest.importorskip("requests")
from schemathesis import checks  # noqa: E402  (after the skip)

# Schema conformance by schemathesis; 5xx by no_server_error below (one 503 is a documented state).
CHECKS = [checks.status_code_conformance, checks.content_type_conformance, checks.response_schema_conformance,
          checks.response_headers_conformance]
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
          HealthCheck.data_too_large]


@pytest.fixture(scope="module")
def gateway_url(services):
    addresses = {name: svc.address for name, svc in services.items()}
    gateway = start_gateway("127.0.0.1", free_port(), addresses,
                            env={"SEMCOM_LOG_LEVEL": "WARNING", "SEMCOM_REQUEST_TIMEOUT_S": "60"})
    yield f"http://{gateway.address}"
    gateway.stop()


@pytest.fixture(scope="module")
def api_schema(gateway_url):
    return schemathesis.openapi.from_url(f"{gateway_url}/openapi.json")


@pytest.fixture(scope="module")
def session():
    with requests.Session() as s:
        s.trust_env = False  # never through a proxy from the environment
        yield s


def _number() -> st.SearchStrategy:
    return st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True))


# Configs around and beyond the valid ranges, sent with a real image, so fuzzing reaches
# the services and the link (random bytes never get past the image check).
CONFIGS = st.fixed_dictionaries({}, optional={
    "pipeline": st.one_of(st.sampled_from(["raw", "jpeg", "swin-jscc", "nope"]), st.text(max_size=8), st.none()),
    "params": st.dictionaries(st.sampled_from(["quality", "channel_uses", "bandwidth_ratio", "x"]),
                              st.one_of(_number(), st.text(max_size=6)), max_size=2),
    "channel": st.fixed_dictionaries({}, optional={
        "model": st.sampled_from(["awgn", "rayleigh_fast", "rayleigh_block", "rician", "fixed_gain", "x"]),
        "snr_db": _number(), "snr_type": st.sampled_from(["es_n0", "eb_n0", "x"]),
        "modulation": st.sampled_from(["bpsk", "qpsk", "qam16", "qam64", "qam256", "qam1024"]),
        "fec": st.sampled_from(["none", "rs", "ldpc"]), "rs_n": _number(), "rs_k": _number(),
        "interleaver_depth": st.integers(-2, 5000), "coherence_symbols": _number(), "rician_k": _number(),
        "gain": _number(), "csi": st.sampled_from(["perfect", "none", "x"]), "seed": _number()}),
    "extra": st.integers(),
})
# ... and configs within them, so the link itself is exercised too.
VALID_CONFIGS = st.fixed_dictionaries({
    "pipeline": st.sampled_from(["raw", "jpeg"]),
    "channel": st.fixed_dictionaries({
        "model": st.sampled_from(["awgn", "rayleigh_fast", "rayleigh_block", "rician", "fixed_gain"]),
        "snr_db": st.floats(-30, 60), "modulation": st.sampled_from(["bpsk", "qpsk", "qam16", "qam64", "qam256"]),
        "fec": st.sampled_from(["none", "rs"]), "interleaver_depth": st.integers(0, 64),
        "csi": st.sampled_from(["perfect", "none"]), "seed": st.integers(0, 2**63 - 1)}),
})
IMAGE = png_bytes(sample_image(48, 64))


def fuzz(schema, session, examples: int, derandomize: bool = False) -> dict[str, Counter]:
    """Every operation with ``examples`` generated cases (positive and negative), and the transmit
    operation also with a real image and fuzzed configs."""
    from schemathesis import GenerationMode

    fuzzed: dict[str, Counter] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
        if operation.label == "POST /v1/transmit":
            real_image = (VALID_CONFIGS | CONFIGS).map(lambda config, op=operation: schema.make_case(
                operation=op, media_type="multipart/form-data",
                body={"image": IMAGE, "config": json.dumps(config)}))
            strategy = strategy | real_image

        fuzzed[operation.label] = _run(strategy, session, examples, derandomize)
    return fuzzed


def no_server_error(response) -> None:
    """No 5xx, except 503 for a pipeline whose weights are not installed here: a state, not a failure."""
    if response.status_code >= 500:
        error = response.json().get("error", {})
        assert response.status_code == 503 and error.get("code") == "pipeline_unavailable", response.text


def _run(strategy: st.SearchStrategy, session, examples: int, derandomize: bool) -> Counter:
    """Status codes of the cases; each call must pass CHECKS."""
    statuses: Counter = Counter()

    @settings(max_examples=examples, deadline=None, suppress_health_check=HEALTH, database=None,
              derandomize=derandomize)
    @given(case=strategy)
    def check(case) -> None:
        response = case.call_and_validate(session=session, checks=CHECKS, timeout=60)
        no_server_error(response)
        statuses[response.status_code] += 1

    check()
    return statuses


# The plain hypothesis form: schemathesis' pytest plugin (schema.parametrize) fails under pytest 9.
def test_gateway_api_conforms_quick(api_schema, session) -> None:
    fuzzed = fuzz(api_schema, session, examples=30, derandomize=True)  # the same cases every run
    assert set(fuzzed) >= {"POST /v1/transmit", "GET /v1/pipelines", "GET /healthz", "GET /readyz"}
    assert fuzzed["POST /v1/transmit"][200] > 0  # the fuzzing reached the services, not only the checks


@pytest.mark.slow
def test_gateway_api_conforms(api_schema, session) -> None:
    print(fuzz(api_schema, session, examples=int(os.environ.get("SEMCOM_FUZZ_EXAMPLES", "400"))))
