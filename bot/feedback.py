"""👍/👎 feedback, appended durably (fsync) to DATA_DIR/feedback.jsonl, one JSON object a line."""

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from index.storage.files import fsync_dir

FEEDBACK_FILE = "feedback.jsonl"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Feedback:
    vote: str  # "up" or "down"
    question: str
    excerpt_ids: tuple[str, ...]  # empty when the answer was an abstention
    answer_id: str
    user_id: int
    guild_id: int | None = None
    channel_id: int | None = None
    abstention: str | None = None  # the reason, when the bot abstained
    at: str = field(default_factory=_now)


class FeedbackLog:
    """Append-only and blocking (run ``append`` off the event loop); safe to call from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, feedback: Feedback) -> None:
        line = json.dumps(asdict(feedback), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)
                file.flush()
                os.fsync(file.fileno())
            if created:
                # A new file's name is only durable once its directory entry is on disk too.
                fsync_dir(self.path.parent)

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]
