"""Messages the fake holds (users' and the bot's), who each one would ping, and their API payloads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .limits import EPHEMERAL, LOADING
from .world import World, iso

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")

DEFAULT = 0
REPLY = 19
CHAT_INPUT_COMMAND = 20
CONTEXT_MENU_COMMAND = 23


@dataclass(frozen=True)
class Pings:
    """Who a message would notify, from its content, allowed_mentions and reply target.

    Conservative: a role mention counts even if the role is not mentionable, and @everyone counts
    even if the bot lacks MENTION_EVERYONE, because a bot must never rely on those to stay quiet.
    """

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False
    replied_user: int | None = None

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone or self.replied_user)


def compute_pings(
    content: str, allowed_mentions: Mapping[str, Any] | None, replied_author: int | None
) -> Pings:
    users = {int(u) for u in USER_MENTION.findall(content)}
    roles = {int(r) for r in ROLE_MENTION.findall(content)}
    everyone = bool(EVERYONE_MENTION.search(content))
    if allowed_mentions is None:
        # No allowed_mentions at all: Discord parses everything, and replies ping their author.
        return Pings(frozenset(users), frozenset(roles), everyone, replied_author)
    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
    allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
    return Pings(
        users=frozenset(users if "users" in parse else users & allowed_users),
        roles=frozenset(roles if "roles" in parse else roles & allowed_roles),
        everyone=everyone and "everyone" in parse,
        replied_user=replied_author if allowed_mentions.get("replied_user") is True else None,
    )


@dataclass(frozen=True)
class Attachment:
    id: int
    filename: str
    size: int
    content_type: str | None

    def payload(self) -> dict[str, object]:
        url = f"https://cdn.discordapp.com/attachments/0/{self.id}/{self.filename}"
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }


@dataclass
class StoredMessage:
    """A message in a channel, as the fake keeps it. ``source`` says how it was made:

    "user" (dispatched by the test), "rest" (``POST /channels/{id}/messages``),
    "interaction" (an interaction callback's own message) or "followup" (a webhook follow-up).
    """

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    source: str
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    tts: bool = False
    allowed_mentions: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    pings: Pings = field(default_factory=Pings)
    interaction_id: int | None = None
    webhook_id: int | None = None
    type: int = DEFAULT
    timestamp: str = field(default_factory=iso)
    edited_timestamp: str | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    mention_user_ids: tuple[int, ...] = ()
    mention_role_ids: tuple[int, ...] = ()

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred interaction response still showing "Bot is thinking..."."""
        return bool(self.flags & LOADING)

    @property
    def custom_ids(self) -> list[str]:
        found: list[str] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                if item.get("custom_id"):
                    found.append(item["custom_id"])
                walk(item.get("components") or [])
                if item.get("accessory"):
                    walk([item["accessory"]])

        walk(self.components)
        return found

    def apply(self, body: Mapping[str, Any]) -> None:
        """Apply a create/edit body's message fields."""
        for key in ("content", "embeds", "components", "tts"):
            if key in body and body[key] is not None:
                setattr(self, key, body[key])
        if "flags" in body and body["flags"] is not None:
            # Ephemeral and loading are fixed at creation; edits change only the rest.
            kept = self.flags & (EPHEMERAL | LOADING)
            self.flags = kept | (body["flags"] & ~(EPHEMERAL | LOADING))
        if "allowed_mentions" in body:
            self.allowed_mentions = body["allowed_mentions"]

    def payload(self, world: World) -> dict[str, Any]:
        author = world.users.get(self.author_id)
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.type,
            "author": author.payload()
            if author
            else {"id": str(self.author_id), "username": "unknown", "discriminator": "0", "avatar": None},
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": self.tts,
            "mention_everyone": self.pings.everyone,
            "mentions": [world.users[u].payload() for u in self.mention_user_ids if u in world.users],
            "mention_roles": [str(r) for r in self.mention_role_ids],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        return data

    def __repr__(self) -> str:
        return (
            f"<StoredMessage id={self.id} channel={self.channel_id} author={self.author_id} source={self.source} "
            f"content={self.content[:40]!r} embeds={len(self.embeds)} flags={self.flags}>"
        )
