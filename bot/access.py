"""Who may ask where: allowed channels, the cooldown, admins, and the bot's own permissions in a channel."""

import logging
from typing import Any

import discord

from bot.cooldown import Cooldown
from bot.render import NOT_IN_THIS_CHANNEL, SHUTTING_DOWN, cooldown_text
from bot.services import InFlight
from bot.settings import Settings

log = logging.getLogger(__name__)

# What a reply in a channel needs; Read Message History only to make it a reply (without it: a plain message).
NEEDED_TO_ANSWER = ("view_channel", "send_messages", "embed_links")
NEEDED_TO_REPLY = "read_message_history"
GRANT = "; grant them to the bot's role in that channel's permissions"


def permission_name(flag: str) -> str:
    """``send_messages`` as the Discord client shows it: "Send Messages"."""
    return flag.replace("_", " ").title()


def describe(channel: Any) -> str:
    """A channel as an operator can find it: its name and id, and its server's; or "a DM" and its id."""
    guild = getattr(channel, "guild", None)
    if guild is None:
        return f"a DM (channel id {channel.id})"
    return f"#{getattr(channel, 'name', '?')} (channel id {channel.id}) in {guild.name} (guild id {guild.id})"


class Access:
    """Decides whether a question is taken, and whether the bot can answer where it was asked."""

    def __init__(self, settings: Settings, cooldown: Cooldown, in_flight: InFlight) -> None:
        self.settings = settings
        self.cooldown = cooldown
        self.in_flight = in_flight
        self._refused_channels: set[int] = set()  # channels whose permission problem is already logged

    def answers_in(self, channel: object) -> bool:
        """Whether questions are answered in ``channel``: any DM, else the allowed channels (threads by parent)."""
        allowed = set(self.settings.allowed_channel_ids)
        if not allowed or getattr(channel, "guild", None) is None:
            return True
        return bool({getattr(channel, "id", None), getattr(channel, "parent_id", None)} & allowed)

    def refusal(self, user_id: int, channel: object) -> str | None:
        """Why a question cannot be taken now, or None (and the user's cooldown starts)."""
        if not self.in_flight.accepting:
            return SHUTTING_DOWN
        if not self.answers_in(channel):
            return NOT_IN_THIS_CHANNEL
        wait = self.cooldown.retry_after(user_id)
        if wait > 0:
            return cooldown_text(wait)
        return None

    def is_admin(
        self, user: discord.abc.User, permissions: discord.Permissions | None, in_guild: bool
    ) -> bool:
        """Configured admins anywhere; in a server, also members with Manage Server."""
        if user.id in self.settings.admin_user_ids:
            return True
        return in_guild and permissions is not None and permissions.manage_guild

    def may_answer_in(self, channel: Any) -> bool:
        """Whether the bot's permissions (as discord.py knows them) let it answer in ``channel``; if not,
        the operator is told once, and the question is left alone rather than answered into a 403."""
        missing, _ = self.missing_permissions(channel)
        if missing:
            self.log_refusal(
                channel, f"the bot lacks {', '.join(map(permission_name, missing))} there{GRANT}"
            )
        return not missing

    def may_open_thread_in(self, channel: Any) -> bool:
        """Whether the bot may start a public thread from a message in ``channel`` (a text channel)."""
        guild = getattr(channel, "guild", None)
        if guild is None or guild.me is None or not isinstance(channel, discord.TextChannel):
            return False
        granted = channel.permissions_for(guild.me)
        return granted.create_public_threads and granted.send_messages_in_threads

    def missing_permissions(self, channel: Any) -> tuple[list[str], bool]:
        """(permissions the bot lacks to answer in ``channel``, whether it may reply) as discord.py knows them."""
        guild = getattr(channel, "guild", None)
        if guild is None or guild.me is None:
            return [], True  # a DM: no permissions to check
        granted = channel.permissions_for(guild.me)
        needed: list[str] = list(NEEDED_TO_ANSWER)
        if isinstance(channel, discord.Thread):
            needed[needed.index("send_messages")] = "send_messages_in_threads"
        return [flag for flag in needed if not getattr(granted, flag)], getattr(granted, NEEDED_TO_REPLY)

    def log_refusal(self, channel: Any, why: str) -> None:
        if channel.id in self._refused_channels:
            return
        self._refused_channels.add(channel.id)
        log.warning(
            "cannot answer in %s: %s (further refusals there are not logged until an answer gets through)",
            describe(channel),
            why,
        )

    def answered_in(self, channel: Any) -> None:
        """An answer got through: the next refusal there is worth logging again."""
        self._refused_channels.discard(channel.id)
