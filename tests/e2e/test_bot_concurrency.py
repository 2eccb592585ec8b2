"""Concurrent questions: micro-batched into one engine call, and a slow question holds up no one else."""

import asyncio
import threading

from tests.bot_fakes import FakeEngine
from tests.e2e.conftest import WAIT, description

QUESTIONS = [
    "why did the 1950 alliance fail?",
    "what was the treaty of 1896?",
    "was the 1945 alliance short-lived?",
    "is a strategic partnership preferred?",
    "how do I bake bread?",
]


async def test_concurrent_questions_are_answered_in_one_batch_with_one_at_a_time_results(fake, start_bot):
    engine = FakeEngine()
    # A window far longer than the test, closed by the batch filling up: exactly one batch, by construction.
    async with start_bot(engine=engine, batching={"window": 60, "max_batch": len(QUESTIONS)}):
        handles = [
            await fake.send_slash_command("ask", {"question": q}, user=user)
            for q, user in zip(QUESTIONS, ["alice", "bob", "olivia", "alice", "bob"], strict=True)
        ]
        messages = [await handle.final_message(timeout=WAIT) for handle in handles]

    assert [call[:2] for call in engine.calls] == [("answer_many", tuple(QUESTIONS))]
    for question, message in zip(QUESTIONS, messages, strict=True):
        alone = FakeEngine().answer(question, k=3)
        if alone.answered:
            assert all(f"> {excerpt.text}" in description(message) for excerpt in alone.excerpts)
        else:
            assert description(message).startswith(alone.reason)
    assert engine.calls[0][2].startswith("essaybot-answer")  # off the event loop


async def test_a_slow_question_does_not_hold_up_the_questions_after_it(fake, start_bot):
    slow = "why did the 1950 alliance fail?"
    engine = FakeEngine(gate=threading.Event(), hold=slow)
    async with start_bot(engine=engine):
        held = await fake.send_slash_command("ask", {"question": slow}, user="alice")
        await asyncio.to_thread(engine.started.wait, WAIT)

        quick = await fake.send_slash_command("ask", {"question": "what was the treaty of 1896?"}, user="bob")
        quick_answer = await quick.final_message(timeout=WAIT)
        still_thinking = held.original_message.loading
        engine.gate.set()
        slow_answer = await held.final_message(timeout=WAIT)

    assert "1896" in description(quick_answer)
    assert still_thinking
    assert "1950" in description(slow_answer)
