"""The micro-batcher: concurrent items share one call off the event loop; failures and slowness stay local."""

import asyncio
import threading

import pytest

from bot.batching import BatcherClosedError, MicroBatcher


class Recorder:
    """A run_batch that records its batches and threads; optionally waits on a gate per key."""

    def __init__(self, gates: dict[str, threading.Event] | None = None, fail_on: str | None = None):
        self.batches: list[tuple[str, list[str]]] = []
        self.threads: list[threading.Thread] = []
        self.gates = gates or {}
        self.fail_on = fail_on
        self.entered = {key: threading.Event() for key in self.gates}

    def __call__(self, key: str, items: list[str]) -> list[str]:
        self.batches.append((key, list(items)))
        self.threads.append(threading.current_thread())
        if key in self.gates:
            self.entered[key].set()
            self.gates[key].wait(timeout=10)
        if self.fail_on in items:
            raise ValueError(f"cannot do {self.fail_on}")
        return [f"{key}:{item.upper()}" for item in items]


async def test_items_submitted_together_are_run_in_one_batch_with_the_same_results():
    run = Recorder()
    batcher = MicroBatcher(run, window=0.05)

    results = await asyncio.gather(*(batcher.submit("k", word) for word in ["a", "b", "c"]))

    assert results == ["k:A", "k:B", "k:C"]  # what one at a time would give, in order
    assert run.batches == [("k", ["a", "b", "c"])]


async def test_batches_run_off_the_event_loop_thread():
    run = Recorder()
    batcher = MicroBatcher(run)

    await batcher.submit("k", "a")

    assert run.threads[0] is not threading.current_thread()


async def test_items_under_different_keys_are_never_mixed():
    run = Recorder()
    batcher = MicroBatcher(run, window=0.05)

    results = await asyncio.gather(
        batcher.submit("x", "a"), batcher.submit("y", "b"), batcher.submit("x", "c")
    )

    assert results == ["x:A", "y:B", "x:C"]
    assert sorted(run.batches) == [("x", ["a", "c"]), ("y", ["b"])]


async def test_a_full_batch_is_run_without_waiting_for_the_window():
    run = Recorder()
    batcher = MicroBatcher(run, window=60, max_batch=2)

    results = await asyncio.wait_for(asyncio.gather(batcher.submit("k", "a"), batcher.submit("k", "b")), 5)

    assert results == ["k:A", "k:B"]


async def test_a_lone_question_does_not_wait_for_the_window():
    run = Recorder()
    batcher = MicroBatcher(run, window=60)

    result = await asyncio.wait_for(batcher.submit("k", "a"), 5)

    assert result == "k:A"


async def test_while_a_batch_runs_new_items_gather_into_the_next_one():
    gate = threading.Event()
    run = Recorder(gates={"k": gate})
    batcher = MicroBatcher(run, window=0.05)
    first = asyncio.ensure_future(batcher.submit("k", "a"))
    await asyncio.to_thread(run.entered["k"].wait, 5)
    run.gates = {}  # later batches are not held

    later = asyncio.gather(batcher.submit("k", "b"), batcher.submit("k", "c"))
    await asyncio.sleep(0.01)
    gate.set()

    assert await asyncio.wait_for(first, 5) == "k:A"
    assert await asyncio.wait_for(later, 5) == ["k:B", "k:C"]
    assert run.batches == [("k", ["a"]), ("k", ["b", "c"])]


async def test_a_failing_item_fails_alone():
    run = Recorder(fail_on="bad")
    batcher = MicroBatcher(run, window=0.05)

    results = await asyncio.gather(
        batcher.submit("k", "good"),
        batcher.submit("k", "bad"),
        batcher.submit("k", "fine"),
        return_exceptions=True,
    )

    assert results[0] == "k:GOOD" and results[2] == "k:FINE"
    assert isinstance(results[1], ValueError)


async def test_a_slow_batch_does_not_hold_up_the_next_one():
    slow_gate = threading.Event()
    run = Recorder(gates={"slow": slow_gate})
    batcher = MicroBatcher(run, window=0.001)
    slow = asyncio.create_task(batcher.submit("slow", "a"))
    await asyncio.to_thread(run.entered["slow"].wait, 5)

    fast = await asyncio.wait_for(batcher.submit("fast", "b"), 5)

    assert fast == "fast:B"
    assert not slow.done()
    slow_gate.set()
    assert await asyncio.wait_for(slow, 5) == "slow:A"


async def test_an_asker_who_gives_up_does_not_disturb_the_others():
    run = Recorder()
    batcher = MicroBatcher(run, window=0.05)
    impatient = asyncio.create_task(batcher.submit("k", "a"))
    patient = asyncio.create_task(batcher.submit("k", "b"))
    await asyncio.sleep(0)

    impatient.cancel()

    assert await asyncio.wait_for(patient, 5) == "k:B"


async def test_closing_runs_what_is_pending_and_refuses_new_items():
    run = Recorder()
    batcher = MicroBatcher(run, window=60)
    pending = asyncio.create_task(batcher.submit("k", "a"))
    await asyncio.sleep(0)

    await asyncio.wait_for(batcher.aclose(), 5)

    assert pending.result() == "k:A"
    with pytest.raises(BatcherClosedError):
        await batcher.submit("k", "b")
