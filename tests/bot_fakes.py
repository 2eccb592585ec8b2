"""Small fakes of the engine for the bot's tests, with the public surface of ``index.engine.Engine``.

``tests/unit/test_bot_fakes.py`` checks their signatures against the real class, so they cannot drift.
"""

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.answers import Abstention, Answer, Excerpt
from index.documents import Document, Paragraph, parse_document
from index.errors import EssayBotError

ESSAY = """---
title: "A Test Essay"
author: "Test Author"
date: "2024-01-01"
---

The treaty of 1896 was the first alliance. It was signed in Moscow.

## The Second Alliance

The alliance of 1945 was short-lived. It ended when the war ended.

The alliance of 1950 failed for many reasons. Mistrust grew on both sides.

## Partnership

A strategic partnership is preferred to an alliance. It keeps both sides flexible.
"""


@dataclass(frozen=True)
class FakeDocumentInfo:
    id: str
    title: str
    author: str
    date: str


@dataclass(frozen=True)
class FakeIndexInfo:
    documents: tuple[FakeDocumentInfo, ...]
    built_at: str = "2024-01-02T03:04:05+00:00"
    model: str = "test/fake-model"
    model_sha256: str = "0" * 64
    paragraphs: int = 4
    sentences: int = 8
    corpus_sha256: str = "c" * 64


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9]+", text.lower()) if len(word) > 2}


@dataclass
class FakeEngine:
    """Ranks paragraphs by shared words and quotes each one's first sentence; abstains when nothing matches.

    Records the thread of every call, so tests can check that no answering happens on the event loop.
    ``gate``, when set, makes calls wait for it (to hold questions "in flight"): every call, or with
    ``hold`` set, only calls that include that question.
    """

    document: Document = field(default_factory=lambda: parse_document("test-essay", ESSAY.encode()))
    name: str = "fake"
    gate: threading.Event | None = None
    hold: str | None = None
    calls: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)  # (method, questions, thread)
    started: threading.Event = field(default_factory=threading.Event)

    def answer(self, question: str, k: int = 3, skip: int = 0) -> Answer:
        self._record("answer", [question])
        return self._answer(question, k, skip)

    def answer_many(self, questions: Sequence[str], k: int = 3, skip: int = 0) -> list[Answer]:
        self._record("answer_many", list(questions))
        return [self._answer(question, k, skip) for question in questions]

    def paragraph(self, document: str, number: int) -> Paragraph:
        if document != self.document.id or not 1 <= number <= len(self.document.paragraphs):
            raise EssayBotError(f"no paragraph {number} in document {document!r}")
        return self.document.paragraphs[number - 1]

    @property
    def info(self) -> FakeIndexInfo:
        document = self.document
        return FakeIndexInfo(
            documents=(FakeDocumentInfo(document.id, document.title, document.author, document.date),),
            model=f"test/{self.name}",
        )

    @property
    def sections(self) -> tuple[str, ...]:
        return self.document.sections

    def _record(self, method: str, questions: list[str]) -> None:
        self.calls.append((method, tuple(questions), threading.current_thread().name))
        if self.hold is None or self.hold in questions:
            self.started.set()
            if self.gate is not None:
                self.gate.wait(timeout=10)

    def _answer(self, question: str, k: int, skip: int) -> Answer:
        if not question.strip():
            return Answer(question, abstention=Abstention.EMPTY)
        asked = _words(question)
        scored = [(len(asked & _words(p.text)), p) for p in self.document.paragraphs]
        ranked = [p for score, p in sorted(scored, key=lambda pair: -pair[0]) if score > 0]
        if not ranked:
            return Answer(question, abstention=Abstention.OFF_TOPIC, suggestions=self.sections[:2])
        return Answer(question, excerpts=tuple(self._excerpt(p) for p in ranked[skip : skip + k]))

    def _excerpt(self, paragraph: Paragraph) -> Excerpt:
        sentence = paragraph.sentences[0]
        return Excerpt(
            document=paragraph.document,
            title=self.document.title,
            section=paragraph.section,
            paragraph=paragraph.number,
            start=sentence.start,
            end=sentence.end,
            text=paragraph.text[sentence.start : sentence.end],
            score=1.0,
        )
