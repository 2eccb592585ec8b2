"""The real `essaybot run` process, with the real model and index, against the fake Discord over loopback."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.health import read_status, status_path
from tests.conftest import REPO
from tests.e2e.conftest import description

START_WAIT = 120.0  # loading the model takes a few seconds; a bound, not a timing assertion


def bot_environment(fake, data_dir, index_dir) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ESSAYBOT_")}
    env.update(
        ESSAYBOT_DISCORD_TOKEN=fake.token,
        ESSAYBOT_DISCORD_API_URL=fake.api_url,
        ESSAYBOT_DISCORD_GATEWAY_URL=fake.gateway_url,
        ESSAYBOT_DATA_DIR=str(data_dir),
        ESSAYBOT_INDEX_DIR=str(index_dir),
        ESSAYBOT_COOLDOWN_SECONDS="0",
        ESSAYBOT_ALLOWED_CHANNEL_IDS="",  # set, so that a developer's .env cannot change them
        ESSAYBOT_ADMIN_USER_IDS="",
        ESSAYBOT_LOG_LEVEL="DEBUG",  # the most talkative level: the token must still appear nowhere
        ESSAYBOT_CORPUS_DIR=str(REPO / "corpus"),
        PYTHONPATH=str(REPO),  # this checkout's code, though the process runs outside it
    )
    return env


async def essaybot(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=Path(env["ESSAYBOT_DATA_DIR"]).parent,  # not the checkout: a developer's .env there stays unread
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def until_ready(status_file, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not getattr(read_status(status_file), "ready", False):
        assert loop.time() < deadline, "the bot never reported ready in its status file"
        await asyncio.sleep(0.1)


@pytest.mark.model
async def test_the_bot_process_answers_reports_healthy_and_stops_cleanly_on_sigterm(
    fake, tmp_path, real_index_dir
):
    env = bot_environment(fake, tmp_path / "data", real_index_dir)
    process = await essaybot("run", env=env)
    log_read = asyncio.create_task(
        process.stderr.read()
    )  # drained as it comes, so the bot never blocks on it
    try:
        await fake.wait_until_ready(timeout=START_WAIT)
        handle = await fake.send_slash_command("ask", {"question": "What did Putin say at the Valdai Club?"})
        answer = await handle.final_message(timeout=60)
        await until_ready(status_path(tmp_path / "data"), timeout=60)
        health = await essaybot("health", env=env)
        health_code = await asyncio.wait_for(health.wait(), 60)

        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = (await asyncio.wait_for(log_read, 30)).decode()

    assert "Valdai" in description(answer)
    assert health_code == 0
    assert code == 0, log[-3000:]
    assert "stopping: no new questions" in log and "stopped" in log
    assert fake.token not in log
    assert "/interactions/" in log and handle.token not in log  # URLs are logged, their tokens are not
