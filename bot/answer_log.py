"""What each sent answer showed, keyed by the id in its buttons, so the buttons still work after a restart."""

import json
import logging
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from index.answers import Excerpt

log = logging.getLogger(__name__)

ANSWERS_FILE = "answers.jsonl"


@dataclass(frozen=True)
class AnswerRecord:
    key: str  # 16 hex digits, carried in the buttons' custom ids
    question: str
    skip: int  # excerpts shown on earlier pages of this question
    excerpts: tuple[Excerpt, ...]  # the excerpts this message shows
    abstention: str | None
    ephemeral: bool

    @property
    def next_skip(self) -> int:
        return self.skip + len(self.excerpts)

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "question": self.question,
            "skip": self.skip,
            "excerpts": [excerpt.to_json() for excerpt in self.excerpts],
            "abstention": self.abstention,
            "ephemeral": self.ephemeral,
        }

    @classmethod
    def from_json(cls, data: dict) -> "AnswerRecord":
        return cls(
            key=data["key"],
            question=data["question"],
            skip=int(data["skip"]),
            excerpts=tuple(Excerpt(**excerpt) for excerpt in data["excerpts"]),
            abstention=data.get("abstention"),
            ephemeral=bool(data.get("ephemeral", False)),
        )


def new_key() -> str:
    return secrets.token_hex(8)


class AnswerLog:
    """The last ``keep`` answers in memory, mirrored to an append-only JSONL file (``path=None``: memory only).

    File methods block; call ``load`` and ``append`` off the event loop.
    """

    def __init__(self, path: Path | None, keep: int = 20_000) -> None:
        self.path = path
        self.keep = keep
        self._records: OrderedDict[str, AnswerRecord] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> AnswerRecord | None:
        return self._records.get(key)

    def remember(self, record: AnswerRecord) -> None:
        """Keep ``record`` in memory (on the event loop, so a button pressed at once finds it)."""
        self._records[record.key] = record
        while len(self._records) > self.keep:
            self._records.popitem(last=False)

    def append(self, record: AnswerRecord) -> None:
        if self.path is None:
            return
        line = json.dumps(record.to_json(), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)

    def load(self) -> None:
        """Read the file's last ``keep`` records; rewrite it (atomically) when it has grown far beyond that."""
        if self.path is None or not self.path.exists():
            return
        with self._lock:
            with self.path.open(encoding="utf-8") as file:
                lines = file.readlines()
            first = max(0, len(lines) - self.keep)
            for number, line in enumerate(lines[first:], start=first + 1):
                try:
                    self.remember(AnswerRecord.from_json(json.loads(line)))
                except (ValueError, KeyError, TypeError):
                    # A torn last line after a crash costs one answer's buttons, not the start-up.
                    log.warning("%s: skipping unreadable line %d", self.path, number)
            if len(lines) > 2 * self.keep:
                temporary = self.path.with_suffix(".tmp")
                with temporary.open("w", encoding="utf-8") as file:
                    file.writelines(lines[-self.keep :])
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, self.path)
