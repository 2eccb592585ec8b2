"""The bot's health: a small status file it refreshes under DATA_DIR, and the check Docker's HEALTHCHECK runs."""

import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

STATUS_FILE = "status.json"
FRESH_SECONDS = 60.0  # the bot refreshes the file every REFRESH_SECONDS; older means it is stuck or gone
REFRESH_SECONDS = 15.0


@dataclass(frozen=True)
class Status:
    connected: bool  # every shard this process runs is connected to the gateway
    index_loaded: bool
    accepting: bool  # False while shutting down
    pid: int
    updated_at: float  # time.time()
    index_generation: int = 0

    @property
    def ready(self) -> bool:
        return self.connected and self.index_loaded and self.accepting


def status_path(data_dir: Path) -> Path:
    return data_dir / STATUS_FILE


_write_lock = threading.Lock()
_last_written: dict[Path, float] = {}


def write_status(path: Path, status: Status) -> None:
    """Replace the file atomically, so the checker never reads half of it (blocking; run off the loop).

    Writes run on worker threads and may finish out of order (a periodic refresh still running while
    shutdown writes "disconnected"); a status older than the one already written is dropped.
    """
    with _write_lock:
        if status.updated_at < _last_written.get(path, 0.0):
            return
        _replace(path, status)
        _last_written[path] = status.updated_at


def _replace(path: Path, status: Status) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique temporary name: two writes may overlap (the periodic refresh and a state change).
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(status)))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_status(path: Path) -> Status | None:
    try:
        return Status(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def diagnose(status: Status | None, now: float) -> str | None:
    """Why the bot is unhealthy, or None when it is healthy."""
    if status is None:
        return "no status file: the bot is not running (or DATA_DIR differs from the bot's)"
    age = now - status.updated_at
    if age > FRESH_SECONDS:
        return f"status is {age:.0f} s old: the bot is stuck or has stopped"
    if not status.index_loaded:
        return "the index is not loaded yet"
    if not status.connected:
        return "not connected to Discord"
    if not status.accepting:
        return "shutting down"
    return None


def check(settings) -> int:
    """``essaybot health``: exit 0 only when the running bot is connected and has its index loaded."""
    path = status_path(settings.data_dir)
    problem = diagnose(read_status(path), time.time())
    if problem is not None:
        print(f"unhealthy: {problem} ({path})", file=sys.stderr)
        return 1
    print("healthy: connected, index loaded")
    return 0
