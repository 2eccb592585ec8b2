"""Follow-ups end to end: replies to answers, the Follow up modal, the bot's threads and DMs, each in context."""

import asyncio
import threading
import time

import pytest

from bot.cogs.ask import MAX_MESSAGE_QUESTION
from bot.render import BUTTON_EXPIRED, EMPTY_FOLLOW_UP, question_too_long
from index.answering.engine import Engine
from index.building.build import build_index
from tests.bot_fakes import FakeEngine
from tests.conftest import CORPUS_DIR, HashingEmbedder
from tests.e2e.conftest import WAIT, button, description, pings_nobody
from tests.fake_discord.harness import until

FIRST = "why did the 1950 alliance fail?"
SECOND = "and when did it end?"
THIRD = "what about the partnership?"


def following(message) -> str | None:
    """The question a reply says it follows, from its "following: …" line; None for a fresh answer."""
    first_line = description(message).split("\n", 1)[0]
    if not first_line.startswith("*following: "):
        return None
    return first_line.removeprefix("*following: ").removesuffix("*").replace("\\", "")


def replying_to(message):
    return lambda m: (m.message_reference or {}).get("message_id") == str(message.id)


async def answer_in_thread(fake, asked):
    """The bot's first message in the thread it opened from ``asked`` (a thread shares its message's id)."""
    return await fake.wait_for_message(predicate=lambda m: m.channel_id == asked.id, timeout=WAIT)


async def mention(fake, question=FIRST, *, user="alice", channel="general"):
    asked = await fake.send_message(channel, user, f"{fake.world.bot.mention} {question}")
    return asked, await fake.wait_for_message(channel, predicate=replying_to(asked), timeout=WAIT)


async def test_a_reply_to_an_answer_with_the_ping_is_answered_in_context(fake, start_bot):
    engine = FakeEngine()
    async with start_bot(engine=engine):
        _, answer = await mention(fake)

        asked = await fake.send_message("general", "alice", SECOND, reply_to=answer)
        reply = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert fake.messages[asked.id].mention_user_ids == (fake.world.bot.id,)  # the ping, not in the text
    assert following(reply) == FIRST and following(answer) is None
    conversation = engine.conversations[-1]
    assert conversation.questions == (FIRST,)
    assert "test-essay#p3:0-45" in conversation.shown  # what the first answer quoted
    assert pings_nobody(reply) and fake.messages_that_ping() == []


async def test_a_reply_to_an_answer_without_the_ping_is_answered_in_context(fake, essaybot):
    _, answer = await mention(fake)

    asked = await fake.send_message("general", "alice", SECOND, reply_to=answer, reply_ping=False)
    reply = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert fake.messages[asked.id].mention_user_ids == ()
    assert following(reply) == FIRST


async def test_a_reply_to_an_ask_answer_is_answered_in_context(fake, essaybot):
    answer = await (await fake.send_slash_command("ask", {"question": FIRST})).final_message()

    asked = await fake.send_message("general", "bob", SECOND, reply_to=answer, reply_ping=False)
    reply = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert following(reply) == FIRST


async def test_the_follow_up_buttons_modal_is_answered_in_context(fake, start_bot):
    engine = FakeEngine()
    async with start_bot(engine=engine):
        answer = await (await fake.send_slash_command("ask", {"question": FIRST})).final_message()

        opened = await fake.click_button(answer, button(answer, "follow"), user="bob")
        modal = await opened.response()
        submitted = await fake.submit_modal(opened, {"question": SECOND})
        reply = await submitted.final_message(timeout=WAIT)

    assert modal.callback_type == 9 and modal.data["title"] == "Follow up on this answer"
    assert (await submitted.response()).callback_type == 5
    assert following(reply) == FIRST and not reply.ephemeral
    assert engine.conversations[-1].questions == (FIRST,)
    assert button(reply, "follow") != button(answer, "follow")


