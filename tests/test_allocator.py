"""The allocator settings keep freed pages: a repeated large allocation stops faulting fresh pages."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from semcom import allocator

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"

# Five rounds of: allocate and touch five 8 MB buffers, free them all (a request's arrays, in small); print the
# minor page faults of the last three rounds.
ROUNDS = """
import resource, sys
import numpy as np
from semcom.allocator import tune_allocator
if sys.argv[1] == "tuned":
    print(tune_allocator(), file=sys.stderr)
faults = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    buffers = [np.ones(8 << 20, np.uint8) for _ in range(5)]
    del buffers
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(sum(faults[2:]))
"""


def faults_of_repeated_allocation(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", ROUNDS, mode], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(not GLIBC, reason="the settings are glibc's; elsewhere tune_allocator does nothing")
def test_tuned_process_reuses_freed_pages() -> None:
    default = faults_of_repeated_allocation("default")
    tuned = faults_of_repeated_allocation("tuned")
    # glibc's defaults trim the freed heap, so every round faults in fresh pages (how many depends on
    # transparent huge pages: numpy asks for them on large buffers); tuned, the rounds reuse the same pages.
    assert default > 500
    assert tuned * 20 < default


def test_user_settings_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")
    message = allocator.tune_allocator()
    assert "left as is" in message


def test_reports_what_it_did(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in allocator.USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    message = allocator.tune_allocator()
    if GLIBC:
        assert message == "allocator: mmap threshold 32 MiB, trim threshold 64 MiB"
    else:
        assert "not glibc" in message
