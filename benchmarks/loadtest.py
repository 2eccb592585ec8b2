"""Closed-loop load on an async answer function, and an event-loop lag monitor (no Discord involved)."""

import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

Ask = Callable[[str], Awaitable[object]]


@dataclass(frozen=True)
class LoadResult:
    concurrency: int
    questions: int
    seconds: float
    latencies: tuple[float, ...]  # seconds, one per question

    @property
    def throughput(self) -> float:
        return self.questions / self.seconds

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile, interpolated between the nearest ranks (statistics' 'inclusive' method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if q < 100 else max(values)


async def closed_loop(ask: Ask, questions: Sequence[str], concurrency: int, total: int) -> LoadResult:
    """``concurrency`` askers, each asking its next question as soon as its last one is answered."""
    source = itertools.cycle(questions)
    remaining = total
    latencies: list[float] = []

    async def asker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            question = next(source)
            started = time.perf_counter()
            await ask(question)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(asker() for _ in range(concurrency)))
    return LoadResult(concurrency, total, time.perf_counter() - started, tuple(latencies))


class LagMonitor:
    """Measures how late the event loop wakes a task that sleeps ``interval`` seconds, again and again.

    A loop that is blocked (by CPU work on its thread, or by waiting for the GIL) wakes it late; the
    lateness is what a Discord heartbeat or any other coroutine would suffer at that moment.
    """

    def __init__(self, interval: float = 0.002):
        self.interval = interval
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "LagMonitor":
        self._task = asyncio.create_task(self._watch())
        await asyncio.sleep(self.interval * 5)  # a few quiet ticks first
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.sleep(self.interval * 5)
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(max(0.0, time.perf_counter() - started - self.interval))

    @property
    def max(self) -> float:
        return max(self.lags, default=0.0)

    @property
    def p99(self) -> float:
        return percentile(self.lags, 99) if self.lags else 0.0


async def burst(ask: Ask, questions: Sequence[str], count: int) -> tuple[float, LagMonitor]:
    """``count`` questions asked at the same instant; returns (seconds until all answered, lag monitor)."""
    batch = list(itertools.islice(itertools.cycle(questions), count))
    async with LagMonitor() as monitor:
        started = time.perf_counter()
        await asyncio.gather(*(ask(question) for question in batch))
        seconds = time.perf_counter() - started
    return seconds, monitor