async def test_the_follow_up_of_an_ephemeral_answer_is_ephemeral(fake, essaybot):
    answer = await (
        await fake.send_slash_command("ask", {"question": FIRST, "ephemeral": True})
    ).final_message()

    opened = await fake.click_button(answer, button(answer, "follow"))
    reply = await (await fake.submit_modal(opened, {"question": SECOND})).final_message(timeout=WAIT)

    assert answer.ephemeral and reply.ephemeral and following(reply) == FIRST


async def test_more_excerpts_of_a_follow_up_keeps_its_conversation(fake, start_bot):
    engine = FakeEngine()
    async with start_bot(engine=engine, results_per_answer=1):
        _, answer = await mention(fake)
        asked = await fake.send_message("general", "alice", "alliance", reply_to=answer)
        follow_up = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

        click = await fake.click_button(follow_up, button(follow_up, "more"))
        more = await click.final_message(timeout=WAIT)

    assert following(more) == FIRST
    assert engine.conversations[-1] == engine.conversations[-2]
    assert "excerpt 2" in more.embeds[0]["footer"]["text"]


async def test_a_three_turn_conversation_in_the_bots_thread(fake, start_bot):
    engine = FakeEngine()
    async with start_bot(engine=engine, answer_in_threads=True):
        asked = await fake.send_message("general", "alice", f"{fake.world.bot.mention} {FIRST}")
        first = await answer_in_thread(fake, asked)
        thread = fake.thread_of(asked)

        second_asked = await fake.send_message(thread.id, "bob", SECOND)
        second = await fake.wait_for_message(thread.id, predicate=replying_to(second_asked), timeout=WAIT)
        third_asked = await fake.send_message(thread.id, "alice", THIRD)
        third = await fake.wait_for_message(thread.id, predicate=replying_to(third_asked), timeout=WAIT)

    assert thread.name == FIRST and thread.owner_id == fake.world.bot.id
    assert fake.messages_in("general") == []  # everything went into the thread
    assert first.message_reference is None and following(first) is None
    assert following(second) == FIRST and following(third) == SECOND
    assert engine.conversations[-1].questions == (FIRST, SECOND)


async def test_a_thread_archived_mid_conversation_reopens_for_the_next_question(fake, start_bot):
    async with start_bot(answer_in_threads=True):
        asked = await fake.send_message("general", "alice", f"{fake.world.bot.mention} {FIRST}")
        await answer_in_thread(fake, asked)
        await fake.archive_thread(asked.id)

        again = await fake.send_message(asked.id, "alice", SECOND)
        reply = await fake.wait_for_message(asked.id, predicate=replying_to(again), timeout=WAIT)

    assert following(reply) == FIRST


async def test_a_thread_locked_while_answering_is_a_logged_skip_not_a_traceback(fake, start_bot, caplog):
    engine = FakeEngine(gate=threading.Event(), hold=SECOND)
    async with start_bot(engine=engine, answer_in_threads=True):
        asked = await fake.send_message("general", "alice", f"{fake.world.bot.mention} {FIRST}")
        await answer_in_thread(fake, asked)
        await fake.send_message(asked.id, "alice", SECOND)
        await asyncio.to_thread(engine.started.wait, WAIT)

        await fake.archive_thread(asked.id, locked=True)
        engine.gate.set()
        await until(lambda: "archived and locked" in caplog.text, WAIT)

    assert len(fake.messages_in(asked.id)) == 1
    assert "Traceback" not in caplog.text


async def test_a_dm_within_the_window_follows_up_the_last_answer(fake, essaybot):
    first = await fake.send_dm("alice", FIRST)
    answer = await fake.wait_for_message(first.channel_id, after=first, timeout=WAIT)

    second = await fake.send_dm("alice", SECOND)
    reply = await fake.wait_for_message(first.channel_id, after=second, timeout=WAIT)

    assert following(answer) is None and following(reply) == FIRST


async def test_a_dm_after_the_window_is_a_new_conversation(fake, essaybot):
    first = await fake.send_dm("alice", FIRST)
    await fake.wait_for_message(first.channel_id, after=first, timeout=WAIT)
    essaybot.parts.answering.clock = lambda: time.time() + 16 * 60  # past ESSAYBOT_CONVERSATION_MINUTES

    second = await fake.send_dm("alice", SECOND)
    reply = await fake.wait_for_message(first.channel_id, after=second, timeout=WAIT)

    assert following(reply) is None


