"""The Discord client: owns the command tree and the bot's shared behaviour; one-time setup in ``setup_hook``."""

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from bot.answer_log import AnswerLog, AnswerRecord, new_key
from bot.batching import BatcherClosedError
from bot.cogs.about import AboutCog
from bot.cogs.admin import AdminCog
from bot.cogs.ask import AskCog
from bot.cogs.buttons import AnswerButtonsCog, answer_view
from bot.cooldown import Cooldown
from bot.engine_holder import EngineHolder
from bot.feedback import FeedbackLog
from bot.health import REFRESH_SECONDS, Status, write_status
from bot.render import (
    ANSWER_FAILED,
    NOT_IN_THIS_CHANNEL,
    SHUTTING_DOWN,
    cooldown_text,
    render_answer,
    render_no_more,
)
from bot.reply import Reply

log = logging.getLogger(__name__)

# Rebuilds the index and loads it: (BuildReport, engine). Blocking; the admin cog runs it on a thread.
Rebuild = Callable[[], tuple[Any, Any]]

# Answers Discord could not take yet: 429 past discord.py's five tries, or 5xx past its own retries.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 524})
# Interaction tokens live 15 minutes; past 10 an answer is stale anyway.
DELIVERY_SECONDS = 600.0
MAX_RETRY_DELAY = 30.0

# What a reply in a channel needs; Read Message History only to make it a reply (without it: a plain message).
NEEDED_TO_ANSWER = ("view_channel", "send_messages", "embed_links")
NEEDED_TO_REPLY = "read_message_history"
_GRANT = "; grant them to the bot's role in that channel's permissions"


