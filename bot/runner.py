"""``essaybot run``: logging with the token redacted, the engine loaded, the bot served, SIGTERM handled."""

import asyncio
import contextlib
import logging
import re
import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bot.answer_log import ANSWERS_FILE, AnswerLog
from bot.client import create_bot
from bot.cooldown import Cooldown
from bot.engine_holder import EngineHolder
from bot.feedback import FEEDBACK_FILE, FeedbackLog
from bot.health import status_path
from bot.services import Services
from bot.settings import Settings
from index.errors import EssayBotError

log = logging.getLogger(__name__)

# Docker sends SIGKILL 10 s after SIGTERM; everything below fits inside that.
SHUTDOWN_SECONDS = 9.0
QUESTION_GRACE_SECONDS = 6.0  # for questions in flight; the rest is for disconnecting and closing

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2

NO_TOKEN = (
    "No Discord token: set ESSAYBOT_DISCORD_TOKEN (or the Docker secret essaybot_discord_token). "
    "docs/discord-setup.md shows where to get one."
)
INVALID_TOKEN = (
    "Discord rejected the bot token (invalid token). Copy a fresh one from the Developer Portal "
    "(your application → Bot → Reset Token) into ESSAYBOT_DISCORD_TOKEN."
)
INTENT_MISSING = (
    "Discord refused the Message Content intent, which the bot needs to read questions. Switch on "
    "'Message Content Intent' in the Developer Portal (your application → Bot → Privileged Gateway Intents)."
)


# At DEBUG, discord.py logs request URLs and whole gateway events; interaction tokens appear in both
# (in webhook URLs and as a "token" field) and let anyone answer as the bot for 15 minutes.
_URL_TOKEN = re.compile(r"(/(?:interactions|webhooks)/\d+/)[\w.-]+")
_FIELD_TOKEN = re.compile(r"""(['"]token['"]\s*:\s*['"])[^'"]+""")


class RedactingFormatter(logging.Formatter):
    """Replaces secrets, and tokens in interaction URLs, wherever they appear in a line, tracebacks included."""

    def __init__(self, secrets: Iterable[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        text = _FIELD_TOKEN.sub(r"\1[redacted]", text)
        return _URL_TOKEN.sub(r"\1[redacted]", text)


_CHATTY_LIBRARIES = ("faiss", "sentence_transformers", "transformers", "huggingface_hub", "filelock")


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter(
            secrets, "{asctime} {levelname:<7} {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries' start-up chatter (which CPU build faiss loads, where the model lives) is noise for
    # an operator; it still shows at DEBUG.
    quiet = logging.WARNING if root.level > logging.DEBUG else logging.DEBUG
    for name in _CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(quiet)


def build_services(settings: Settings, engine: Any, embedder: Any) -> Services:
    data_dir = Path(settings.data_dir)

    def rebuild() -> tuple[Any, Any]:
        from bot.runtime import rebuild_index
        from index.answering.engine import Engine

        report = rebuild_index(settings, embedder)
        return report, Engine.load(settings.resolved_index_dir, embedder)

    return Services(
        engines=EngineHolder(engine),
        feedback=FeedbackLog(data_dir / FEEDBACK_FILE),
        answers=AnswerLog(data_dir / ANSWERS_FILE),
        cooldown=Cooldown(settings.cooldown_seconds),
        rebuild=rebuild,
        status_path=status_path(data_dir),
    )


def run(settings: Settings) -> int:
    """Run the bot until SIGTERM/SIGINT or a fatal error; the exit code says which."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    configure_logging(settings.log_level, [token])
    if not token:
        log.error(NO_TOKEN)
        return EXIT_CONFIG
    try:
        from bot.runtime import load_embedder, load_engine

        embedder = load_embedder(settings)
        engine = load_engine(settings, embedder)
    except EssayBotError as error:
        log.error("%s", error)
        return EXIT_FAILED
    return asyncio.run(serve(settings, build_services(settings, engine, embedder), token))


async def serve(settings: Settings, services: Services, token: str, **options: Any) -> int:
    """Connect and answer until a signal (graceful shutdown) or a fatal error; ``options`` go to the client."""
    try:
        bot = create_bot(settings, services, **options)
    except ValueError as error:
        log.error("%s", error)
        await services.engines.aclose()
        return EXIT_CONFIG
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        running = asyncio.create_task(bot.start(token), name="essaybot-client")
        stopping = asyncio.create_task(stop.wait(), name="essaybot-signal")
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done():
            log.info("stopping: no new questions; finishing the ones in flight")
            await _shut_down(bot, services, running)
            return EXIT_OK
        stopping.cancel()
        code = _exit_code(running.exception())
        await bot.close()
        await services.engines.aclose()
        return code
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


async def _shut_down(bot: Any, services: Services, running: "asyncio.Task[None]") -> None:
    try:
        async with asyncio.timeout(SHUTDOWN_SECONDS):
            await bot.shutdown(grace=QUESTION_GRACE_SECONDS)
            await services.engines.aclose()
            await running
    except TimeoutError:
        log.warning("shutdown took longer than %.0f s; exiting anyway", SHUTDOWN_SECONDS)
    except Exception:
        log.exception("error while shutting down")
    if not running.done():
        running.cancel()
        with contextlib.suppress(BaseException):
            await running
    log.info("stopped")


def _exit_code(error: BaseException | None) -> int:
    if error is None:
        return EXIT_OK
    if isinstance(error, discord.LoginFailure):
        log.error(INVALID_TOKEN)
    elif isinstance(error, discord.PrivilegedIntentsRequired):
        log.error(INTENT_MISSING)
    elif isinstance(error, OSError | aiohttp.ClientConnectionError):
        # The network, not a bug: one line with the cause is what the operator can act on.
        log.error("cannot reach Discord: %s; check the network and DNS, and ESSAYBOT_DISCORD_API_URL", error)
    else:
        log.error("the Discord connection failed: %s", error, exc_info=error)
    return EXIT_FAILED
