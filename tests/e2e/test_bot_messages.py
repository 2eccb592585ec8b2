"""Asking without a slash command: a mention in a channel, a DM, and the "Ask the essay" message command."""

from bot.render import MENTION_HELP, NO_MESSAGE_TEXT
from tests.e2e.conftest import WAIT, description, pings_nobody


async def test_a_mention_in_a_channel_is_answered_in_a_reply(fake, essaybot):
    asked = await fake.send_message(
        "general", "alice", f"{fake.world.bot.mention} why did the 1950 alliance fail?"
    )

    reply = await fake.wait_for_message("general", after=asked, timeout=WAIT)

    assert reply.message_reference["message_id"] == str(asked.id)
    assert reply.embeds[0]["title"] == "why did the 1950 alliance fail?"
    assert "> The alliance of 1950 failed for many reasons." in description(reply)
    assert pings_nobody(reply) and not reply.pings
    assert fake.requests_to("POST /channels/{channel_id}/typing")


async def test_a_mention_of_the_bots_role_counts_as_a_mention(fake, essaybot):
    role = next(r for r in fake.world.guild.roles if r.bot_id == fake.world.bot.id)
    asked = await fake.send_message("general", "alice", f"{role.mention} what was the treaty of 1896?")

    reply = await fake.wait_for_message("general", after=asked, timeout=WAIT)

    assert "1896" in description(reply)


async def test_messages_that_do_not_mention_the_bot_are_ignored(fake, essaybot):
    await fake.send_message("general", "alice", "why did the 1950 alliance fail?")
    probe = await fake.send_message("general", "alice", f"{fake.world.bot.mention} alliance")

    reply = await fake.wait_for_message("general", timeout=WAIT)

    assert reply.message_reference["message_id"] == str(probe.id)  # the first message got nothing


async def test_a_bare_mention_gets_a_short_how_to(fake, essaybot):
    asked = await fake.send_message("general", "alice", fake.world.bot.mention)

    reply = await fake.wait_for_message("general", after=asked, timeout=WAIT)

    assert reply.content == MENTION_HELP


async def test_everyone_in_a_mentioned_question_pings_nobody(fake, essaybot):
    asked = await fake.send_message(
        "general", "alice", f"{fake.world.bot.mention} @everyone what about 1950?"
    )

    reply = await fake.wait_for_message("general", after=asked, timeout=WAIT)

    assert "@everyone" not in reply.embeds[0]["title"]
    assert not reply.pings and fake.messages_that_ping() == []


async def test_a_direct_message_is_a_question_without_any_mention(fake, essaybot):
    asked = await fake.send_dm("alice", "what was the treaty of 1896?")

    reply = await fake.wait_for_message(asked.channel_id, after=asked, timeout=WAIT)

    assert reply.guild_id is None
    assert "> The treaty of 1896 was the first alliance." in description(reply)
    assert pings_nobody(reply)


async def test_the_message_command_asks_the_essay_the_messages_text(fake, essaybot):
    target = await fake.send_message("general", "bob", "Is a strategic partnership preferred to an alliance?")

    handle = await fake.send_message_command("Ask the essay", target, user="alice")
    message = await handle.final_message()

    assert (await handle.response()).callback_type == 5
    assert message.embeds[0]["title"] == "Is a strategic partnership preferred to an alliance?"
    assert "A strategic partnership is preferred to an alliance." in description(message)


async def test_the_message_command_on_a_message_without_text_says_so(fake, essaybot):
    target = await fake.send_message("general", "bob", "", embeds=[{"title": "just an embed"}])

    handle = await fake.send_message_command("Ask the essay", target, user="alice")
    event = await handle.response()

    assert event.data["content"] == NO_MESSAGE_TEXT
    assert event.data["flags"] & 64
