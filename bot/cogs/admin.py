"""/reindex: rebuild the index from the corpus in the background and swap it in while answers keep flowing."""

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.parts import Parts
from bot.render import render_reindex_done, render_reindex_failed, render_reindex_started
from bot.reply import NO_MENTIONS
from bot.services import Rebuild
from index.errors import EssayBotError

log = logging.getLogger(__name__)

T = TypeVar("T")
NOT_AN_ADMIN = "Only the bot's admins, or members with the Manage Server permission, can re-index."
ALREADY_RUNNING = "A re-index is already running; I'll report here when it is done."
NOT_AVAILABLE = "Re-indexing is not available in this deployment."


def run_in_daemon_thread(function: Callable[[], T]) -> "asyncio.Future[T]":
    """Run ``function`` on a daemon thread: a build still running at shutdown must not hold the process
    open past its 10 seconds (the build publishes atomically, so abandoning it is harmless)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def succeed(result: T) -> None:
        if not future.done():
            future.set_result(result)

    def fail(error: BaseException) -> None:
        if not future.done():
            future.set_exception(error)

    def work() -> None:
        try:
            result = function()
        except BaseException as error:
            loop.call_soon_threadsafe(fail, error)
        else:
            loop.call_soon_threadsafe(succeed, result)

    threading.Thread(target=work, name="essaybot-reindex", daemon=True).start()
    return future


class AdminCog(commands.Cog):
    def __init__(self, bot: commands.Bot, parts: Parts) -> None:
        self.bot = bot
        self.parts = parts
        self._rebuilding = False
        self._task: asyncio.Task[None] | None = None

    @app_commands.command(name="reindex")
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Rebuild the index from the corpus and switch to it (admins only)."""
        allowed = self.parts.access.is_admin(
            interaction.user, interaction.permissions, interaction.guild is not None
        )
        rebuild = self.parts.services.rebuild
        if not allowed or rebuild is None or self._rebuilding:
            text = NOT_AN_ADMIN if not allowed else NOT_AVAILABLE if rebuild is None else ALREADY_RUNNING
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        # Set before the first await, so a second /reindex arriving meanwhile sees it.
        self._rebuilding = True
        log.info("re-index requested by user %s", interaction.user.id)
        try:
            await interaction.response.send_message(
                render_reindex_started(), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        except BaseException:
            self._rebuilding = False
            raise
        self._task = asyncio.create_task(self._rebuild_and_report(interaction, rebuild))

    async def _rebuild_and_report(self, interaction: discord.Interaction, rebuild: Rebuild) -> None:
        engines = self.parts.services.engines
        try:
            report, engine = await run_in_daemon_thread(rebuild)
        except EssayBotError as error:
            log.warning("re-index failed, still serving the previous index: %s", error)
            text = render_reindex_failed(str(error), engines.engine.info)
        except OSError as error:
            # The host's trouble (a full disk, a file the bot may not read), not a bug: no stack trace.
            reason = describe_os_error(error)
            log.error("re-index failed, still serving the previous index: %s", reason)
            text = render_reindex_failed(error.strerror or reason, engines.engine.info)
        except Exception:
            log.exception("re-index failed, still serving the previous index")
            text = render_reindex_failed(
                "an unexpected error; the bot's log has the details", engines.engine.info
            )
        else:
            engines.swap(engine)
            await self.parts.status_changed()
            text = render_reindex_done(report, engine.info)
        finally:
            self._rebuilding = False
        with contextlib.suppress(discord.HTTPException):
            await self.parts.delivery.deliver(
                lambda: interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS),
                what="the re-index report",
                idempotent=False,
            )


def describe_os_error(error: OSError) -> str:
    """What an operator needs from an OSError, e.g. "No space left on device (errno 28)", without a trace."""
    where = f" at {error.filename}" if error.filename else ""
    return f"{error.strerror or error} (errno {error.errno}){where}; check the disk and permissions under DATA_DIR"
