"""The client's shared behaviour without a connection: where it answers, who may reindex, what it sends."""

from dataclasses import replace
from types import SimpleNamespace

import discord
import pytest
import yarl
from discord.http import Route

from bot.answer_log import AnswerLog
from bot.client import EssayBot, ShardedEssayBot, create_bot, point_discord_py_at
from bot.cogs.ask import mention_pattern, question_from_text
from bot.cooldown import Cooldown
from bot.engine_holder import EngineHolder
from bot.feedback import FeedbackLog
from bot.render import ANSWER_FAILED, NO_MORE_EXCERPTS, NOT_IN_THIS_CHANNEL, SHUTTING_DOWN
from bot.services import Services
from bot.settings import Settings
from index.answering.answers import Answer, AnswerKind, Excerpt
from tests.bot_fakes import FakeEngine


@pytest.fixture(autouse=True)
def restore_discord_endpoints():
    base, gateway = Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


def make_settings(tmp_path, **values) -> Settings:
    values.setdefault("cooldown_seconds", 5)
    return Settings(_env_file=None, data_dir=tmp_path, discord_api_url="http://127.0.0.1:1/api/v10", **values)


def make_services(tmp_path, engine=None) -> Services:
    return Services(
        engines=EngineHolder(engine or FakeEngine(), window=0.001),
        feedback=FeedbackLog(tmp_path / "feedback.jsonl"),
        answers=AnswerLog(tmp_path / "answers.jsonl"),
        cooldown=Cooldown(5),
    )


@pytest.fixture
async def bot(tmp_path):
    client = create_bot(
        make_settings(tmp_path, allowed_channel_ids=[10], admin_user_ids=[99]), make_services(tmp_path)
    )
    yield client
    await client.services.engines.aclose()
    await client.close()


def channel(channel_id: int, *, guild: bool = True, parent_id: int | None = None):
    return SimpleNamespace(id=channel_id, guild=object() if guild else None, parent_id=parent_id)


def test_discord_py_is_pointed_at_the_configured_rest_and_gateway():
    point_discord_py_at("http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9/gateway")

    assert Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
    assert yarl.URL("ws://127.0.0.1:9/gateway") == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


async def test_the_plain_client_is_used_unless_shards_are_configured(tmp_path):
    plain = create_bot(make_settings(tmp_path), make_services(tmp_path))
    sharded = create_bot(make_settings(tmp_path, shard_count=4, shard_ids=[1, 3]), make_services(tmp_path))

    assert type(plain) is EssayBot
    assert isinstance(sharded, ShardedEssayBot) and isinstance(sharded, discord.AutoShardedClient)
    assert (sharded.shard_count, sharded.shard_ids) == (4, [1, 3])
    await plain.close()  # (a sharded client that never started cannot be closed: discord.py quirk)


def test_shard_ids_without_a_shard_count_are_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="SHARD_COUNT"):
        create_bot(make_settings(tmp_path, shard_ids=[0]), make_services(tmp_path))


async def test_the_bot_asks_for_the_message_content_intent(bot):
    assert bot.intents.message_content and bot.intents.guilds and bot.intents.dm_messages


async def test_questions_are_answered_in_allowed_channels_their_threads_and_dms(bot):
    assert bot.parts.access.answers_in(channel(10))
    assert bot.parts.access.answers_in(channel(11, parent_id=10))
    assert bot.parts.access.answers_in(channel(12, guild=False))
    assert not bot.parts.access.answers_in(channel(12))


async def test_refusals_say_why_and_only_an_accepted_question_starts_the_cooldown(bot):
    assert bot.parts.access.refusal(1, channel(12)) == NOT_IN_THIS_CHANNEL
    assert bot.parts.access.refusal(1, channel(10)) is None
    assert bot.parts.access.refusal(1, channel(10)).startswith("You're asking quickly — try again in")
    bot.in_flight.accepting = False
    assert bot.parts.access.refusal(2, channel(10)) == SHUTTING_DOWN


async def test_configured_admins_or_members_with_manage_server_may_reindex(bot):
    admin, member = SimpleNamespace(id=99), SimpleNamespace(id=5)
    manager = discord.Permissions(manage_guild=True)

    assert bot.parts.access.is_admin(admin, discord.Permissions.none(), in_guild=True)
    assert bot.parts.access.is_admin(admin, None, in_guild=False)
    assert bot.parts.access.is_admin(member, manager, in_guild=True)
    assert not bot.parts.access.is_admin(member, discord.Permissions.none(), in_guild=True)
    assert not bot.parts.access.is_admin(member, manager, in_guild=False)


