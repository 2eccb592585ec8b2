"""Tests of the fake Discord itself, driving a minimal real discord.py client over loopback."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import zlib
from collections.abc import AsyncIterator

import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.webhook.async_ import async_context, interaction_response_params

from tests.fake_discord import (
    FakeDiscord,
    Overwrite,
    World,
    discord_py_pointed_at,
)
from tests.fake_discord import limits as fake_limits
from tests.fake_discord import permissions as fake_perms
from tests.fake_discord.gateway import _ZlibStream, zstd_available
from tests.fake_discord.harness import running, serving, until

WAIT = 5.0


class FeedbackForm(discord.ui.Modal, title="Feedback"):
    why: discord.ui.TextInput[FeedbackForm] = discord.ui.TextInput(label="What was wrong?", custom_id="why")

    def __init__(self, into: list[str]) -> None:
        super().__init__()
        self.into = into

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.into.append(self.why.value)
        await interaction.response.send_message("Thanks", ephemeral=True)


class MiniBot(discord.Client):
    """The smallest client that exercises what EssayBot needs: messages, slash commands with defer,
    autocomplete, a message context menu and a button."""

    def __init__(self, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(
            intents=intents, guild_ready_timeout=0.05, allowed_mentions=discord.AllowedMentions.none()
        )
        self.tree = app_commands.CommandTree(self)
        self.received: list[discord.Message] = []
        self.errors: list[Exception] = []
        self.gate = asyncio.Event()
        self.choice_count = 3
        self.feedback: list[str] = []
        self._add_commands()

    def _add_commands(self) -> None:
        bot = self

        @self.tree.command()
        @app_commands.describe(question="What to ask about the essay")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            """Ask a question about the essay."""
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(f"Answer to: {question}")

        @ask.autocomplete("question")
        async def ask_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=f"{current} {i}", value=f"q{i}") for i in range(bot.choice_count)
            ]

        @self.tree.command()
        async def slow(interaction: discord.Interaction) -> None:
            """Waits for the test before acknowledging."""
            await bot.gate.wait()
            try:
                await interaction.response.defer()
            except discord.HTTPException as exc:
                bot.errors.append(exc)

        @self.tree.command()
        async def twice(interaction: discord.Interaction) -> None:
            """Acknowledges, then (bypassing discord.py's own guard) acknowledges again."""
            await interaction.response.defer()
            params = interaction_response_params(type=4, data={"content": "again"})
            try:
                await async_context.get().create_interaction_response(
                    interaction.id, interaction.token, session=interaction._session, params=params
                )
            except discord.HTTPException as exc:
                bot.errors.append(exc)

        @self.tree.command()
        async def early(interaction: discord.Interaction) -> None:
            """Sends a follow-up before any callback."""
            try:
                await interaction.followup.send("too early")
            except discord.HTTPException as exc:
                bot.errors.append(exc)
            await interaction.response.send_message("now properly", ephemeral=True)

        @self.tree.command()
        async def menu(interaction: discord.Interaction) -> None:
            """Sends a message with a button."""
            view = discord.ui.View(timeout=None)
            button: discord.ui.Button[discord.ui.View] = discord.ui.Button(label="More", custom_id="more")

            async def expand(click: discord.Interaction) -> None:
                await click.response.edit_message(content="Expanded", view=None)

            button.callback = expand
            view.add_item(button)
            await interaction.response.send_message("Short answer", view=view)

        @self.tree.command()
        async def survey(interaction: discord.Interaction) -> None:
            """Sends a message whose button opens the feedback form."""
            view = discord.ui.View(timeout=None)
            button: discord.ui.Button[discord.ui.View] = discord.ui.Button(label="Tell us", custom_id="form")

            async def open_form(click: discord.Interaction) -> None:
                await click.response.send_modal(FeedbackForm(bot.feedback))

            button.callback = open_form
            view.add_item(button)
            await interaction.response.send_message("How was it?", view=view)

        @self.tree.command()
        async def feedback(interaction: discord.Interaction) -> None:
            """Opens a feedback form."""
            await interaction.response.send_modal(FeedbackForm(bot.feedback))

        @self.tree.context_menu(name="Quote in Essay")
        async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(f"You picked: {message.content}", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before every re-IDENTIFY (Discord's identify limit); tests need not."""

    async def on_message(self, message: discord.Message) -> None:
        self.received.append(message)
        if not message.author.bot and message.content.startswith("!echo "):
            await message.reply(message.content.removeprefix("!echo "))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serving() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord, caplog: pytest.LogCaptureFixture) -> AsyncIterator[MiniBot]:
    async with running(MiniBot(), fake.token) as client:
        yield client
    # discord.py logs, rather than raises, when it cannot parse a payload: a fake that sends
    # malformed events would otherwise go unnoticed.
    errors = [
        r.getMessage() for r in caplog.records if r.name.startswith("discord") and r.levelno >= logging.ERROR
    ]
    assert errors == []


# ----- connecting ------------------------------------------------------------------------------


async def test_client_connects_and_sees_the_guild_with_resolvable_permissions(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    guild = bot.get_guild(fake.world.guild.id)

    assert bot.user is not None and bot.user.id == fake.world.bot.id
    assert bot.application_id == fake.world.application_id
    assert guild is not None and guild.me is not None
    assert {c.name for c in guild.text_channels} == {"general", "announcements", "staff"}
    for channel in guild.text_channels:
        expected = fake.world.guild.permissions_in(fake.channel(channel.id), fake.world.bot.id)
        seen = channel.permissions_for(guild.me)
        for bit, name in [
            (fake_perms.VIEW_CHANNEL, "view_channel"),
            (fake_perms.SEND_MESSAGES, "send_messages"),
            (fake_perms.EMBED_LINKS, "embed_links"),
            (fake_perms.MANAGE_MESSAGES, "manage_messages"),
        ]:
            assert getattr(seen, name) == bool(expected & bit), (channel.name, name)
    assert not guild.get_channel(fake.channel("announcements").id).permissions_for(guild.me).send_messages
    assert fake.unexpected_requests == []


async def test_gateway_speaks_v10_json_over_zlib_stream_and_acks_heartbeats(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    connection = fake.gateway.connections[0]
    since = len(fake.frames)

    await fake.request_heartbeat()
    await fake.wait_for_frame(lambda f: f.direction == "recv" and f.op == 1, since=since)

    assert connection.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    ops = [(f.direction, f.op, f.t) for f in fake.frames]
    assert ops[0] == ("send", 10, None)
    assert ("recv", 2, None) in ops
    assert ("send", 0, "READY") in ops and ("send", 0, "GUILD_CREATE") in ops
    assert ("send", 11, None) in ops
    identify = next(f for f in fake.frames if f.op == 2)
    assert identify.d["token"] == "<redacted>"


async def test_login_with_a_wrong_token_raises_login_failure(fake: FakeDiscord) -> None:
    client = MiniBot()

    with pytest.raises(discord.LoginFailure):
        await asyncio.wait_for(client.start("not-the-token"), WAIT)
    await client.close()

    login = fake.requests_to("GET /users/@me")[0]
    assert login.status == 401 and login.auth == "invalid"
    assert login.headers["Authorization"] == "Bot <redacted>"
    assert "not-the-token" not in repr(login)


async def test_identify_with_a_reset_token_is_closed_with_4004(fake: FakeDiscord) -> None:
    client = MiniBot()
    await client.login(fake.token)
    fake.rotate_token()

    with pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(client.connect(), WAIT)
    await client.close()

    assert closed.value.code == 4004


async def test_privileged_intent_not_enabled_raises_privileged_intents_required() -> None:
    async with FakeDiscord(World.default(privileged_intents=())) as fake:
        with discord_py_pointed_at(fake):
            client = MiniBot(message_content=True)

            with pytest.raises(discord.PrivilegedIntentsRequired):
                await asyncio.wait_for(client.start(fake.token), WAIT)
            await client.close()

        closes = [f.d["close"] for f in fake.frames if f.op is None]
        assert closes == [4014]


async def test_without_message_content_intent_guild_messages_arrive_blank_unless_the_bot_is_mentioned() -> (
    None
):
    async with FakeDiscord(World.default(privileged_intents=())) as fake:
        with discord_py_pointed_at(fake):
            async with running(MiniBot(message_content=False), fake.token) as client:
                await fake.send_message(content="hello there")
                await fake.send_message(content=f"{fake.world.bot.mention} hello")
                await until(lambda: len(client.received) == 2)

    assert [m.content for m in client.received] == ["", f"{fake.world.bot.mention} hello"]


class ShardedBot(discord.AutoShardedClient):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.received: list[str] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s pause between shards' IDENTIFYs."""

    async def on_message(self, message: discord.Message) -> None:
        self.received.append(message.content)


async def test_autosharded_client_needs_only_the_rest_base_and_gets_each_guild_on_its_shard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FakeDiscord(recommended_shards=2) as fake:
        monkeypatch.setattr(Route, "BASE", fake.api_url)
        # A closed local port: if discord.py fell back to DEFAULT_GATEWAY it would fail here, never go out.
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL("ws://127.0.0.1:9/"))

        async with running(ShardedBot(), fake.token) as client:
            await fake.send_message(content="to the right shard")
            await until(lambda: client.received == ["to the right shard"])

        guild_shard = (fake.world.guild.id >> 22) % 2
        assert sorted(s.shard for s in fake.sessions) == [(0, 2), (1, 2)]
        assert [s.shard[0] for s in fake.sessions if s.seq > 1] == [guild_shard]
        assert fake.requests_to("GET /gateway/bot")[0].status == 200


# ----- messages ---------------------------------------------------------------------------------


async def test_message_reaches_on_message_and_the_reply_is_recorded_without_pings(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    sent = await fake.send_message("general", "alice", "!echo the thesis")

    reply = await fake.wait_for_message("general")

    assert any(m.id == sent.id for m in bot.received)
    assert reply.content == "the thesis"
    assert reply.message_reference is not None and reply.message_reference["message_id"] == str(sent.id)
    assert reply.allowed_mentions == {"parse": []}
    assert not reply.pings
    assert fake.messages_that_ping() == []


async def test_a_reply_that_allows_mentions_is_reported_as_pinging(fake: FakeDiscord, bot: MiniBot) -> None:
    sent = await fake.send_message(content="hi")
    channel = bot.get_channel(fake.channel("general").id)
    original = await channel.fetch_message(sent.id)

    await original.reply(f"<@{fake.world.user('bob').id}>", allowed_mentions=discord.AllowedMentions.all())

    (message,) = fake.messages_that_ping()
    assert message.pings.users == {fake.world.user("bob").id}
    assert message.pings.replied_user == fake.world.user("alice").id


async def test_dm_round_trip_and_a_user_who_refuses_dms(fake: FakeDiscord, bot: MiniBot) -> None:
    sent = await fake.send_dm("alice", "!echo in private")

    reply = await fake.wait_for_message(sent.channel_id)
    bob = await bot.fetch_user(fake.world.user("bob").id)
    with pytest.raises(discord.Forbidden) as refused:
        await bob.send("hello")

    assert reply.content == "in private" and reply.guild_id is None
    assert refused.value.code == 50007


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"content": "x" * 2001}, 50035),
        ({"content": "   "}, 50006),
        ({"embed": discord.Embed(description="x" * 4097)}, 50035),
        (
            {
                "embeds": [
                    discord.Embed(title="t", description="x" * 4000),
                    discord.Embed(description="y" * 2000),
                ]
            },
            50035,
        ),
        ({"embed": discord.Embed(title="t").add_field(name="n", value="v" * 1025)}, 50035),
    ],
)
async def test_messages_over_discord_limits_are_rejected_with_400(
    fake: FakeDiscord, bot: MiniBot, kwargs: dict[str, object], code: int
) -> None:
    channel = bot.get_channel(fake.channel("general").id)

    with pytest.raises(discord.HTTPException) as rejected:
        await channel.send(**kwargs)

    assert rejected.value.status == 400
    assert rejected.value.code == code
    assert fake.messages_in("general") == []