def intents() -> discord.Intents:
    """Guilds (channels and permissions), guild and DM messages, and Message Content (privileged)."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    chosen.dm_messages = True
    chosen.message_content = True
    return chosen


def point_discord_py_at(api_url: str, gateway_url: str | None) -> None:
    """Send discord.py's REST calls to ``api_url`` and open its gateway at ``gateway_url``.

    discord.py keeps both as class attributes (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``),
    so this is process-wide; webhooks and interaction responses use the same ``Route``.
    """
    Route.BASE = api_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


@dataclass
class Services:
    """What the bot works with, built by the runner (or by tests, with fakes)."""

    engines: EngineHolder
    feedback: FeedbackLog
    answers: AnswerLog
    cooldown: Cooldown
    rebuild: Rebuild | None = None
    status_path: Path | None = None


class InFlight:
    """Counts questions being answered, so that shutdown can stop new ones and wait for these."""

    def __init__(self) -> None:
        self.count = 0
        self.accepting = True
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


def permission_name(flag: str) -> str:
    """``send_messages`` as the Discord client shows it: "Send Messages"."""
    return flag.replace("_", " ").title()


class EssayTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        # A bug: the operator gets the trace, the user a short apology rather than "interaction failed".
        log.error("command %r failed", getattr(interaction.command, "name", None), exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(ANSWER_FAILED, ephemeral=True, **Reply().kwargs())
            else:
                await interaction.response.send_message(ANSWER_FAILED, ephemeral=True, **Reply().kwargs())


class EssayBotBase:
    """The behaviour shared by the plain and the sharded client (a mixin over ``commands.Bot``)."""

    def __init__(self, *, settings: Any, services: Services, **options: Any) -> None:
        super().__init__(  # type: ignore[call-arg]
            command_prefix=commands.when_mentioned,  # unused: questions are not prefix commands
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=EssayTree,
            chunk_guilds_at_startup=False,
            **options,
        )
        self.settings = settings
        self.services = services
        self.in_flight = InFlight()
        self.retry_delay = 1.0  # first wait before re-sending what Discord could not take; tests shorten it
        self._status_task: asyncio.Task[None] | None = None
        self._refused_channels: set[int] = set()  # channels whose permission problem is already logged

    # --- start-up and shutdown ---------------------------------------------------------------

    async def setup_hook(self) -> None:
        await self._resolve_gateway()
        await asyncio.to_thread(self.services.answers.load)
        for cog in (AskCog(self), AnswerButtonsCog(self), AboutCog(self), AdminCog(self)):
            await self.add_cog(cog)
        # Bulk overwrite is idempotent: unchanged commands do not count against Discord's creation limit.
        synced = await self.tree.sync()
        log.info("synced %d application commands", len(synced))
        if self.services.status_path is not None:
            self._status_task = asyncio.create_task(self._refresh_status_forever())

    async def _resolve_gateway(self) -> None:
        """Use the configured gateway, else the one the REST API names (as Discord recommends)."""
        configured = self.settings.discord_gateway_url is not None
        if isinstance(self, discord.AutoShardedClient):
            # Without a shard count discord.py asks REST for both and ignores the configured gateway,
            # so ask for the count here; it then connects to DEFAULT_GATEWAY, which is the configured one.
            if configured and self.shard_count is None:
                self.shard_count, _, _ = await self.http.get_bot_gateway()
        elif not configured:
            _, url, _ = await self.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def on_message(self, message: discord.Message) -> None:
        """Questions are not prefix commands; the ask cog listens for mentions and DMs."""

    async def shutdown(self, grace: float) -> None:
        """Stop taking questions, give those in flight up to ``grace`` seconds, then disconnect."""
        self.in_flight.accepting = False
        await self.write_status()
        if not await self.in_flight.wait_idle(grace):
            log.warning("shutting down with %d question(s) still unanswered", self.in_flight.count)
        await self.close()

    async def close(self) -> None:
        if self._status_task is not None:
            self._status_task.cancel()
            self._status_task = None
        await super().close()  # type: ignore[misc]
        await self.write_status()

    # --- health ------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        if self.is_closed() or not self.is_ready():  # type: ignore[attr-defined]
            return False
        if isinstance(self, discord.AutoShardedClient):
            return bool(self.shards) and not any(shard.is_closed() for shard in self.shards.values())
        ws = self.ws  # type: ignore[attr-defined]
        return ws is not None and ws.open

    def status(self) -> Status:
        return Status(
            connected=self.connected,
            index_loaded=self.services.engines.engine is not None,
            accepting=self.in_flight.accepting,
            pid=os.getpid(),
            updated_at=time.time(),
            index_generation=self.services.engines.generation,
        )

    async def write_status(self) -> None:
        if self.services.status_path is None:
            return
        try:
            await asyncio.to_thread(write_status, self.services.status_path, self.status())
        except OSError as error:
            log.warning("cannot write the status file %s: %s", self.services.status_path, error)

    async def _refresh_status_forever(self) -> None:
        while True:
            await self.write_status()
            await asyncio.sleep(REFRESH_SECONDS)

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d guild(s)", self.user, self.user.id, len(self.guilds))  # type: ignore
        await self.write_status()

    async def on_resumed(self) -> None:
        await self.write_status()

    async def on_disconnect(self) -> None:
        await self.write_status()

    # --- sending -----------------------------------------------------------------------------

    async def deliver(self, send: Callable[[], Awaitable[Any]], *, what: str, idempotent: bool) -> bool:
        """Send until Discord takes it: through rate-limit storms and outages, for up to DELIVERY_SECONDS.

        Only an ``idempotent`` request (an edit, a message with a nonce) is repeated after a 5xx, which
        Discord may have acted on; a 429 was refused unseen, so anything may be repeated after one.
        Forbidden is the caller's to handle. Returns False when it gave up (logged, no stack trace).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DELIVERY_SECONDS
        delay = self.retry_delay
        attempt = 0
        while True:
            attempt += 1
            try:
                await send()
                return True
            except discord.Forbidden:
                raise
            except discord.NotFound as error:
                log.warning("could not deliver %s: %s (the interaction or message is gone)", what, error)
                return False
            except discord.HTTPException as error:
                retryable = error.status == 429 or (idempotent and error.status in RETRY_STATUSES)
                if not retryable:
                    raise
                problem = f"{error.status} {error.text or error}".strip()
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                if not idempotent:
                    raise
                problem = f"{type(error).__name__}: {error}"
            except Exception as error:
                if not self.is_closed():  # type: ignore[attr-defined]
                    raise
                # Shutdown's grace ran out while this was still being retried: say so, without a trace.
                log.warning("gave up delivering %s: the bot is shutting down (%s)", what, error)
                return False
            if self.is_closed() or loop.time() + delay > deadline:  # type: ignore[attr-defined]
                log.warning("gave up delivering %s after %d attempts: %s", what, attempt, problem)
                return False
            log.warning("Discord did not take %s (%s); trying again in %.1f s", what, problem, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)

    async def reply_in_channel(self, message: discord.Message, reply: Reply) -> None:
        """Answer a message in its channel: as a reply when allowed; a permission problem is logged once
        per channel and not retried (the next question tries again, so a fixed permission is noticed)."""
        channel = message.channel
        if not self.may_answer_in(channel):
            return
        _, can_reply = self._missing_permissions(channel)
        kwargs = reply.kwargs()
        kwargs["nonce"] = reply.nonce
        if can_reply:
            # If the question was deleted meanwhile, answer in the channel anyway.
            kwargs.update(reference=message.to_reference(fail_if_not_exists=False), mention_author=False)
        try:
            delivered = await self.deliver(
                lambda: channel.send(**kwargs), what=f"an answer in {_describe(channel)}", idempotent=True
            )
        except discord.Forbidden as error:
            refused = (
                f"Discord refused the answer ({error.status} {error.text or 'Forbidden'}, code {error.code})"
            )
            if getattr(channel, "guild", None) is None:
                self._log_refusal(channel, f"{refused}; the user does not accept messages from the bot")
            else:
                needed = ", ".join(map(permission_name, [*NEEDED_TO_ANSWER, NEEDED_TO_REPLY]))
                self._log_refusal(channel, f"{refused}; the bot needs {needed} there{_GRANT}")
            return
        if delivered:
            self._refused_channels.discard(channel.id)

    def may_answer_in(self, channel: Any) -> bool:
        """Whether the bot's permissions (as discord.py knows them) let it answer in ``channel``; if not,
        the operator is told once, and the question is left alone rather than answered into a 403."""
        missing, _ = self._missing_permissions(channel)
        if missing:
            self._log_refusal(
                channel, f"the bot lacks {', '.join(map(permission_name, missing))} there{_GRANT}"
            )
        return not missing

    def _missing_permissions(self, channel: Any) -> tuple[list[str], bool]:
        """(permissions the bot lacks to answer in ``channel``, whether it may reply) as discord.py knows them."""
        guild = getattr(channel, "guild", None)
        if guild is None or guild.me is None:
            return [], True  # a DM: no permissions to check
        granted = channel.permissions_for(guild.me)
        needed = list(NEEDED_TO_ANSWER)
        if isinstance(channel, discord.Thread):
            needed[needed.index("send_messages")] = "send_messages_in_threads"
        return [flag for flag in needed if not getattr(granted, flag)], getattr(granted, NEEDED_TO_REPLY)

    def _log_refusal(self, channel: Any, why: str) -> None:
        if channel.id in self._refused_channels:
            return
        self._refused_channels.add(channel.id)
        log.warning(
            "cannot answer in %s: %s (further refusals there are not logged until an answer gets through)",
            _describe(channel),
            why,
        )

    # --- questions ---------------------------------------------------------------------------

    def answers_in(self, channel: object) -> bool:
        """Whether questions are answered in ``channel``: any DM, else the allowed channels (threads by parent)."""
        allowed = set(self.settings.allowed_channel_ids)
        if not allowed or getattr(channel, "guild", None) is None:
            return True
        return bool({getattr(channel, "id", None), getattr(channel, "parent_id", None)} & allowed)

    def refusal(self, user_id: int, channel: object) -> str | None:
        """Why a question cannot be taken now, or None (and the user's cooldown starts)."""
        if not self.in_flight.accepting:
            return SHUTTING_DOWN
        if not self.answers_in(channel):
            return NOT_IN_THIS_CHANNEL
        wait = self.services.cooldown.retry_after(user_id)
        if wait > 0:
            return cooldown_text(wait)
        return None

    def is_admin(
        self, user: discord.abc.User, permissions: discord.Permissions | None, in_guild: bool
    ) -> bool:
        """Configured admins anywhere; in a server, also members with Manage Server."""
        if user.id in self.settings.admin_user_ids:
            return True
        return in_guild and permissions is not None and permissions.manage_guild

    async def answer_reply(self, question: str, *, skip: int = 0, ephemeral: bool = False) -> Reply:
        """The reply to a question (or its next page): embed and buttons, or a short apology."""
        try:
            answer = await self.services.engines.answer(
                question, k=self.settings.results_per_answer, skip=skip
            )
        except BatcherClosedError:
            return Reply(content=SHUTTING_DOWN)
        except Exception:
            log.exception("answering %r failed", question)
            return Reply(content=ANSWER_FAILED)
        if skip and not answer.answered:
            return Reply(embeds=[render_no_more(answer)])
        rendered = render_answer(answer, first_rank=skip + 1)
        record = AnswerRecord(
            key=new_key(),
            question=question,
            skip=skip,
            excerpts=rendered.shown,
            abstention=answer.reason,
            ephemeral=ephemeral,
        )
        self.services.answers.remember(record)
        try:
            await asyncio.to_thread(self.services.answers.append, record)
        except OSError:
            log.warning("cannot record the answer for its buttons", exc_info=True)
        return Reply(embeds=[rendered.embed], view=answer_view(record.key, answered=rendered.answered))


