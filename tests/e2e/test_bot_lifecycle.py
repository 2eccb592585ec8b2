"""Running the bot: graceful SIGTERM, start-up failures that say the fix, gateway choice, resume, health, shards."""

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Callable

import discord
import pytest
import yarl

from bot.client import ShardedEssayBot
from bot.health import check, read_status, status_path
from bot.render import SHUTTING_DOWN
from bot.runner import EXIT_FAILED, EXIT_OK, serve
from tests.bot_fakes import FakeEngine
from tests.e2e.conftest import WAIT, description, endpoints_restored, make_services, make_settings
from tests.fake_discord import FakeDiscord, World

QUESTION = "why did the 1950 alliance fail?"


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_sigterm_finishes_the_questions_in_flight_refuses_new_ones_and_exits_cleanly(fake, tmp_path):
    engine = FakeEngine(gate=threading.Event())
    settings = make_settings(fake, tmp_path / "data")
    with endpoints_restored():
        serving = asyncio.create_task(
            serve(settings, make_services(settings, engine), fake.token, guild_ready_timeout=0.05)
        )
        await fake.wait_until_ready(timeout=WAIT)
        in_flight = await fake.send_slash_command("ask", {"question": QUESTION})
        await asyncio.to_thread(engine.started.wait, WAIT)

        os.kill(os.getpid(), signal.SIGTERM)
        await until(lambda: not getattr(read_status(status_path(settings.data_dir)), "accepting", True))
        late = await fake.send_slash_command("ask", {"question": "what was the treaty of 1896?"}, user="bob")
        refused = await late.response()
        engine.gate.set()
        answered = await in_flight.final_message()
        code = await asyncio.wait_for(serving, WAIT)

    assert code == EXIT_OK
    assert "1950" in description(answered)
    assert refused.data["content"] == SHUTTING_DOWN
    # The client closed the gateway itself (discord.py on aiohttp closes with 4000, not 1000).
    assert (
        fake.gateway.connections[-1].close_code is not None and not fake.gateway.live_sessions()[0].connection
    )
    assert check(settings) == 1  # the status file no longer says ready


async def test_an_invalid_token_exits_non_zero_saying_invalid_token(fake, tmp_path, caplog):
    settings = make_settings(fake, tmp_path / "data")
    with endpoints_restored(), caplog.at_level(logging.ERROR):
        code = await asyncio.wait_for(serve(settings, make_services(settings), "not-the-token"), WAIT)

    assert code == EXIT_FAILED
    assert "invalid token" in caplog.text
    assert len(fake.requests_to("GET /users/@me")) == 1  # no retry loop
    assert not fake.gateway.connections


async def test_a_refused_message_content_intent_exits_naming_the_intent(tmp_path, caplog):
    async with FakeDiscord(World.default(privileged_intents=())) as fake:
        settings = make_settings(fake, tmp_path / "data")
        with endpoints_restored(), caplog.at_level(logging.ERROR):
            code = await asyncio.wait_for(serve(settings, make_services(settings), fake.token), WAIT)

    assert code == EXIT_FAILED
    assert "Message Content Intent" in caplog.text and "Developer Portal" in caplog.text
    assert [f.d["close"] for f in fake.frames if f.op is None] == [4014]
    assert len([f for f in fake.frames if f.direction == "recv" and f.op == 2]) == 1  # no reconnect loop


async def test_without_a_gateway_url_the_bot_uses_the_one_the_rest_api_names(fake, start_bot):
    with endpoints_restored():
        # If the bot ignored GET /gateway/bot it would dial this dead loopback port, never a real host.
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("ws://127.0.0.1:9/nowhere")
        async with start_bot(discord_gateway_url=None):
            handle = await fake.send_slash_command("ask", {"question": QUESTION})
            message = await handle.final_message()

    assert fake.requests_to("GET /gateway/bot")
    assert "1950" in description(message)


async def test_after_a_gateway_reconnect_the_bot_resumes_and_keeps_answering(fake, essaybot):
    await fake.reconnect()
    await fake.wait_for_resume(timeout=WAIT)

    handle = await fake.send_slash_command("ask", {"question": QUESTION})
    message = await handle.final_message()

    assert "1950" in description(message)


async def test_the_health_check_passes_only_while_the_bot_is_connected(fake, start_bot, tmp_path):
    settings = make_settings(fake, tmp_path / "data")
    async with start_bot(data_dir=tmp_path / "data") as bot:
        await bot.write_status()
        healthy = check(settings)

    assert healthy == 0
    assert check(settings) == 1
    assert read_status(status_path(settings.data_dir)).connected is False


async def test_configured_shards_use_the_sharded_client_and_answer(fake, start_bot, monkeypatch):
    async def no_identify_delay(self, shard_id, *, initial=False):
        """discord.py waits 5 s between IDENTIFYs to respect Discord's limit; the fake has none."""

    monkeypatch.setattr(ShardedEssayBot, "before_identify_hook", no_identify_delay)
    async with start_bot(shard_count=2) as bot:
        asked = await fake.send_message("general", "alice", f"{fake.world.bot.mention} {QUESTION}")
        reply = await fake.wait_for_message("general", after=asked, timeout=WAIT)
        connected = bot.connected

    assert isinstance(bot, ShardedEssayBot) and connected
    identified = sorted(tuple(f.d["shard"]) for f in fake.frames if f.direction == "recv" and f.op == 2)
    assert identified == [(0, 2), (1, 2)]
    assert "1950" in description(reply)


@pytest.mark.parametrize("shard_ids", [[0], [1]])
async def test_a_process_runs_only_its_own_shards(fake, start_bot, monkeypatch, shard_ids):
    monkeypatch.setattr(ShardedEssayBot, "before_identify_hook", lambda *a, **k: asyncio.sleep(0))
    async with start_bot(shard_count=2, shard_ids=shard_ids):
        pass

    identified = [tuple(f.d["shard"]) for f in fake.frames if f.direction == "recv" and f.op == 2]
    assert identified == [(shard_ids[0], 2)]
