"""The engine answering now: questions go through the micro-batcher, and a reindex swaps the engine whole."""

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from bot.batching import MicroBatcher
from bot.render import IndexFacts
from index.answering.answers import Answer
from index.answering.conversation import Conversation
from index.corpus.documents import Paragraph

log = logging.getLogger(__name__)


class AnswerEngine(Protocol):
    """The part of ``index.answering.engine.Engine`` the bot uses; tests pass fakes with this shape."""

    def answer(
        self, question: str, k: int = 3, skip: int = 0, conversation: Conversation | None = None
    ) -> Answer: ...

    def answer_many(
        self,
        questions: Sequence[str],
        k: int = 3,
        skip: int = 0,
        conversations: Sequence[Conversation | None] | None = None,
    ) -> list[Answer]: ...

    def paragraph(self, document: str, number: int) -> Paragraph: ...

    @property
    def info(self) -> IndexFacts: ...

    @property
    def sections(self) -> tuple[str, ...]: ...

    @property
    def examples(self) -> tuple[str, ...]: ...


class _Same:
    """A batch key part that compares engines by identity, whatever the engine's own ``__eq__``."""

    __slots__ = ("engine",)

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.engine is self.engine

    def __hash__(self) -> int:
        return id(self.engine)


BatchKey = tuple[_Same, int, int]  # (engine, k, skip)
Turn = tuple[str, Conversation | None]  # a question and the conversation it follows up (None: a new one)


def _answer_batch(key: BatchKey, turns: list[Turn]) -> list[Answer]:
    same, k, skip = key
    questions = [question for question, _ in turns]
    conversations = [conversation for _, conversation in turns]
    return same.engine.answer_many(questions, k=k, skip=skip, conversations=conversations)


class EngineHolder:
    """Holds the current engine. ``swap`` is atomic: a question is batched with the engine that was current
    when it was asked, so questions in flight during a swap finish on the engine they started with."""

    def __init__(self, engine: AnswerEngine, *, window: float = 0.005, max_batch: int = 32, workers: int = 0):
        self._engine = engine
        self.generation = 1
        workers = workers or min(4, os.cpu_count() or 1)
        # Our own pool (not asyncio's default one), so that shutdown can stop waiting for it.
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="essaybot-answer")
        self._batcher: MicroBatcher[BatchKey, Turn, Answer] = MicroBatcher(
            _answer_batch, executor=self._executor, window=window, max_batch=max_batch
        )

    @property
    def engine(self) -> AnswerEngine:
        return self._engine

    def swap(self, engine: AnswerEngine) -> AnswerEngine:
        """Make ``engine`` current; return the previous one (kept alive by whoever still uses it)."""
        previous, self._engine = self._engine, engine
        self.generation += 1
        log.info("now answering from index generation %d", self.generation)
        return previous

    async def answer(
        self, question: str, *, k: int, skip: int = 0, conversation: Conversation | None = None
    ) -> Answer:
        turn = (question, conversation or None)
        return await self._batcher.submit((_Same(self._engine), k, skip), turn)

    async def aclose(self) -> None:
        await self._batcher.aclose()
        self._executor.shutdown(wait=False, cancel_futures=True)
