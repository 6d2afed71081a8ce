"""Keep freed memory for the next request instead of handing it back to the kernel.

Every request allocates and frees arrays of megabytes (symbols, noise, LLRs,
images, metric maps). With glibc's defaults many of them are mmap-ed and
unmapped, or trimmed off the heap, on every request, and the next request pays
again for fresh zeroed pages. Fixing the mmap threshold at 32 MiB (the top of
glibc's own adaptive range) and trimming only beyond 64 MiB of free heap keeps
those pages in the process: the channel link of a 256x256 image takes about
12 ms instead of 18-24 ms (``python -m benchmarks --only allocator``). What a
process keeps is bounded by the trim threshold per malloc arena.

The services and the gateway call :func:`tune_allocator` at startup. It does
nothing where the C library is not glibc, or where the user set glibc's malloc
tunables (``MALLOC_*_`` or ``GLIBC_TUNABLES``) themselves.
"""

from __future__ import annotations

import ctypes
import os
import platform

# mallopt parameters, from glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD_BYTES = 32 << 20
TRIM_THRESHOLD_BYTES = 64 << 20
USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")


def tune_allocator() -> str:
    """Apply the settings above to this process; return what was done, for the startup log."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return "allocator left as is (not glibc)"
    user = [name for name in USER_SETTINGS if name in os.environ]
    if user:
        return f"allocator left as is ({', '.join(user)} set by the user)"
    libc = ctypes.CDLL(None)
    # mallopt returns 1 on success, 0 on error; try both so that a refusal is reported, not half-hidden.
    refused = [name for name, param, value in (("mmap threshold", M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
                                               ("trim threshold", M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
               if libc.mallopt(param, value) != 1]
    if refused:
        return f"allocator: mallopt refused the {' and '.join(refused)}"
    return (f"allocator: mmap threshold {MMAP_THRESHOLD_BYTES >> 20} MiB, "
            f"trim threshold {TRIM_THRESHOLD_BYTES >> 20} MiB")
