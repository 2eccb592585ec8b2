"""A prototype of a proposed micro-batcher policy, measured beside the bot's own (bot/ is not changed here).

The bot's batcher waits ``window`` before running even a lone question. This one runs at once (on the
next turn of the event loop, so questions that arrive together still share a batch) when no batch is
running, and waits ``window`` only while one is: lone questions skip the wait, bursts still batch.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from bot.batching import MicroBatcher


class IdleFlushBatcher(MicroBatcher):
    """``MicroBatcher`` with the idle-flush rule; relies on its internals, so only for measuring."""

    async def submit(self, key, item):
        if not self._running and key not in self._timers:
            # Nothing in flight: schedule this key's flush for the next loop turn instead of the window.
            self._timers[key] = asyncio.get_running_loop().call_soon(self._flush, key)
        return await super().submit(key, item)


def supported() -> bool:
    """The prototype leans on these internals of MicroBatcher; if they change, it is not measured."""
    probe = MicroBatcher(lambda key, items: items)
    return all(hasattr(probe, name) for name in ("_running", "_timers", "_flush"))


class PrototypeHolder:
    """``EngineHolder``'s answer path (same defaults: 5 ms window, batches of 32, a pool of min(4, cores)
    threads) with ``IdleFlushBatcher`` in place of ``MicroBatcher``."""

    def __init__(self, engine, *, window: float = 0.005, max_batch: int = 32):
        self._executor = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
        self._batcher = IdleFlushBatcher(
            lambda key, questions: engine.answer_many(questions, k=key[0], skip=key[1]),
            executor=self._executor,
            window=window,
            max_batch=max_batch,
        )

    async def answer(self, question: str, *, k: int, skip: int = 0):
        return await self._batcher.submit((k, skip), question)

    async def aclose(self) -> None:
        await self._batcher.aclose()
        self._executor.shutdown(wait=False, cancel_futures=True)
