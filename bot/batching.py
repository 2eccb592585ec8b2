"""Micro-batching: questions arriving within a few milliseconds are answered in one call on a worker thread."""

import asyncio
import logging
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")


class BatcherClosedError(RuntimeError):
    """The batcher is shutting down and takes no new items."""


class MicroBatcher(Generic[K, T, R]):
    """Gathers items submitted under the same key for ``window`` seconds, then runs them together.

    When nothing is running, a new item does not wait for the window: its batch starts on the next
    turn of the event loop, so items submitted together still share it, but a lone question pays no
    wait. The window only applies while a batch is running, which is when gathering pays.

    ``run_batch(key, items)`` runs on ``executor`` (never on the event loop) and returns one result per
    item, in order. Batches for different keys, and successive batches, run concurrently up to the
    executor's size, so one slow batch does not hold up the next. If a batch raises, its items are
    retried one by one, so that only the item that fails gets the error.
    """

    def __init__(
        self,
        run_batch: Callable[[K, list[T]], list[R]],
        *,
        executor: Executor | None = None,
        window: float = 0.005,
        max_batch: int = 32,
    ) -> None:
        self._run_batch = run_batch
        self._executor = executor
        self._window = window
        self._max_batch = max_batch
        self._pending: dict[K, list[tuple[T, asyncio.Future[R]]]] = {}
        self._timers: dict[K, asyncio.Handle] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._closed = False

    async def submit(self, key: K, item: T) -> R:
        if self._closed:
            raise BatcherClosedError("the batcher is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        batch = self._pending.setdefault(key, [])
        batch.append((item, future))
        if len(batch) >= self._max_batch:
            self._flush(key)
        elif key not in self._timers:
            if self._running:
                self._timers[key] = loop.call_later(self._window, self._flush, key)
            else:
                self._timers[key] = loop.call_soon(self._flush, key)
        return await future

    def _flush(self, key: K) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        batch = self._pending.pop(key, [])
        if batch:
            task = asyncio.create_task(self._run(key, batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, key: K, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        items = [item for item, _ in batch]
        loop = asyncio.get_running_loop()
        try:
            results: list[R | BaseException] = list(
                await loop.run_in_executor(self._executor, self._run_batch, key, items)
            )
            if len(results) != len(items):
                raise RuntimeError(f"run_batch returned {len(results)} results for {len(items)} items")
        except Exception as error:
            if len(items) == 1:
                log.exception("answering one item failed")
                results = [error]
            else:
                log.warning("a batch of %d failed; retrying its items one by one", len(items), exc_info=True)
                results = await loop.run_in_executor(self._executor, self._run_one_by_one, key, items)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the asker gave up (cancelled); nobody wants this result
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    def _run_one_by_one(self, key: K, items: list[T]) -> list[R | BaseException]:
        results: list[R | BaseException] = []
        for item in items:
            try:
                results.extend(self._run_batch(key, [item]))
            except Exception as error:
                log.exception("answering one item failed")
                results.append(error)
        return results

    async def aclose(self) -> None:
        """Take no new items, start what is pending now, and wait for every running batch."""
        self._closed = True
        for key in list(self._pending):
            self._flush(key)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
