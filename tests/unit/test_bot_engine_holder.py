"""The engine holder: questions are batched into answer_many, and a swap never disturbs questions in flight."""

import asyncio
import threading

from bot.engine_holder import EngineHolder
from index.answering.conversation import Conversation
from tests.bot_fakes import FakeEngine

QUESTIONS = [
    "why did the 1950 alliance fail?",
    "what was the treaty of 1896?",
    "how do I cook pasta?",
    "is a strategic partnership preferred?",
]


async def test_concurrent_questions_are_answered_in_one_batch_as_one_at_a_time_would_be():
    engine = FakeEngine()
    holder = EngineHolder(engine, window=0.05)

    batched = await asyncio.gather(*(holder.answer(question, k=2) for question in QUESTIONS))

    assert [call[0] for call in engine.calls] == ["answer_many"]
    assert batched == [FakeEngine().answer(question, k=2) for question in QUESTIONS]
    await holder.aclose()


async def test_answering_happens_on_a_worker_thread():
    engine = FakeEngine()
    holder = EngineHolder(engine)

    await holder.answer(QUESTIONS[0], k=3)

    assert engine.calls[0][2].startswith("essaybot-answer")
    await holder.aclose()


async def test_more_excerpts_skip_the_ones_already_shown():
    holder = EngineHolder(FakeEngine())

    first = await holder.answer("alliance", k=2)
    more = await holder.answer("alliance", k=2, skip=2)

    assert not set(first.excerpts) & set(more.excerpts)
    assert more.excerpts == FakeEngine().answer("alliance", k=2, skip=2).excerpts
    await holder.aclose()


async def test_a_question_in_flight_during_a_swap_finishes_on_the_engine_it_started_with():
    old = FakeEngine(name="old", gate=threading.Event())
    new = FakeEngine(name="new")
    holder = EngineHolder(old, window=0.001)
    in_flight = asyncio.create_task(holder.answer(QUESTIONS[0], k=3))
    await asyncio.to_thread(old.started.wait, 5)

    previous = holder.swap(new)
    after = await asyncio.wait_for(holder.answer(QUESTIONS[1], k=3), 5)
    old.gate.set()
    before = await asyncio.wait_for(in_flight, 5)

    assert previous is old and holder.engine is new and holder.generation == 2
    assert [call[1] for call in old.calls] == [(QUESTIONS[0],)]
    assert [call[1] for call in new.calls] == [(QUESTIONS[1],)]
    assert before.answered and after.answered
    await holder.aclose()


async def test_batched_follow_ups_carry_their_own_conversations_and_equal_one_at_a_time():
    engine = FakeEngine()
    holder = EngineHolder(engine, window=0.05)
    conversations = [
        Conversation(("why did the 1950 alliance fail?",)),
        None,
        Conversation(("treaty?",)),
        None,
    ]

    batched = await asyncio.gather(
        *(holder.answer(q, k=2, conversation=c) for q, c in zip(QUESTIONS, conversations, strict=True))
    )

    assert [call[0] for call in engine.calls] == ["answer_many"]
    assert engine.conversations == conversations
    assert batched == [
        FakeEngine().answer(q, k=2, conversation=c) for q, c in zip(QUESTIONS, conversations, strict=True)
    ]
    assert batched[0].context == ("why did the 1950 alliance fail?",) and batched[1].context == ()
    await holder.aclose()
