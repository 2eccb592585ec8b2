"""The status file never goes back in time, even when writes from worker threads finish out of order."""

from bot.health import Status, read_status, write_status


def status(connected: bool, updated_at: float) -> Status:
    return Status(connected=connected, index_loaded=True, accepting=True, pid=1, updated_at=updated_at)


def test_an_older_status_finishing_late_does_not_overwrite_a_newer_one(tmp_path):
    path = tmp_path / "status.json"
    write_status(path, status(connected=False, updated_at=200.0))  # shutdown's write, computed last

    write_status(path, status(connected=True, updated_at=100.0))  # a refresh computed earlier

    assert read_status(path).connected is False
