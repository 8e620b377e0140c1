"""The data directory of `cxloop serve --data-dir` (infra/local/datadir.py): one runtime
holds it at a time, and the demo sets the last run's data aside instead of deleting it."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.cli import parser
from infra.local.datadir import STATE_FILE, DataDirError, hold, set_aside


def test_one_runtime_holds_a_directory_at_a_time(tmp_path: Path) -> None:
    first = hold(tmp_path / "data")
    with pytest.raises(DataDirError, match="in use by another cxloop serve"):
        hold(tmp_path / "data", wait_s=0)
    first.close()  # as when its process ends, however it ends
    hold(tmp_path / "data", wait_s=0).close()


def test_the_last_run_is_set_aside_not_deleted(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert set_aside(data) is None  # nothing yet
    for run in ("first", "second"):
        data.mkdir()
        (data / STATE_FILE).write_text(run)
        assert set_aside(data) == tmp_path / "data.previous"
        assert not data.exists()
    assert (tmp_path / "data.previous" / STATE_FILE).read_text() == "second"


def test_a_directory_in_use_is_not_set_aside(tmp_path: Path) -> None:
    data = tmp_path / "data"
    held = hold(data)
    (data / STATE_FILE).write_text("in use")
    with pytest.raises(DataDirError):
        set_aside(data)
    held.close()
    assert (data / STATE_FILE).read_text() == "in use"


def test_serve_keeps_everything_in_memory_unless_given_a_data_directory() -> None:
    assert parser().parse_args(["serve"]).data_dir is None
    assert parser().parse_args(["serve", "--data-dir", ".cxloop/data"]).data_dir == ".cxloop/data"
