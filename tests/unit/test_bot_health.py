"""`essaybot health`: healthy only when a fresh status says connected, index loaded and accepting."""

import os
import time
from types import SimpleNamespace

import pytest

from bot.health import FRESH_SECONDS, Status, check, diagnose, read_status, status_path, write_status


def status(**changes) -> Status:
    values = dict(connected=True, index_loaded=True, accepting=True, pid=os.getpid(), updated_at=time.time())
    values.update(changes)
    return Status(**values)


def test_a_fresh_connected_status_with_the_index_is_healthy(tmp_path, capsys):
    write_status(status_path(tmp_path), status())

    assert check(SimpleNamespace(data_dir=tmp_path)) == 0
    assert "healthy" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"connected": False}, "not connected"),
        ({"index_loaded": False}, "index is not loaded"),
        ({"accepting": False}, "shutting down"),
        ({"updated_at": time.time() - FRESH_SECONDS - 5}, "old"),
    ],
)
def test_an_unhealthy_status_says_why(tmp_path, capsys, changes, reason):
    write_status(status_path(tmp_path), status(**changes))

    assert check(SimpleNamespace(data_dir=tmp_path)) == 1
    assert reason in capsys.readouterr().err


def test_no_status_file_is_unhealthy(tmp_path, capsys):
    assert check(SimpleNamespace(data_dir=tmp_path)) == 1
    assert "not running" in capsys.readouterr().err


def test_a_garbled_status_file_is_unhealthy_not_a_crash(tmp_path):
    status_path(tmp_path).write_text("{not json", encoding="utf-8")

    assert read_status(status_path(tmp_path)) is None
    assert diagnose(None, time.time()) is not None


def test_writing_replaces_the_file_whole(tmp_path):
    path = status_path(tmp_path)
    write_status(path, status(connected=False))
    write_status(path, status())

    assert read_status(path).ready
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]
