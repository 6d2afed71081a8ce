"""The training step log: cut back to the checkpoint's step on resume (plain function, no training)."""

from __future__ import annotations

from pathlib import Path

from semcom.training.step_log import open_step_log

HEADER = ["step", "loss"]


def write(path: Path, resume_step: int, *rows: list) -> None:
    log_file, log = open_step_log(path, HEADER, resume_step)
    log.writerows(rows)
    log_file.close()


def test_rows_past_the_checkpoint_and_cut_rows_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    write(path, 0, [1, 0.5], [2, 0.4])
    with path.open("a") as f:
        f.write("3,0.3\n4,0.")  # flushed after the checkpoint at 2, the last row cut short
    write(path, 2, [3, 0.25])
    assert path.read_text().splitlines() == ["step,loss", "1,0.5", "2,0.4", "3,0.25"]


def test_an_empty_file_gets_its_header(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.touch()  # a stop before anything was written
    write(path, 0, [1, 0.5])
    assert path.read_text().splitlines() == ["step,loss", "1,0.5"]
