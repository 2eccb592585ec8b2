"""Discord's REST trouble — 429 storms, 5xx outages, 403 in a channel: every answer arrives exactly once."""

import asyncio
import logging

import discord
import pytest

from tests.e2e.conftest import WAIT, description
from tests.reliability.conftest import problems

QUESTION = "why did the 1950 alliance fail?"
ANSWER_EDIT = "PATCH /webhooks/{application_id}/{token}/messages/@original"
CHANNEL_MESSAGE = "POST /channels/{channel_id}/messages"
CALLBACK = "POST /interactions/{interaction_id}/{token}/callback"
STORM = 8  # more 429s in a row than discord.py's five tries


class QuickSleeps:
    """discord.py's own back-off (1, 3, 5, 7, 9 s after a 5xx) shortened, so an outage fits in a test."""

    def __getattr__(self, name: str):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay: float, result=None):
        return await asyncio.sleep(min(delay, 0.02), result)


@pytest.fixture
def quick_discord_py(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http, "asyncio", QuickSleeps())
    monkeypatch.setattr(discord.webhook.async_, "asyncio", QuickSleeps())  # interaction responses


@pytest.fixture
async def bot(start_bot):
    async with start_bot() as running:
        running.parts.delivery.retry_delay = 0.005  # doubles per attempt: seven failures cost 0.6 s, not 6 s
        yield running


async def reply_to(fake, asked):
    """The bot's reply to the message ``asked`` (interaction answers in the same channel are not it)."""
    return await fake.wait_for_message(
        asked.channel_id,
        predicate=lambda m: (m.message_reference or {}).get("message_id") == str(asked.id),
        timeout=WAIT,
    )


def answers_to(fake, question: str):
    return [m for m in fake.bot_messages() if m.embeds and m.embeds[0].get("title") == question]


async def test_a_429_storm_on_the_answer_delays_it_but_it_arrives_exactly_once(fake, bot):
    fault = fake.faults.rate_limit(ANSWER_EDIT, times=STORM, retry_after=0.02)

    handle = await fake.send_slash_command("ask", {"question": QUESTION})
    message = await handle.final_message(timeout=WAIT)

    assert fault.hits == STORM
    assert "1950" in description(message)
    assert len(answers_to(fake, QUESTION)) == 1
    assert not fake.requests_to("POST /webhooks/{application_id}/{token}")  # an edit, never a second post


async def test_a_429_storm_on_channel_messages_delivers_each_reply_once_with_one_nonce(fake, bot):
    fault = fake.faults.rate_limit(CHANNEL_MESSAGE, times=STORM, retry_after=0.02)

    asked = await fake.send_message("general", "alice", f"{fake.world.bot.mention} {QUESTION}")
    reply = await fake.wait_for_message("general", after=asked, timeout=WAIT)

    assert fault.hits == STORM
    assert "1950" in description(reply)
    attempts = fake.requests_to(CHANNEL_MESSAGE)
    assert len(attempts) == STORM + 1
    # Discord creates a message once per nonce when asked to enforce it: repeats cannot duplicate it.
    assert len({r.json["nonce"] for r in attempts}) == 1 and all(r.json["enforce_nonce"] for r in attempts)
    assert len(fake.messages_in("general")) == 1


async def test_a_global_429_storm_during_a_burst_loses_no_answer_and_doubles_none(fake, bot):
    fake.faults.rate_limit("*", times=STORM, retry_after=0.02, is_global=True)
    questions = [f"question {n} about the 1950 alliance" for n in range(6)]

    handles = [
        await fake.send_slash_command("ask", {"question": q}, user=("alice", "bob", "olivia")[n % 3])
        for n, q in enumerate(questions[:3])
    ]
    asked = [
        await fake.send_message("general", "alice", f"{fake.world.bot.mention} {q}") for q in questions[3:]
    ]
    for handle in handles:
        await handle.final_message(timeout=WAIT)
    for message in asked:
        await reply_to(fake, message)

    assert {q: len(answers_to(fake, q)) for q in questions} == dict.fromkeys(questions, 1), [
        (m.embeds[0].get("title") if m.embeds else m.content) for m in fake.bot_messages()
    ]


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_on_the_acknowledgement_is_retried_within_the_3_seconds(fake, bot, status):
    fake.faults.server_error(CALLBACK, status=status)

    handle = await fake.send_slash_command("ask", {"question": QUESTION})
    message = await handle.final_message(timeout=WAIT)

    accepted = [e for e in handle.events if e.kind == "callback" and e.status < 300]
    assert len(accepted) == 1
    assert "1950" in description(message)
    assert len(answers_to(fake, QUESTION)) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_discord_outage_longer_than_discord_py_retries_still_delivers_once(
    fake, bot, quick_discord_py, status
):
    edits = fake.faults.server_error(ANSWER_EDIT, status=status, times=7)
    posts = fake.faults.server_error(CHANNEL_MESSAGE, status=status, times=7)

    handle = await fake.send_slash_command("ask", {"question": QUESTION})
    asked = await fake.send_dm("alice", "what was the treaty of 1896?")
    answer = await handle.final_message(timeout=WAIT)
    reply = await reply_to(fake, asked)

    assert edits.hits == posts.hits == 7
    assert "1950" in description(answer) and "1896" in description(reply)
    assert len(answers_to(fake, QUESTION)) == 1 and len(fake.messages_in(asked.channel_id)) == 1


async def test_missing_permissions_in_a_channel_are_logged_once_and_not_retried(fake, bot, caplog):
    general = fake.channel("general")
    fake.faults.missing_permissions(general.id, times=None)
    caplog.set_level(logging.DEBUG)

    for user in ("alice", "bob", "olivia"):
        since = fake.mark()
        await fake.send_message("general", user, f"{fake.world.bot.mention} {QUESTION}")
        await fake.wait_for_request(lambda r: r.route == CHANNEL_MESSAGE, since=since, timeout=WAIT)
    await asyncio.sleep(0.2)  # room for a retry, if the bot were to make one (there must be none)
    warned = [r for r in problems(caplog) if "cannot answer" in r.getMessage()]
    fake.faults.clear()
    asked = await fake.send_message("general", "alice", f"{fake.world.bot.mention} {QUESTION}")
    reply = await fake.wait_for_message("general", after=asked, timeout=WAIT)

    assert len(fake.requests_to(CHANNEL_MESSAGE)) == 4  # one attempt per question
    (line,) = warned
    text = line.getMessage()
    assert "#general" in text and str(general.id) in text and "Send Messages" in text
    assert line.exc_info is None
    assert "1950" in description(reply)


async def test_a_channel_where_the_bot_may_not_send_is_skipped_and_logged_once_naming_the_permission(
    fake, bot, caplog
):
    for _ in range(3):
        await fake.send_message("announcements", "olivia", f"{fake.world.bot.mention} {QUESTION}")
    probe = await fake.send_message("general", "olivia", f"{fake.world.bot.mention} {QUESTION}")
    await fake.wait_for_message("general", after=probe, timeout=WAIT)  # events are handled in order

    channel = fake.channel("announcements")
    assert not [r for r in fake.requests if r.path.startswith(f"/channels/{channel.id}/")]
    (line,) = [r for r in problems(caplog) if "cannot answer" in r.getMessage()]
    assert "#announcements" in line.getMessage() and "lacks Send Messages" in line.getMessage()
