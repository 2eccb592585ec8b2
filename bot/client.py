"""The Discord client: lifecycle only — the command tree, one-time setup in ``setup_hook``, shutdown, health."""

import asyncio
import contextlib
import logging
import os
import time
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.access import Access
from bot.answering import Answering
from bot.cogs.about import AboutCog
from bot.cogs.admin import AdminCog
from bot.cogs.ask import AskCog
from bot.cogs.buttons import AnswerButtonsCog
from bot.delivery import Delivery
from bot.health import REFRESH_SECONDS, Status, write_status
from bot.parts import Parts
from bot.render import ANSWER_FAILED
from bot.reply import NO_MENTIONS
from bot.services import InFlight, Rebuild, Services
from bot.settings import Settings

# Services and Rebuild are re-exported for callers that build a client.
__all__ = ["EssayBot", "Rebuild", "Services", "ShardedEssayBot", "create_bot", "point_discord_py_at"]

log = logging.getLogger(__name__)


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
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class EssayTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        # A bug: the operator gets the trace, the user a short apology rather than "interaction failed".
        log.error("command %r failed", getattr(interaction.command, "name", None), exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(ANSWER_FAILED, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(
                    ANSWER_FAILED, ephemeral=True, allowed_mentions=NO_MENTIONS
                )


if TYPE_CHECKING:
    # The checker reads the mixin as the Bot it is mixed into, so its calls into discord.py are checked.
    # At run time it stays a plain mixin: each client's own Bot or AutoShardedBot follows it in the MRO.
    _Bot = commands.Bot
else:
    _Bot = object


class EssayBotBase(_Bot):
    """The behaviour shared by the plain and the sharded client (a mixin over ``commands.Bot``)."""

    def __init__(self, *, settings: Settings, services: Services, **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: questions are not prefix commands
            help_command=None,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            tree_cls=EssayTree,
            chunk_guilds_at_startup=False,
            **options,
        )
        self.settings = settings
        self.services = services
        self.in_flight = InFlight()
        access = Access(settings, services.cooldown, self.in_flight)
        self.parts = Parts(
            settings=settings,
            services=services,
            in_flight=self.in_flight,
            access=access,
            delivery=Delivery(access, self.is_closed),
            answering=Answering(settings, services),
            status_changed=self.write_status,
        )
        self._status_task: asyncio.Task[None] | None = None

    # --- start-up and shutdown ---------------------------------------------------------------

    async def setup_hook(self) -> None:
        await self._resolve_gateway()
        await asyncio.to_thread(self.services.answers.load)
        for cog in (AskCog, AnswerButtonsCog, AboutCog, AdminCog):
            await self.add_cog(cog(self, self.parts))
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
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

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
        await super().close()
        await self.write_status()

    # --- health ------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        if self.is_closed() or not self.is_ready():
            return False
        if isinstance(self, discord.AutoShardedClient):
            return bool(self.shards) and not any(shard.is_closed() for shard in self.shards.values())
        ws = self.ws
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
        user = self.user  # set once logged in, so always here by on_ready
        log.info("connected as %s (id %s) to %d guild(s)", user, user and user.id, len(self.guilds))
        await self.write_status()

    async def on_resumed(self) -> None:
        await self.write_status()

    async def on_disconnect(self) -> None:
        await self.write_status()


class EssayBot(EssayBotBase, commands.Bot):
    pass


class ShardedEssayBot(EssayBotBase, commands.AutoShardedBot):
    pass


def create_bot(settings: Settings, services: Services, **options: Any) -> EssayBot | ShardedEssayBot:
    """The sharded client when shards are configured, else the plain one; REST and gateway as configured.

    ``options`` go to discord.py's client (tests shorten ``guild_ready_timeout``)."""
    shard_count = settings.shard_count
    if settings.shard_ids:
        if shard_count is None:
            raise ValueError(
                "ESSAYBOT_SHARD_IDS needs ESSAYBOT_SHARD_COUNT (the fleet's total number of shards)"
            )
        if any(shard >= shard_count for shard in settings.shard_ids):
            raise ValueError(f"ESSAYBOT_SHARD_IDS must each be below ESSAYBOT_SHARD_COUNT ({shard_count})")
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
