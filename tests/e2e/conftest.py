"""End-to-end fixtures: the real EssayBot client, in-process, talking over loopback to the strict fake Discord."""

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.http import Route

from bot.answer_log import ANSWERS_FILE, AnswerLog
from bot.client import EssayBot, create_bot
from bot.cooldown import Cooldown
from bot.engine_holder import EngineHolder
from bot.feedback import FEEDBACK_FILE, FeedbackLog
from bot.health import status_path
from bot.services import Rebuild, Services
from bot.settings import Settings
from tests.bot_fakes import FakeEngine
from tests.fake_discord import FakeDiscord, StoredMessage, assert_discord_py_is_local

WAIT = 10.0  # every wait in these tests is bounded; none is a timing assertion


@pytest.fixture(autouse=True)
def no_essaybot_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("ESSAYBOT_")]:
        monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def no_unhandled_errors(caplog: pytest.LogCaptureFixture):
    """discord.py logs, rather than raises, what a handler fails with; here that fails the test."""
    yield
    # In teardown, caplog.records holds only teardown's records; the test's own are the "call" phase's.
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    unhandled = [r for r in records if r.name.startswith("discord") and r.levelno >= logging.ERROR]
    unhandled += [r for r in records if r.name == "bot.client" and r.getMessage().startswith("command ")]
    assert not unhandled, [f"{r.name}: {r.getMessage()}\n{r.exc_text}" for r in unhandled]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server
    server.assert_clean()


def make_settings(fake: FakeDiscord, data_dir: Path, **values: Any) -> Settings:
    values.setdefault("cooldown_seconds", 0)
    values.setdefault("discord_gateway_url", fake.gateway_url)
    # _env_file=None: a developer's .env (a real token, their channel ids) must not leak into tests.
    return Settings(
        _env_file=None, data_dir=data_dir, discord_api_url=fake.api_url, discord_token=fake.token, **values
    )


def make_services(
    settings: Settings,
    engine: Any = None,
    rebuild: Rebuild | None = None,
    window: float = 0.005,
    max_batch: int = 32,
) -> Services:
    data_dir = Path(settings.data_dir)
    return Services(
        engines=EngineHolder(
            engine if engine is not None else FakeEngine(), window=window, max_batch=max_batch
        ),
        feedback=FeedbackLog(data_dir / FEEDBACK_FILE),
        answers=AnswerLog(data_dir / ANSWERS_FILE),
        cooldown=Cooldown(settings.cooldown_seconds),
        rebuild=rebuild,
        status_path=status_path(data_dir),
    )


@contextlib.contextmanager
def endpoints_restored():
    """create_bot points discord.py (process-wide) at the fake; put it back for the next test."""
    saved = Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, settings: Settings, services: Services) -> AsyncIterator[EssayBot]:
    """Start the real client against the fake and wait for on_ready; close it (and its engine) afterwards."""
    with endpoints_restored():
        bot = create_bot(settings, services, guild_ready_timeout=0.05)
        assert_discord_py_is_local()
        task = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
        ready = asyncio.create_task(bot.wait_until_ready())
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                task.result()
            if ready not in done:
                raise AssertionError("the bot did not become ready")
            yield bot
        finally:
            ready.cancel()
            await bot.close()
            await services.engines.aclose()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, WAIT)


@pytest.fixture
def start_bot(fake: FakeDiscord, tmp_path: Path) -> Callable[..., Any]:
    """``async with start_bot(engine=..., rebuild=..., **settings) as bot:`` — the bot on its own DATA_DIR."""

    def start(
        engine: Any = None,
        rebuild: Rebuild | None = None,
        data_dir: Path | None = None,
        batching: dict[str, Any] | None = None,
        **values: Any,
    ):
        settings = make_settings(fake, data_dir or tmp_path / "data", **values)
        return running_bot(fake, settings, make_services(settings, engine, rebuild, **(batching or {})))

    return start


@pytest.fixture
async def essaybot(start_bot) -> AsyncIterator[EssayBot]:
    """The bot with the fake engine, no cooldown, and olivia's id as a configured admin."""
    async with start_bot() as bot:
        yield bot


def button(message: StoredMessage, action: str) -> str:
    """The custom id of the answer's button for ``action`` (more, para, up, down)."""
    found = [custom_id for custom_id in message.custom_ids if custom_id.startswith(f"essaybot:{action}:")]
    assert found, f"no {action!r} button on {message!r}"
    return found[0]


def description(message: StoredMessage) -> str:
    return "\n".join(embed.get("description") or "" for embed in message.embeds)


def pings_nobody(message: StoredMessage) -> bool:
    """The message was sent with no allowed mentions at all (not merely without mentions in it)."""
    allowed = message.allowed_mentions
    return (
        allowed is not None
        and allowed.get("parse") == []
        and not allowed.get("users")
        and not allowed.get("roles")
        and not allowed.get("replied_user")
    )