async def test_an_answer_comes_with_its_five_buttons_and_is_remembered_for_them(bot):
    reply = await bot.parts.answering.reply("why did the 1950 alliance fail?")

    (embed,) = reply.embeds
    custom_ids = [item.custom_id for item in reply.view.children]
    key = custom_ids[0].rsplit(":", 1)[1]
    assert [cid.split(":")[1] for cid in custom_ids] == ["more", "para", "follow", "up", "down"]
    labels = [item.item.label for item in reply.view.children[:3]]
    assert labels == ["More excerpts", "Show paragraph", "Follow up"]
    assert [str(item.item.emoji) for item in reply.view.children[3:]] == ["👍", "👎"]
    record = bot.services.answers.get(key)
    assert record.question == "why did the 1950 alliance fail?"
    assert all(excerpt.text in embed.description for excerpt in record.excerpts)
    restarted = AnswerLog(bot.services.answers.path)
    restarted.load()
    assert restarted.get(key) == record


async def test_an_abstention_gets_only_the_follow_up_and_feedback_buttons(bot):
    reply = await bot.parts.answering.reply("how do I cook pasta?")

    assert reply.embeds[0].description.startswith("The essay doesn't address that.")
    assert [item.custom_id.split(":")[1] for item in reply.view.children] == ["follow", "up", "down"]


async def test_past_the_last_excerpt_more_says_so(bot):
    reply = await bot.parts.answering.reply("alliance", skip=50)

    assert reply.embeds[0].description == NO_MORE_EXCERPTS
    assert reply.view is None


async def test_an_engine_failure_is_an_apology_not_a_crash(tmp_path):
    class Broken(FakeEngine):
        def answer_many(self, questions, k=3, skip=0, conversations=None):
            raise RuntimeError("boom")

    client = create_bot(make_settings(tmp_path), make_services(tmp_path, Broken()))

    reply = await client.parts.answering.reply("anything")

    assert reply.content == ANSWER_FAILED
    await client.services.engines.aclose()
    await client.close()


async def test_questions_in_flight_are_counted_until_they_finish(bot):
    assert await bot.in_flight.wait_idle(0.01)
    with bot.in_flight.track():
        assert bot.in_flight.count == 1
        assert not await bot.in_flight.wait_idle(0.01)
    assert await bot.in_flight.wait_idle(1)


def test_the_question_in_a_mention_is_its_text_without_the_bot():
    pattern = mention_pattern(123, role_id=456)

    assert (
        question_from_text("<@123> why did the  1950 alliance fail?", pattern)
        == "why did the 1950 alliance fail?"
    )
    assert question_from_text("hey <@!123>, what about 1896?", pattern) == "hey , what about 1896?"
    assert question_from_text("<@&456> what is an alliance?", pattern) == "what is an alliance?"
    assert question_from_text("<@123>", pattern) == ""
    assert not pattern.search("<@1234> not me")


def test_the_question_in_a_message_drops_other_discord_markup():
    """ "<@789> what did putin say?" searched for "789": other people's mentions, channels, custom emoji and
    timestamps are no words of a question."""
    pattern = mention_pattern(123)

    asked = question_from_text(
        "<@123> <@!789> <#42> what did putin say <:pepe:991> <t:1700000000:R>?", pattern
    )
    assert asked == "what did putin say ?"
    assert question_from_text("is <@123> a bot", pattern) == "is a bot"


class QuotingInOrder(FakeEngine):
    """Answers as the engine answers "what does ¶1 say?": the document's own text in reading order (no score)."""

    def _answer(self, question, k, skip, conversation=None):
        answer = super()._answer(question, k, skip, conversation)
        unscored = tuple(replace(excerpt, score=None) for excerpt in answer.excerpts)
        return replace(answer, excerpts=unscored, message="¶1 of 3:", turn=AnswerKind.ABOUT)


async def test_text_quoted_in_reading_order_offers_more_excerpts_and_other_replies_about_the_document_do_not(
    tmp_path,
):
    """ "what does section 3 say?" quotes the section's first excerpts: More excerpts reads on (the summary's
    scored excerpts, or front-matter facts, have no next page)."""
    client = create_bot(make_settings(tmp_path), make_services(tmp_path, QuotingInOrder()))
    try:
        in_order = await client.parts.answering.reply("alliance")
        actions = [child.custom_id.split(":")[1] for child in in_order.view.children]
        assert "more" in actions
    finally:
        await client.services.engines.aclose()
        await client.close()
    summary = Answer(
        "tl;dr", excerpts=(Excerpt("d", "T", "S", 1, 0, 5, "Words", 2.5),), turn=AnswerKind.ABOUT
    )
    assert not summary.pages_on and not Answer("who wrote it?", message="…", turn=AnswerKind.ABOUT).pages_on
