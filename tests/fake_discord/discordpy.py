"""Point an in-process discord.py at a FakeDiscord, and put it back afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from .server import FakeDiscord

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@contextlib.contextmanager
def discord_py_pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Set ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` to the fake for the block.

    Both are needed: ``discord.Client.connect`` never asks ``GET /gateway/bot`` (only
    ``AutoShardedClient`` does); it opens ``DEFAULT_GATEWAY``, and goes back to it after a
    non-resumable INVALID_SESSION. Webhooks and interaction callbacks use ``Route.BASE`` too.
    """
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


def assert_discord_py_is_local() -> None:
    """Fail fast, before any connection, if discord.py would talk to a real host."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    for url in (Route.BASE, str(DiscordWebSocket.DEFAULT_GATEWAY)):
        host = urlparse(url).hostname
        if host not in LOOPBACK:
            raise AssertionError(f"discord.py points at {url}; point it at the fake (discord_py_pointed_at)")
