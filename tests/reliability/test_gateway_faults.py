"""Gateway trouble — RECONNECT, a dropped socket (1006), invalid sessions: resumed or re-identified, and no
question answered twice or lost."""

import asyncio
import threading

import pytest

from bot.client import EssayBot
from tests.bot_fakes import FakeEngine
from tests.e2e.conftest import WAIT, description


@pytest.fixture(autouse=True)
def no_identify_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    async def at_once(self, shard_id, *, initial=False):
        """discord.py waits 5 s before every IDENTIFY but the first; the fake has no such limit."""

    monkeypatch.setattr(EssayBot, "before_identify_hook", at_once)


async def ask_by_mention(fake, n: int, user: str = "alice"):
    return await fake.send_message(
        "general", user, f"{fake.world.bot.mention} question {n} on the 1950 alliance"
    )


async def replies_to(fake, asked) -> list:
    def replying(message) -> bool:
        return (message.message_reference or {}).get("message_id") == str(asked.id)

    await fake.wait_for_message("general", predicate=replying, timeout=WAIT)
    return [m for m in fake.messages_in("general") if replying(m)]


async def assert_each_answered_once(fake, asked: list) -> None:
    for message in asked:
        assert len(await replies_to(fake, message)) == 1, message
    await asyncio.sleep(0.1)  # a duplicate, if any, would come right after
    assert len(fake.messages_in("general")) == len(asked)


BREAKS = {
    "reconnect (op 7)": lambda fake: fake.reconnect(),
    "socket closed with 1006": lambda fake: fake.drop_connection(),
    "invalid session, resumable": lambda fake: fake.invalidate_session(resumable=True),
}


@pytest.mark.parametrize("break_connection", list(BREAKS.values()), ids=list(BREAKS))
async def test_questions_asked_while_the_bot_is_away_are_answered_once_after_it_resumes(
    fake, essaybot, break_connection
):
    before = [await ask_by_mention(fake, n) for n in range(2)]
    await assert_each_answered_once(fake, before)

    await break_connection(fake)
    during = [await ask_by_mention(fake, n, "bob") for n in range(2, 5)]  # buffered, replayed on RESUME
    await fake.wait_for_resume(timeout=WAIT)
    after = [await ask_by_mention(fake, n, "olivia") for n in range(5, 7)]

    await assert_each_answered_once(fake, before + during + after)
    assert fake.gateway.identifies == 1  # resumed, not re-identified


async def test_after_a_non_resumable_invalid_session_the_bot_re_identifies_and_answers_once(fake, essaybot):
    before = [await ask_by_mention(fake, n) for n in range(2)]
    await assert_each_answered_once(fake, before)

    await fake.invalidate_session(resumable=False)
    await fake.notifier.wait_for(
        lambda: True if fake.gateway.identifies == 2 and fake.gateway.live_sessions() else None,
        timeout=WAIT,
        describe=lambda: f"a second IDENTIFY; frames: {fake.frames[-10:]}",
    )
    await fake.wait_until_ready(timeout=WAIT)
    after = [await ask_by_mention(fake, n, "bob") for n in range(2, 5)]

    await assert_each_answered_once(fake, before + after)


@pytest.mark.parametrize("break_connection", list(BREAKS.values()), ids=list(BREAKS))
async def test_an_interaction_in_flight_when_the_gateway_breaks_is_answered_once(
    fake, start_bot, break_connection
):
    engine = FakeEngine(gate=threading.Event())
    async with start_bot(engine=engine):
        handle = await fake.send_slash_command("ask", {"question": "why did the 1950 alliance fail?"})
        await asyncio.to_thread(engine.started.wait, WAIT)

        await break_connection(fake)
        engine.gate.set()
        message = await handle.final_message(timeout=WAIT)
        await fake.wait_for_resume(timeout=WAIT)
        later = await fake.send_slash_command("ask", {"question": "what was the treaty of 1896?"}, user="bob")
        second = await later.final_message(timeout=WAIT)

    assert "1950" in description(message) and "1896" in description(second)
    assert [m.id for m in fake.bot_messages()] == [message.id, second.id]