async def test_a_reply_to_another_users_message_is_ignored(fake, essaybot):
    _, answer = await mention(fake)
    bobs = await fake.send_message("general", "bob", "I think it was mistrust")

    await fake.send_message("general", "alice", "why do you think so?", reply_to=bobs)
    _, reply = await mention(fake, "alliance")

    assert [m.id for m in fake.messages_in("general")] == [answer.id, reply.id]


async def test_a_reply_to_another_users_message_that_mentions_the_bot_is_a_fresh_question(fake, essaybot):
    await mention(fake)
    bobs = await fake.send_message("general", "bob", "I think it was mistrust")

    asked = await fake.send_message(
        "general", "alice", f"{fake.world.bot.mention} was it mistrust?", reply_to=bobs, reply_ping=False
    )
    reply = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert following(reply) is None


async def test_a_follow_up_to_an_answer_from_before_a_restart_is_answered_in_context(
    fake, start_bot, tmp_path
):
    async with start_bot(data_dir=tmp_path / "state"):
        _, answer = await mention(fake)

    engine = FakeEngine()
    async with start_bot(engine=engine, data_dir=tmp_path / "state"):
        asked = await fake.send_message("general", "alice", SECOND, reply_to=answer)
        reply = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert following(reply) == FIRST
    assert engine.conversations[-1].questions == (FIRST,)


async def test_two_people_replying_to_one_answer_at_once_each_get_their_own_follow_up(fake, start_bot):
    engine = FakeEngine()
    async with start_bot(engine=engine):
        _, answer = await mention(fake)
        _, other = await mention(fake, THIRD, user="olivia")

        alices, bobs = await asyncio.gather(
            fake.send_message("general", "alice", SECOND, reply_to=answer),
            fake.send_message("general", "bob", "and how?", reply_to=other),
        )
        to_alice = await fake.wait_for_message("general", predicate=replying_to(alices), timeout=WAIT)
        to_bob = await fake.wait_for_message("general", predicate=replying_to(bobs), timeout=WAIT)

    assert following(to_alice) == FIRST and following(to_bob) == THIRD
    asked = {conversation.questions for conversation in engine.conversations[-2:]}
    assert asked == {(FIRST,), (THIRD,)}  # nobody's context mixed into another's


async def test_an_empty_follow_up_in_the_modal_is_told_so(fake, essaybot):
    answer = await (await fake.send_slash_command("ask", {"question": FIRST})).final_message()

    opened = await fake.click_button(answer, button(answer, "follow"))
    event = await (await fake.submit_modal(opened, {"question": "   "})).response()

    assert event.data["content"] == EMPTY_FOLLOW_UP and event.data["flags"] & 64


async def test_a_modal_submitted_after_the_answer_was_deleted_is_still_answered(fake, essaybot):
    answer = await (await fake.send_slash_command("ask", {"question": FIRST})).final_message()
    opened = await fake.click_button(answer, button(answer, "follow"))
    await opened.response()
    fake.messages[answer.id].deleted = True

    reply = await (await fake.submit_modal(opened, {"question": SECOND})).final_message(timeout=WAIT)

    assert following(reply) == FIRST


async def test_a_modal_for_a_forgotten_answer_says_to_ask_again(fake, start_bot, tmp_path):
    async with start_bot(data_dir=tmp_path / "first"):
        answer = await (await fake.send_slash_command("ask", {"question": FIRST})).final_message()
        opened = await fake.click_button(answer, button(answer, "follow"))
        await opened.response()

    async with start_bot(data_dir=tmp_path / "elsewhere"):
        event = await (await fake.submit_modal(opened, {"question": SECOND})).response()

    assert event.data["content"] == BUTTON_EXPIRED and event.data["flags"] & 64


