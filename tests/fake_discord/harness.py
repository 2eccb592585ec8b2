"""Helpers for tests that run a real discord.py client against the fake: serve, run, wait."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from .discordpy import assert_discord_py_is_local, discord_py_pointed_at
from .server import FakeDiscord

if TYPE_CHECKING:
    import discord


@contextlib.asynccontextmanager
async def serving(*args: Any, **kwargs: Any) -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord with discord.py pointed at it; on exit, fail if the fake itself crashed."""
    async with FakeDiscord(*args, **kwargs) as fake:
        with discord_py_pointed_at(fake):
            yield fake
        if fake.server_errors:
            raise AssertionError(f"the fake Discord crashed: {fake.server_errors}")


@contextlib.asynccontextmanager
async def running(
    client: discord.Client, token: str, *, timeout: float = 5.0
) -> AsyncIterator[discord.Client]:
    """Run ``client.start(token)`` in the background until ``on_ready``; close it afterwards.

    discord.py ends ``connect`` (and logs nothing) when it cannot parse a payload; if the client
    died while the block ran, this raises that error as the root cause."""
    assert_discord_py_is_local()
    task = asyncio.create_task(client.start(token))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
        if ready not in done:
            raise AssertionError(f"the client was not ready within {timeout}s")
        yield client
    finally:
        ready.cancel()
        crashed = task.exception() if task.done() and not task.cancelled() else None
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout)
        if crashed is not None:
            raise AssertionError(f"the discord.py client crashed: {crashed!r}") from crashed


async def until(condition: Callable[[], object], timeout: float = 5.0, *, what: str = "condition") -> None:
    """Poll ``condition`` (for state on the client's side; the fake's own state has ``wait_for_*``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        await asyncio.sleep(0.01)
