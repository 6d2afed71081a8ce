"""The per-step CSV log of a training run, kept in step with its checkpoint.

Rows are flushed at each checkpoint, but Python's buffer may also reach the file
between checkpoints; a run stopped there and resumed would repeat those steps.
On resume the log is therefore cut back to the checkpoint's step first, so it
holds each step once and reads as one curve.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any


def open_step_log(path: Path, header: list[str], resume_step: int) -> tuple[IO[str], Any]:
    """Open ``path`` for appending rows whose first column is the step (returns the file and a csv writer).

    Rows past ``resume_step`` are dropped first; a new file starts with ``header``.
    """
    found: list[list[str]] = []
    if path.exists():
        with path.open(newline="") as f:
            found = list(csv.reader(f))
    rows = found or [header]  # an empty file (a stop before the first write) starts afresh too
    # A row cut short by a stop mid-write has fewer columns; it always lies past the checkpoint.
    kept = [rows[0], *(r for r in rows[1:] if len(r) == len(rows[0]) and int(r[0]) <= resume_step)]
    if kept != found:
        with path.open("w", newline="") as f:
            csv.writer(f).writerows(kept)
    log_file = path.open("a", newline="")
    return log_file, csv.writer(log_file)