async def test_a_reply_to_a_forgotten_answer_is_answered_as_a_new_question(fake, start_bot, tmp_path):
    async with start_bot(data_dir=tmp_path / "first"):
        _, answer = await mention(fake)

    async with start_bot(data_dir=tmp_path / "elsewhere"):
        asked = await fake.send_message("general", "alice", SECOND, reply_to=answer)
        reply = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert reply.embeds and following(reply) is None


async def test_a_reply_after_the_index_was_rebuilt_is_answered(fake, essaybot):
    _, answer = await mention(fake)
    essaybot.services.engines.swap(FakeEngine(name="rebuilt"))

    asked = await fake.send_message("general", "alice", SECOND, reply_to=answer)
    reply = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert following(reply) == FIRST


async def test_a_very_long_reply_is_told_the_limit(fake, essaybot):
    _, answer = await mention(fake)

    asked = await fake.send_message("general", "alice", "why " * 450, reply_to=answer)  # 1,800 characters
    reply = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert reply.content == question_too_long(MAX_MESSAGE_QUESTION) and pings_nobody(reply)


async def test_about_and_the_mention_help_say_how_to_follow_up(fake, essaybot):
    about = await (await fake.send_slash_command("about")).response()
    asked = await fake.send_message("general", "alice", fake.world.bot.mention)
    help_text = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert "reply to one of my answers" in about.data["embeds"][0]["description"]
    assert "**Follow up**" in help_text.content and "reply to one of my answers" in help_text.content


async def test_a_thread_conversation_continues_after_a_restart(fake, start_bot, tmp_path):
    async with start_bot(answer_in_threads=True, data_dir=tmp_path / "state"):
        asked = await fake.send_message("general", "alice", f"{fake.world.bot.mention} {FIRST}")
        await answer_in_thread(fake, asked)

    async with start_bot(answer_in_threads=True, data_dir=tmp_path / "state"):
        again = await fake.send_message(asked.id, "bob", SECOND)
        reply = await fake.wait_for_message(asked.id, predicate=replying_to(again), timeout=WAIT)

    assert following(reply) == FIRST


@pytest.fixture(scope="module")
def real_engine(tmp_path_factory):
    """The real engine on the real corpus, with the hashing embedder: real turns, built in a second."""
    out = tmp_path_factory.mktemp("conversation-index") / "index"
    build_index(CORPUS_DIR, out, HashingEmbedder())
    return Engine.load(out, HashingEmbedder())


@pytest.mark.model
async def test_with_the_real_engine_small_talk_facts_and_a_follow_up_render_with_the_right_buttons(
    fake, start_bot, real_engine
):
    async with start_bot(engine=real_engine):
        _, hello = await mention(fake, "hi")
        _, author = await mention(fake, "who wrote this essay?")
        _, content = await mention(fake, "why did the 1950 alliance fail?")
        asked = await fake.send_message("general", "alice", "go on", reply_to=content)
        more = await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    assert [cid.split(":")[1] for cid in hello.custom_ids] == ["follow", "up", "down"]
    assert hello.embeds[0]["description"].strip()
    assert "follow" in [cid.split(":")[1] for cid in author.custom_ids]
    assert author.embeds[0]["description"].strip() and not author.embeds[0]["description"].startswith(
        "The essay doesn't address that"
    )
    assert following(more) == "why did the 1950 alliance fail?"
    for message in (hello, author, content, more):
        assert pings_nobody(message)


async def test_a_reply_to_a_refusal_is_asked_with_the_refused_question_aside(fake, start_bot):
    """A refusal is no context for the next question, but a fragment replying to it ("and rye?")
    continues it: the engine gets the refused question as ``Conversation.refused``."""
    engine = FakeEngine()
    async with start_bot(engine=engine):
        _, refusal = await mention(fake, "how do I bake bread?")
        asked = await fake.send_message("general", "alice", "and rye?", reply_to=refusal, reply_ping=False)
        await fake.wait_for_message("general", predicate=replying_to(asked), timeout=WAIT)

    conversation = engine.conversations[-1]
    assert conversation.questions == () and conversation.refused == "how do I bake bread?"