def _describe(channel: Any) -> str:
    """A channel as an operator can find it: its name and id, and its server's; or "a DM" and its id."""
    guild = getattr(channel, "guild", None)
    if guild is None:
        return f"a DM (channel id {channel.id})"
    return f"#{getattr(channel, 'name', '?')} (channel id {channel.id}) in {guild.name} (guild id {guild.id})"


class EssayBot(EssayBotBase, commands.Bot):
    pass


class ShardedEssayBot(EssayBotBase, commands.AutoShardedBot):
    pass


def create_bot(settings: Any, services: Services, **options: Any) -> EssayBot | ShardedEssayBot:
    """The sharded client when shards are configured, else the plain one; REST and gateway as configured.

    ``options`` go to discord.py's client (tests shorten ``guild_ready_timeout``)."""
    if settings.shard_ids and settings.shard_count is None:
        raise ValueError("ESSAYBOT_SHARD_IDS needs ESSAYBOT_SHARD_COUNT (the fleet's total number of shards)")
    if settings.shard_ids and any(shard >= settings.shard_count for shard in settings.shard_ids):
        raise ValueError(
            f"ESSAYBOT_SHARD_IDS must each be below ESSAYBOT_SHARD_COUNT ({settings.shard_count})"
        )
    point_discord_py_at(settings.discord_api_url, settings.discord_gateway_url)
    if settings.shard_count is not None or settings.shard_ids:
        return ShardedEssayBot(
            settings=settings,
            services=services,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
            **options,
        )
    return EssayBot(settings=settings, services=services, **options)
