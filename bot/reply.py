"""One message the bot sends: text and/or embeds, buttons, and a nonce that makes re-sending it safe."""

import secrets
from dataclasses import dataclass, field
from typing import Any

import discord

# Every message the bot sends pings nobody: not the asker, not a role, not @everyone.
NO_MENTIONS = discord.AllowedMentions.none()


@dataclass
class Reply:
    """One message to send: text and/or embeds, and the answer's buttons if any.

    ``nonce`` makes a channel message idempotent: discord.py sends it with ``enforce_nonce``, so Discord
    creates the message once however often a retry repeats the request.
    """

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    def kwargs(self) -> dict[str, Any]:
        sent: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if self.content is not None:
            sent["content"] = self.content
        if self.embeds:
            sent["embeds"] = self.embeds
        if self.view is not None:
            sent["view"] = self.view
        return sent