async def test_channel_permissions_are_enforced(fake: FakeDiscord, bot: MiniBot) -> None:
    with pytest.raises(discord.Forbidden) as cannot_send:
        await bot.get_channel(fake.channel("announcements").id).send("hi")
    with pytest.raises(discord.Forbidden) as cannot_see:
        await bot.get_channel(fake.channel("staff").id).send("hi")

    assert cannot_send.value.code == 50013
    assert cannot_see.value.code == 50001


async def test_a_file_upload_is_parsed_from_multipart(fake: FakeDiscord, bot: MiniBot) -> None:
    channel = bot.get_channel(fake.channel("general").id)

    await channel.send("notes", file=discord.File(io.BytesIO(b"hello"), "notes.txt"))

    (request,) = fake.requests_to("POST /channels/{channel_id}/messages")
    assert request.multipart and request.json["content"] == "notes"
    assert [(f.filename, f.size) for f in request.files] == [("notes.txt", 5)]
    assert fake.messages_in("general")[0].attachments[0].filename == "notes.txt"


async def test_an_unknown_route_is_404_and_recorded_as_unexpected(fake: FakeDiscord, bot: MiniBot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/guilds/{guild_id}/audit-logs", guild_id=fake.world.guild.id))

    assert [r.path for r in fake.unexpected_requests] == [f"/guilds/{fake.world.guild.id}/audit-logs"]
    with pytest.raises(AssertionError, match="audit-logs"):
        fake.assert_clean()


# ----- faults -----------------------------------------------------------------------------------


async def test_a_429_is_retried_after_retry_after_and_delivered_once(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.faults.rate_limit("POST /channels/{channel_id}/messages", retry_after=0.2)
    channel = bot.get_channel(fake.channel("general").id)
    loop = asyncio.get_running_loop()

    started = loop.time()
    await channel.send("after the limit")
    elapsed = loop.time() - started

    statuses = [r.status for r in fake.requests_to("POST /channels/{channel_id}/messages")]
    assert statuses == [429, 200]
    assert elapsed >= 0.2
    assert [m.content for m in fake.messages_in("general")] == ["after the limit"]


async def test_a_global_429_is_retried_too(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.faults.rate_limit("*", retry_after=0.1, is_global=True)

    await bot.get_channel(fake.channel("general").id).send("ok")

    first = fake.requests_to("POST /channels/{channel_id}/messages")[0]
    assert first.status == 429 and first.response["global"] is True
    assert len(fake.messages_in("general")) == 1


async def test_a_cloudflare_429_without_via_is_not_retried(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.faults.cloudflare_ban("POST /channels/{channel_id}/messages")

    with pytest.raises(discord.HTTPException) as banned:
        await bot.get_channel(fake.channel("general").id).send("ok")

    assert banned.value.status == 429
    assert fake.messages_in("general") == []


async def test_a_502_is_retried_and_delivered_once(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.faults.server_error("POST /channels/{channel_id}/messages", status=502)

    await bot.get_channel(fake.channel("general").id).send("eventually")

    assert [r.status for r in fake.requests_to("POST /channels/{channel_id}/messages")] == [502, 200]
    assert len(fake.messages_in("general")) == 1


async def test_injected_missing_permissions_for_one_channel(fake: FakeDiscord, bot: MiniBot) -> None:
    general = fake.channel("general")
    fault = fake.faults.missing_permissions(general.id, times=1)

    with pytest.raises(discord.Forbidden) as refused:
        await bot.get_channel(general.id).send("first")
    await bot.get_channel(general.id).send("second")

    assert refused.value.code == 50013 and fault.hits == 1
    assert [m.content for m in fake.messages_in(general)] == ["second"]


async def test_a_slow_response_is_still_delivered(fake: FakeDiscord, bot: MiniBot) -> None:
    fake.faults.slow("POST /channels/{channel_id}/messages", seconds=0.2)
    loop = asyncio.get_running_loop()

    started = loop.time()
    await bot.get_channel(fake.channel("general").id).send("late but fine")

    (request,) = fake.requests_to("POST /channels/{channel_id}/messages")
    assert loop.time() - started >= 0.2
    assert request.status == 200 and request.fault == "slow"


async def test_normal_responses_carry_rate_limit_headers(fake: FakeDiscord, bot: MiniBot) -> None:
    await bot.get_channel(fake.channel("general").id).send("hi")

    request = fake.requests_to("POST /channels/{channel_id}/messages")[0]
    assert request.status == 200
    assert {
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset-After",
        "X-RateLimit-Bucket",
    } <= set(request.response_headers)


# ----- gateway resilience -----------------------------------------------------------------------


def contents(bot: MiniBot) -> list[str]:
    return [m.content for m in bot.received if not m.author.bot]


async def test_reconnect_opcode_leads_to_resume_with_no_event_lost_or_duplicated(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    await fake.send_message(content="before")
    await until(lambda: contents(bot) == ["before"])

    await fake.reconnect()
    for word in ("during-1", "during-2"):
        await fake.send_message(content=word)
    await fake.wait_for_resume()
    await fake.send_message(content="after")

    await until(lambda: len(contents(bot)) >= 4)
    await asyncio.sleep(0.1)
    assert contents(bot) == ["before", "during-1", "during-2", "after"]
    resume = next(f for f in fake.frames if f.op == 6)
    assert resume.d["session_id"] == fake.sessions[0].id and resume.d["token"] == "<redacted>"
    assert fake.gateway.connections[-1].path == "/resume-gateway"
    assert fake.gateway.identifies == 1


async def test_abnormal_close_1006_leads_to_resume_with_no_event_lost_or_duplicated(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    for i in range(3):
        await fake.send_message(content=f"before-{i}")
    await until(lambda: len(contents(bot)) == 3)

    await fake.drop_connection()
    for i in range(3):
        await fake.send_message(content=f"during-{i}")
    await fake.wait_for_resume()

    await until(lambda: len(contents(bot)) >= 6)
    await asyncio.sleep(0.1)
    assert contents(bot) == [f"before-{i}" for i in range(3)] + [f"during-{i}" for i in range(3)]
    assert fake.gateway.connections[0].close_code == 1006
    assert fake.gateway.identifies == 1


async def test_a_server_close_with_4000_is_resumed(fake: FakeDiscord, bot: MiniBot) -> None:
    await fake.close_gateway(4000, "Unknown error.")
    await fake.send_message(content="after the close")

    await fake.wait_for_resume()

    await until(lambda: contents(bot) == ["after the close"])


async def test_discord_pys_close_sends_4000_so_the_session_stays_resumable(fake: FakeDiscord) -> None:
    """``Client.close()`` during normal operation: aiohttp lets the polling task's own
    ``close(code=4000)`` win over ``close(code=1000)``. Discord keeps such a session resumable."""
    async with running(MiniBot(), fake.token):
        pass

    assert fake.gateway.connections[-1].close_code == 4000
    assert fake.sessions[0].alive


async def test_a_close_with_1000_ends_the_session(fake: FakeDiscord) -> None:
    client = MiniBot()
    task = asyncio.create_task(client.start(fake.token))
    await asyncio.wait_for(client.wait_until_ready(), WAIT)

    task.cancel()  # stop polling first, as AutoShardedClient's shards do, so 1000 is what goes out
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await client.close()
    await until(lambda: fake.gateway.connections[-1].close_code is not None)

    assert fake.gateway.connections[-1].close_code == 1000
    assert not fake.sessions[0].alive


async def test_resumable_invalid_session_resumes(fake: FakeDiscord, bot: MiniBot) -> None:
    await fake.invalidate_session(resumable=True)
    await fake.send_message(content="kept")

    await fake.wait_for_resume()

    await until(lambda: contents(bot) == ["kept"])
    assert fake.gateway.identifies == 1


async def test_non_resumable_invalid_session_makes_the_client_identify_again(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    first_session = fake.sessions[0]

    await fake.invalidate_session(resumable=False)
    await until(lambda: fake.gateway.identifies == 2)
    await fake.wait_until_ready()
    await fake.send_message(content="new session")

    await until(lambda: contents(bot) == ["new session"])
    assert not first_session.alive
    assert fake.gateway.resumes == 0


# ----- application commands and interactions ----------------------------------------------------


async def test_synced_commands_are_stored_with_their_definitions(fake: FakeDiscord, bot: MiniBot) -> None:
    commands = {c["name"]: c for c in fake.synced_commands()}

    assert set(commands) == {"ask", "slow", "twice", "early", "menu", "survey", "feedback", "Quote in Essay"}
    assert commands["ask"]["type"] == 1
    assert commands["ask"]["description"] == "Ask a question about the essay."
    assert commands["ask"]["options"] == [
        {
            "type": 3,
            "name": "question",
            "description": "What to ask about the essay",
            "required": True,
            "autocomplete": True,
        }
    ]
    assert commands["Quote in Essay"]["type"] == 3 and commands["Quote in Essay"]["description"] == ""


@pytest.mark.parametrize(
    ("command", "field"),
    [
        ({"name": "Ask", "description": "d", "type": 1}, "name"),
        ({"name": "two words", "description": "d", "type": 1}, "name"),
        ({"name": "ask", "description": "", "type": 1}, "description"),
        ({"name": "ask", "description": "d" * 101, "type": 1}, "description"),
        (
            {
                "name": "ask",
                "description": "d",
                "type": 1,
                "options": [{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)],
            },
            "options",
        ),
        ({"name": "Quote", "description": "not allowed", "type": 3}, "description"),
        ({"name": "x" * 33, "type": 3}, "name"),
    ],
)
async def test_invalid_command_definitions_are_rejected_on_sync(
    fake: FakeDiscord, bot: MiniBot, command: dict[str, object], field: str
) -> None:
    with pytest.raises(discord.HTTPException) as rejected:
        await bot.http.bulk_upsert_global_commands(bot.application_id, payload=[command])

    assert rejected.value.status == 400 and rejected.value.code == 50035
    assert field in rejected.value.text


async def test_defer_then_follow_up_fills_in_the_deferred_response(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("ask", {"question": "What is the thesis?"})

    answer = await handle.final_message()

    assert answer.content == "Answer to: What is the thesis?"
    assert [(e.kind, e.status, e.callback_type) for e in handle.events] == [
        ("callback", 200, 5),
        ("followup", 200, None),
    ]
    assert handle.events[0].after < fake.interaction_deadline
    assert fake.interaction_responses(handle.id) == handle.events


async def test_a_callback_after_three_seconds_is_unknown_interaction(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("slow")

    fake.clock.advance(3.5)
    bot.gate.set()
    await until(lambda: bot.errors)

    assert isinstance(bot.errors[0], discord.NotFound) and bot.errors[0].code == 10062
    assert [(e.kind, e.status, e.error_code) for e in handle.events] == [("callback", 404, 10062)]


async def test_a_second_callback_is_rejected_as_already_acknowledged(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("twice")

    await until(lambda: bot.errors)

    assert bot.errors[0].status == 400 and bot.errors[0].code == 40060
    assert [(e.status, e.error_code) for e in handle.events] == [(200, None), (400, 40060)]


async def test_a_follow_up_before_any_callback_is_unknown_webhook(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("early")

    reply = await handle.final_message()

    assert isinstance(bot.errors[0], discord.NotFound) and bot.errors[0].code == 10015
    assert reply.ephemeral and reply.content == "now properly"
    assert reply.id not in {m.id for m in bot.received}  # ephemeral: no MESSAGE_CREATE


async def test_interaction_token_expires_after_fifteen_minutes(fake: FakeDiscord, bot: MiniBot) -> None:
    handle = await fake.send_slash_command("ask", {"question": "q"})
    await handle.final_message()
    fake.clock.advance(15 * 60 + 1)

    interaction_webhook = discord.Webhook.from_url(
        f"https://discord.com/api/webhooks/{fake.world.application_id}/{handle.token}", client=bot
    )
    with pytest.raises(discord.HTTPException) as expired:
        await interaction_webhook.send("late", wait=True)

    assert expired.value.status == 401 and expired.value.code == 50027


async def test_autocomplete_choices_are_returned_and_more_than_25_are_rejected(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    handle = await fake.send_autocomplete("ask", "question", "thesis")
    choices = await handle.choices()

    bot.choice_count = 26
    too_many = await fake.send_autocomplete("ask", "question", "thesis")
    await until(lambda: too_many.events)

    assert choices == [{"name": f"thesis {i}", "value": f"q{i}"} for i in range(3)]
    assert too_many.events[0].status == 400 and too_many.events[0].error_code == 50035


async def test_message_context_menu_gets_the_resolved_message(fake: FakeDiscord, bot: MiniBot) -> None:
    target = await fake.send_message(content="Quoted sentence.")

    handle = await fake.send_message_command("Quote in Essay", target)
    reply = await handle.final_message()

    assert reply.content == "You picked: Quoted sentence."
    assert reply.ephemeral


async def test_button_click_updates_the_message(fake: FakeDiscord, bot: MiniBot) -> None:
    command = await fake.send_slash_command("menu")
    message = await command.final_message()

    click = await fake.click_button(message, "more")
    await click.response()

    assert message.custom_ids == []
    assert message.content == "Expanded"
    assert click.callback_type == 7


async def test_a_modal_opened_by_a_command_can_be_submitted(fake: FakeDiscord, bot: MiniBot) -> None:
    opened = await fake.send_slash_command("feedback")

    submitted = await fake.submit_modal(opened, {"why": "Too long"})
    reply = await submitted.final_message()

    assert (await opened.response()).callback_type == 9
    assert bot.feedback == ["Too long"]
    assert reply.ephemeral and reply.content == "Thanks"


async def test_a_modal_opened_by_a_button_is_submitted_as_type_5_with_the_buttons_message(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    answer = await (await fake.send_slash_command("survey")).final_message()

    opened = await fake.click_button(answer, "form", user="bob")
    submitted = await fake.submit_modal(opened, {"why": "Too short"})
    thanks = await submitted.final_message()

    assert (await opened.response()).callback_type == 9
    assert submitted.payload["type"] == 5 and submitted.payload["message"]["id"] == str(answer.id)
    assert submitted.payload["member"]["user"]["id"] == str(fake.user("bob").id)
    assert bot.feedback == ["Too short"] and thanks.ephemeral


# ----- replies and threads ------------------------------------------------------------------------


async def test_a_reply_carries_the_replied_to_message_and_its_ping_only_in_mentions(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    await fake.send_message("general", "alice", "!echo an answer")
    answer = await fake.wait_for_message("general")

    pinged = await fake.send_message("general", "alice", "and why?", reply_to=answer)
    quiet = await fake.send_message("general", "alice", "and how?", reply_to=answer, reply_ping=False)
    await until(lambda: {m.id for m in bot.received} >= {pinged.id, quiet.id})

    received = {m.id: m for m in bot.received}
    with_ping, without_ping = received[pinged.id], received[quiet.id]
    assert with_ping.type is discord.MessageType.reply
    assert with_ping.reference.message_id == answer.id
    assert isinstance(with_ping.reference.resolved, discord.Message)
    assert with_ping.reference.resolved.content == "an answer"
    assert with_ping.content == "and why?" and bot.user in with_ping.mentions
    assert bot.user not in without_ping.mentions and without_ping.reference.resolved.id == answer.id


async def test_a_reply_to_a_deleted_message_carries_a_null_referenced_message(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    target = await fake.send_message("general", "bob", "soon gone")
    fake.messages[target.id].deleted = True

    reply = await fake.send_message("general", "alice", "what was that?", reply_to=target)
    await until(lambda: any(m.id == reply.id for m in bot.received))

    (received,) = [m for m in bot.received if m.id == reply.id]
    assert isinstance(received.reference.resolved, discord.DeletedReferencedMessage)


async def a_question_the_bot_received(fake: FakeDiscord, bot: MiniBot) -> discord.Message:
    """Alice asks "a question" in #general; the message as the bot's client received it."""
    question = await fake.send_message("general", "alice", "a question")
    await until(lambda: any(m.id == question.id for m in bot.received))
    (message,) = [m for m in bot.received if m.id == question.id]
    return message


async def test_a_thread_started_from_a_message_shares_its_id_and_carries_messages_both_ways(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    message = await a_question_the_bot_received(fake, bot)

    thread = await message.create_thread(name="A question", auto_archive_duration=1440)
    await until(lambda: bot.get_channel(thread.id) is not None)
    await thread.send("an answer")
    said = await fake.send_message(thread.id, "bob", "thanks")
    await until(lambda: any(m.id == said.id for m in bot.received))

    assert (
        thread.id == message.id and thread.owner_id == bot.user.id and thread.parent_id == message.channel.id
    )
    assert thread.type is discord.ChannelType.public_thread and thread.name == "A question"
    created = [f for f in fake.frames if f.t == "THREAD_CREATE"]
    assert created and created[0].d["newly_created"] is True
    updated = [f for f in fake.frames if f.t == "MESSAGE_UPDATE" and f.d["id"] == str(message.id)]
    assert updated[0].d["thread"]["id"] == str(thread.id)
    assert [m.content for m in fake.messages_in(thread.id)] == ["an answer"]
    (in_thread,) = [m for m in bot.received if m.id == said.id]
    assert isinstance(in_thread.channel, discord.Thread) and in_thread.channel.id == thread.id
    with pytest.raises(discord.HTTPException) as again:
        await message.create_thread(name="Again")
    assert again.value.code == 160004


async def test_an_archived_thread_reopens_for_a_message_but_a_locked_one_refuses_with_50083(
    fake: FakeDiscord, bot: MiniBot
) -> None:
    message = await a_question_the_bot_received(fake, bot)
    thread = await message.create_thread(name="A question")

    await fake.archive_thread(thread.id)
    await thread.send("still here")
    reopened = fake.channel(thread.id)
    await fake.archive_thread(thread.id, locked=True)
    with pytest.raises(discord.HTTPException) as refused:
        await thread.send("too late")

    assert not reopened.archived
    assert [f.d["thread_metadata"]["archived"] for f in fake.frames if f.t == "THREAD_UPDATE"] == [
        True,
        False,
        True,
    ]
    assert refused.value.status == 400 and refused.value.code == 50083
    with pytest.raises(ValueError, match="locked"):
        await fake.send_message(thread.id, "bob", "hello?")


async def test_active_threads_come_with_guild_create_after_a_restart(fake: FakeDiscord, bot: MiniBot) -> None:
    message = await a_question_the_bot_received(fake, bot)
    thread = await message.create_thread(name="A question")
    await bot.close()

    async with running(MiniBot(), fake.token) as again:
        known = again.get_channel(thread.id)

    assert isinstance(known, discord.Thread) and known.owner_id == again.user.id


async def test_a_thread_needs_create_public_threads(fake: FakeDiscord, bot: MiniBot) -> None:
    general = fake.channel("general")
    role = fake.world.guild.everyone
    fake.world.with_channel_overwrite(
        general.id, Overwrite(role.id, 0, deny=fake_perms.CREATE_PUBLIC_THREADS)
    )
    message = await a_question_the_bot_received(fake, bot)

    with pytest.raises(discord.Forbidden) as refused:
        await message.create_thread(name="A question")

    assert refused.value.code == 50013


async def test_options_are_checked_against_the_synced_definition(fake: FakeDiscord, bot: MiniBot) -> None:
    with pytest.raises(ValueError, match="required option"):
        await fake.send_slash_command("ask")
    with pytest.raises(TypeError):
        await fake.send_slash_command("ask", {"question": 3})
    with pytest.raises(LookupError, match="never synced"):
        await fake.send_slash_command("reindex")


# ----- pure parts: limits, permissions, compression --------------------------------------------


def test_duplicate_custom_ids_and_oversized_buttons_are_rejected() -> None:
    row = {
        "type": 1,
        "components": [
            {"type": 2, "style": 1, "label": "a", "custom_id": "same"},
            {"type": 2, "style": 1, "label": "b" * 81, "custom_id": "same"},
        ],
    }

    error = fake_limits.check_message({"content": "x", "components": [row]})

    assert error is not None and error.code == 50035
    assert error.errors["components"]["0"]["components"]["1"]["custom_id"]["_errors"][0]["code"] == (
        "COMPONENT_CUSTOM_ID_DUPLICATED"
    )
    assert "label" in error.errors["components"]["0"]["components"]["1"]


def test_too_many_action_rows_and_buttons_are_rejected() -> None:
    button = {"type": 2, "style": 2, "label": "b"}
    rows = [
        {"type": 1, "components": [{**button, "custom_id": f"{r}-{i}"} for i in range(6)]} for r in range(6)
    ]

    error = fake_limits.check_message({"components": rows})

    assert error is not None and set(error.errors["components"]) >= {"_errors", "0"}


def test_allowed_mentions_parse_values_and_exclusivity_are_checked() -> None:
    bad = fake_limits.check_message({"content": "x", "allowed_mentions": {"parse": ["user"]}})
    both = fake_limits.check_message({"content": "x", "allowed_mentions": {"parse": ["users"], "users": [1]}})
    fine = fake_limits.check_message(
        {"content": "x", "allowed_mentions": {"parse": [], "replied_user": False}}
    )

    assert bad is not None and "parse" in bad.errors["allowed_mentions"]
    assert both is not None and both.errors["allowed_mentions"]["_errors"][0]["code"] == (
        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"
    )
    assert fine is None


def test_embed_totals_count_across_all_embeds() -> None:
    embeds = [{"title": "t" * 256, "description": "d" * 2000, "footer": {"text": "f" * 1000}}] * 2

    error = fake_limits.check_message({"embeds": embeds})

    assert error is not None and error.errors["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"


def test_command_names_follow_discords_pattern() -> None:
    assert fake_limits._name_is_valid("frage-zum_text")
    assert fake_limits._name_is_valid("संदेश")
    assert not fake_limits._name_is_valid("two words")
    assert not fake_limits._name_is_valid("x" * 33)


def test_overwrites_apply_everyone_then_roles_then_member() -> None:
    world = World.default()
    general = world.guild.channel("general")
    mods = world.guild.role("Moderators")
    world.with_channel_overwrite(general.id, Overwrite(world.guild.id, 0, deny=fake_perms.SEND_MESSAGES))
    world.with_channel_overwrite(general.id, Overwrite(mods.id, 0, allow=fake_perms.SEND_MESSAGES))
    world.with_channel_overwrite(general.id, Overwrite(world.bot.id, 1, allow=fake_perms.SEND_MESSAGES))
    guild, general = world.guild, world.guild.channel("general")

    def can_send(name: str) -> bool:
        return bool(guild.permissions_in(general, world.user(name).id) & fake_perms.SEND_MESSAGES)

    assert not can_send("alice")  # @everyone deny
    assert can_send("EssayBot")  # member allow beats @everyone deny
    assert guild.permissions_in(guild.channel("staff"), world.bot.id) == 0  # no VIEW_CHANNEL: nothing at all
    assert guild.permissions_in(guild.channel("staff"), world.user("olivia").id) == fake_perms.ALL  # owner
    announcements = guild.permissions_in(guild.channel("announcements"), world.bot.id)
    assert not announcements & (
        fake_perms.SEND_MESSAGES | fake_perms.EMBED_LINKS
    )  # implicit: no send, no embeds


def test_zlib_stream_frames_are_sync_flushed_pieces_of_one_stream() -> None:
    encoder = _ZlibStream()
    decompressor = zlib.decompressobj()

    frames = [encoder.encode('{"op":10}'), encoder.encode('{"op":11}')]

    assert all(f.endswith(b"\x00\x00\xff\xff") for f in frames)
    assert [decompressor.decompress(f).decode() for f in frames] == ['{"op":10}', '{"op":11}']


@pytest.mark.skipif(not zstd_available(), reason="no zstd module; discord.py then asks for zlib-stream")
def test_zstd_stream_frames_decode_with_discord_pys_decompressor() -> None:
    from discord.utils import _ActiveDecompressionContext

    from tests.fake_discord.gateway import _ZstdStream

    encoder, decoder = _ZstdStream(), _ActiveDecompressionContext()

    assert decoder.decompress(encoder.encode('{"op":10}')) == '{"op":10}'
