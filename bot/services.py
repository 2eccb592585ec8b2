"""What the bot works with, built by the runner (or by tests, with fakes), and the count of questions in flight."""

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.answer_log import AnswerLog
from bot.cooldown import Cooldown
from bot.engine_holder import EngineHolder
from bot.feedback import FeedbackLog

# Rebuilds the index and loads it: (BuildReport, engine). Blocking; the admin cog runs it on a thread.
Rebuild = Callable[[], tuple[Any, Any]]


@dataclass
class Services:
    """What the bot works with, built by the runner (or by tests, with fakes)."""

    engines: EngineHolder
    feedback: FeedbackLog
    answers: AnswerLog
    cooldown: Cooldown
    rebuild: Rebuild | None = None
    status_path: Path | None = None


class InFlight:
    """Counts questions being answered, so that shutdown can stop new ones and wait for these."""

    def __init__(self) -> None:
        self.count = 0
        self.accepting = True
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
