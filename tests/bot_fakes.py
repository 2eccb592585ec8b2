"""Small fakes of the engine for the bot's tests, with the public surface of ``index.answering.engine.Engine``.

``tests/unit/test_bot_fakes.py`` checks their signatures against the real class, so they cannot drift.
"""

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.answering.answers import Abstention, Answer, AnswerKind, Excerpt
from index.answering.conversation import Conversation
from index.corpus.documents import Document, Paragraph, parse_document
from index.errors import EssayBotError

ESSAY = """---
title: "A Test Essay"
author: "Test Author"
date: "2024-01-01"
examples:
  - "Why did the 1950 alliance fail?"
  - "When was the first alliance signed?"
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
    uncalibrated: tuple[str, ...] = ()


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9]+", text.lower()) if len(word) > 2}


SMALL_TALK = {"hi", "hello", "thanks", "thanks!", "thank you"}
CHAT_MESSAGE = "Hello! Ask me about the essay, for example: why did the 1950 alliance fail?"


@dataclass
class FakeEngine:
    """Ranks paragraphs by shared words and quotes each one's first sentence; abstains when nothing matches.

    Context is visible: a follow-up is searched with the words of the last earlier question too, its
    ``context`` is the earlier questions, and excerpts already shown come last. "hi" and "thanks" are small
    talk (a CHAT reply with a message and no excerpts).

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

    conversations: list[Conversation | None] = field(default_factory=list)  # every call's, in order

    def answer(
        self, question: str, k: int = 3, skip: int = 0, conversation: Conversation | None = None
    ) -> Answer:
        self._record("answer", [question], [conversation])
        return self._answer(question, k, skip, conversation)

    def answer_many(
        self,
        questions: Sequence[str],
        k: int = 3,
        skip: int = 0,
        conversations: Sequence[Conversation | None] | None = None,
    ) -> list[Answer]:
        conversations = list(conversations) if conversations is not None else [None] * len(questions)
        self._record("answer_many", list(questions), conversations)
        return [
            self._answer(question, k, skip, conversation)
            for question, conversation in zip(questions, conversations, strict=True)
        ]

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

    @property
    def examples(self) -> tuple[str, ...]:
        return self.document.examples

    def _record(self, method: str, questions: list[str], conversations: list[Conversation | None]) -> None:
        self.calls.append((method, tuple(questions), threading.current_thread().name))
        self.conversations.extend(conversations)
        if self.hold is None or self.hold in questions:
            self.started.set()
            if self.gate is not None:
                self.gate.wait(timeout=10)

    def _answer(self, question: str, k: int, skip: int, conversation: Conversation | None = None) -> Answer:
        context = conversation.questions if conversation else ()
        if not question.strip():
            return Answer(question, abstention=Abstention.EMPTY)
        if question.strip().lower() in SMALL_TALK:
            return Answer(question, message=CHAT_MESSAGE, context=context, turn=AnswerKind.CHAT)
        asked = _words(question) | (_words(context[-1]) if context else set())
        scored = [(len(asked & _words(p.text)), p) for p in self.document.paragraphs]
        ranked = [p for score, p in sorted(scored, key=lambda pair: -pair[0]) if score > 0]
        if not ranked:
            return Answer(
                question, abstention=Abstention.OFF_TOPIC, suggestions=self.sections[:2], context=context
            )
        excerpts = [self._excerpt(p) for p in ranked]
        if conversation:
            # Already shown last, so that a follow-up quotes something new while anything else answers.
            excerpts.sort(key=lambda excerpt: excerpt.id in conversation.shown)
        return Answer(question, excerpts=tuple(excerpts[skip : skip + k]), context=context)

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
