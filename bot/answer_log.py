"""What each sent answer showed, keyed by the id in its buttons, so buttons and follow-ups work after a restart."""

import json
import logging
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.answering.answers import Excerpt
from index.answering.conversation import MAX_QUESTIONS, MAX_SHOWN, Conversation

log = logging.getLogger(__name__)

ANSWERS_FILE = "answers.jsonl"

# Where an answer was sent, when that makes later messages there follow it up without a reply.
IN_DM = "dm"
IN_THREAD = "thread"  # a thread the bot opened for the conversation


@dataclass(frozen=True)
class AnswerRecord:
    key: str  # 16 hex digits, carried in the buttons' custom ids
    question: str
    skip: int  # excerpts shown on earlier pages of this question
    excerpts: tuple[Excerpt, ...]  # the excerpts this message shows
    abstention: str | None
    ephemeral: bool
    # The conversation the question was asked in (before it); empty for a fresh question.
    conversation: Conversation = field(default_factory=Conversation)
    channel_id: int | None = None  # set for answers in a DM or in the bot's own thread
    place: str | None = None  # IN_DM, IN_THREAD or None
    at: float = 0.0  # when it was answered (time.time())

    @property
    def next_skip(self) -> int:
        return self.skip + len(self.excerpts)

    def follow_up(self) -> Conversation:
        """The conversation a follow-up to this answer is asked in: its own, then its question and excerpts.
        A question the essay did not answer is not context for the next, only what a message leaning on
        it continues (Conversation.refusing), as in the terminal's chat."""
        return self.conversation.after_reply(
            self.question,
            self.abstention,
            (excerpt.id for excerpt in self.excerpts),
            context=self.abstention is None,
        )

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "question": self.question,
            "skip": self.skip,
            "excerpts": [excerpt.to_json() for excerpt in self.excerpts],
            "abstention": self.abstention,
            "ephemeral": self.ephemeral,
            "conversation": self.conversation.to_json() if self.conversation else None,
            "channel_id": self.channel_id,
            "place": self.place,
            "at": self.at,
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
            # Lines written before conversations existed have none of these: a fresh question, no place.
            conversation=_bounded(Conversation.from_json(data.get("conversation"))),
            channel_id=int(data["channel_id"]) if data.get("channel_id") is not None else None,
            place=data.get("place"),
            at=float(data.get("at") or 0.0),
        )


def _bounded(conversation: Conversation) -> Conversation:
    # A hand-edited or foreign log line cannot make one follow-up cost more than a long conversation.
    return replace(
        conversation,
        questions=conversation.questions[-MAX_QUESTIONS:],
        shown=conversation.shown[-MAX_SHOWN:],
        last=conversation.last[:MAX_SHOWN],
    )


def new_key() -> str:
    return secrets.token_hex(8)


class AnswerLog:
    """The last ``keep`` answers in memory, mirrored to an append-only JSONL file (``path=None``: memory only).

    The file is cut back to its last ``keep`` lines whenever it reaches twice that, so it stays bounded.
    File methods block; call ``load`` and ``append`` off the event loop.
    """

    def __init__(self, path: Path | None, keep: int = 20_000) -> None:
        self.path = path
        self.keep = keep
        self._records: OrderedDict[str, AnswerRecord] = OrderedDict()
        self._latest: dict[int, str] = {}  # channel id -> key of the last answer placed there
        self._lock = threading.Lock()
        self._lines: int | None = None  # lines in the file, once known

    def get(self, key: str) -> AnswerRecord | None:
        return self._records.get(key)

    def latest_in(self, channel_id: int) -> AnswerRecord | None:
        """The last answer sent in a DM or bot thread ``channel_id``, if still remembered."""
        key = self._latest.get(channel_id)
        return self._records.get(key) if key is not None else None

    def remember(self, record: AnswerRecord) -> None:
        """Keep ``record`` in memory (on the event loop, so a button pressed at once finds it)."""
        self._records[record.key] = record
        if record.place is not None and record.channel_id is not None:
            latest = self.latest_in(record.channel_id)
            if latest is None or latest.at <= record.at:
                self._latest[record.channel_id] = record.key
        while len(self._records) > self.keep:
            key, old = self._records.popitem(last=False)
            if old.channel_id is not None and self._latest.get(old.channel_id) == key:
                del self._latest[old.channel_id]

    def append(self, record: AnswerRecord) -> None:
        if self.path is None:
            return
        line = json.dumps(record.to_json(), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)
            if self._lines is None:
                self._lines = len(self._read_lines())
            else:
                self._lines += 1
            if self._lines >= 2 * self.keep:
                self._keep_last(self._read_lines())

    def load(self) -> None:
        """Remember the file's last ``keep`` records."""
        if self.path is None or not self.path.exists():
            return
        with self._lock:
            lines = self._read_lines()
            first = max(0, len(lines) - self.keep)
            for number, line in enumerate(lines[first:], start=first + 1):
                try:
                    self.remember(AnswerRecord.from_json(json.loads(line)))
                except (ValueError, KeyError, TypeError):
                    # A torn last line after a crash costs one answer's buttons, not the start-up.
                    log.warning("%s: skipping unreadable line %d", self.path, number)
            self._lines = len(lines)
            if self._lines >= 2 * self.keep:
                self._keep_last(lines)

    def _read_lines(self) -> list[str]:
        assert self.path is not None
        with self.path.open(encoding="utf-8") as file:
            return file.readlines()

    def _keep_last(self, lines: list[str]) -> None:
        """Replace the file, atomically, by its last ``keep`` lines."""
        assert self.path is not None
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            file.writelines(lines[-self.keep :])
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        self._lines = min(len(lines), self.keep)
