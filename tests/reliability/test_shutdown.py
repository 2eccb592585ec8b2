"""SIGTERM during a burst: the answers and votes in flight finish (well inside Docker's 10 s), then exit 0."""

import asyncio
import os
import signal
import threading

from bot.feedback import FeedbackLog
from bot.health import read_status, status_path
from bot.render import FEEDBACK_THANKS
from bot.runner import EXIT_OK, QUESTION_GRACE_SECONDS, SHUTDOWN_SECONDS, serve
from tests.bot_fakes import FakeEngine
from tests.e2e.conftest import WAIT, button, description, endpoints_restored, make_services, make_settings

USERS = ("alice", "bob", "olivia")
BOUND = 30.0  # a bound on the test, not a timing assertion: the bot's own deadline is SHUTDOWN_SECONDS


async def until(condition, timeout: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_the_shutdown_deadlines_fit_inside_dockers_10_seconds():
    assert QUESTION_GRACE_SECONDS < SHUTDOWN_SECONDS < 10


async def test_sigterm_during_a_burst_finishes_answers_and_flushes_feedback_then_exits_0(
    fake, tmp_path, monkeypatch
):
    engine = FakeEngine()
    vote_written = threading.Event()
    release_vote = threading.Event()
    append = FeedbackLog.append

    def slow_append(self, feedback):  # a slow disk: the vote is still being written at SIGTERM
        release_vote.wait(WAIT)
        append(self, feedback)
        vote_written.set()

    monkeypatch.setattr(FeedbackLog, "append", slow_append)
    settings = make_settings(fake, tmp_path / "data")
    with endpoints_restored():
        serving = asyncio.create_task(
            serve(settings, make_services(settings, engine), fake.token, guild_ready_timeout=0.05)
        )
        await fake.wait_until_ready(timeout=WAIT)
        await until(lambda: getattr(read_status(status_path(settings.data_dir)), "ready", False))
        answered = await (
            await fake.send_slash_command("ask", {"question": "the 1896 treaty"})
        ).final_message()

        engine.gate, engine.started = threading.Event(), threading.Event()  # from now on, answers are held
        slash = [
            await fake.send_slash_command(
                "ask", {"question": f"{n}: why did the 1950 alliance fail?"}, user=USERS[n % 3]
            )
            for n in range(9)
        ]
        mentions = [
            await fake.send_message(
                "general", USERS[n % 3], f"{fake.world.bot.mention} {n}: the 1945 alliance?"
            )
            for n in range(6)
        ]
        vote = await fake.click_button(answered, button(answered, "up"), user="bob")
        await vote.response(timeout=WAIT)
        await asyncio.to_thread(engine.started.wait, WAIT)

        os.kill(os.getpid(), signal.SIGTERM)
        await until(lambda: not getattr(read_status(status_path(settings.data_dir)), "accepting", True))
        engine.gate.set()
        answers = [await handle.final_message(timeout=WAIT) for handle in slash]
        replies = [
            await fake.wait_for_message(
                "general",
                predicate=lambda m, asked=asked: (
                    (m.message_reference or {}).get("message_id") == str(asked.id)
                ),
                timeout=WAIT,
            )
            for asked in mentions
        ]
        await asyncio.sleep(0.2)  # the votes's write is still held: the bot must wait for it, not exit
        release_vote.set()
        thanks = await vote.final_message(timeout=WAIT)
        code = await asyncio.wait_for(serving, BOUND)

    assert code == EXIT_OK
    assert all("1950" in description(message) for message in answers)
    assert all("1945" in description(message) for message in replies)
    assert len([m for m in fake.messages_in("general") if not m.ephemeral]) == 1 + len(slash) + len(mentions)
    assert vote_written.is_set() and thanks.content == FEEDBACK_THANKS
    (stored,) = FeedbackLog(settings.data_dir / "feedback.jsonl").read()
    assert stored["vote"] == "up" and stored["user_id"] == fake.user("bob").id
