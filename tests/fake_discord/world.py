"""The fake's world: users, guilds, roles, channels and members as frozen values, with their JSON payloads."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from . import permissions as perms
from .permissions import Overwrite

DISCORD_EPOCH_MS = 1_420_070_400_000

# Channel types.
GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11
THREAD_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)  # minutes


class Snowflakes:
    """Makes ids the way Discord does (timestamp << 22 | counter), so ``snowflake_time`` is meaningful."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)


def iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if ts is None else ts, tz=UTC).isoformat()


@dataclass(frozen=True)
class FakeUser:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    # False models a user who blocks DMs from server members: sends to their DM fail with 50007.
    accepts_dms: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, object]:
        data: dict[str, object] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(frozen=True)
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, object]:
        data: dict[str, object] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(frozen=True)
class FakeChannel:
    id: int
    name: str
    type: int = GUILD_TEXT
    guild_id: int | None = None
    overwrites: tuple[Overwrite, ...] = ()
    position: int = 0
    recipient_id: int | None = None  # DMs only
    # Threads only: the channel it is in, who started it, and its thread_metadata.
    parent_id: int | None = None
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=iso)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_thread(self) -> bool:
        return self.type == PUBLIC_THREAD

    def payload(self, world: World | None = None) -> dict[str, object]:
        if self.is_thread:
            return {
                "id": str(self.id),
                "type": self.type,
                "guild_id": str(self.guild_id),
                "parent_id": str(self.parent_id),
                "owner_id": str(self.owner_id),
                "name": self.name,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "message_count": 0,
                "member_count": 1,
                "total_message_sent": 0,
                "flags": 0,
                "thread_metadata": {
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.created_at,
                    "locked": self.locked,
                    "create_timestamp": self.created_at,
                },
            }
        if self.type == DM:
            recipients = []
            if world is not None and self.recipient_id in world.users:
                recipients = [world.users[self.recipient_id].payload()]
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": recipients,
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [ow.payload() for ow in self.overwrites],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }


@dataclass(frozen=True)
class FakeMember:
    user: FakeUser
    role_ids: tuple[int, ...] = ()
    nick: str | None = None
    joined_at: str = field(default_factory=iso)

    def payload(self, *, with_user: bool = True) -> dict[str, object]:
        data: dict[str, object] = {
            "roles": [str(r) for r in self.role_ids],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass(frozen=True)
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: tuple[FakeRole, ...]
    channels: tuple[FakeChannel, ...]
    members: tuple[FakeMember, ...]

    @property
    def everyone(self) -> FakeRole:
        return self.role(self.id)

    def role(self, key: int | str) -> FakeRole:
        for role in self.roles:
            if key in (role.id, role.name):
                return role
        raise KeyError(f"guild {self.name!r} has no role {key!r}")

    def channel(self, key: int | str) -> FakeChannel:
        for channel in self.channels:
            if key in (channel.id, channel.name):
                return channel
        raise KeyError(f"guild {self.name!r} has no channel {key!r}")

    def member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def base_permissions(self, user_id: int) -> int:
        member = self.member(user_id)
        if member is None:
            return 0
        roles = [r.permissions for r in self.roles if r.id in member.role_ids]
        return perms.base_permissions(
            everyone=self.everyone.permissions, role_permissions=roles, is_owner=user_id == self.owner_id
        )

    def permissions_in(self, channel: FakeChannel, user_id: int) -> int:
        member = self.member(user_id)
        if member is None:
            return 0
        return perms.channel_permissions(
            self.base_permissions(user_id),
            guild_id=self.id,
            member_id=user_id,
            member_role_ids=member.role_ids,
            overwrites=channel.overwrites,
        )

    def payload(self) -> dict[str, object]:
        """The GUILD_CREATE payload: everything discord.py needs so ``permissions_for(guild.me)`` resolves."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": [],
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "widget_enabled": False,
            "incidents_data": None,
            "roles": [r.payload() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "joined_at": iso(),
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(self.members),
            "members": [m.payload() for m in self.members],
            "channels": [c.payload() for c in self.channels],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class World:
    """Everything the fake knows about: the bot, its token, users, guilds and DM channels."""

    bot: FakeUser
    token: str = field(repr=False)
    users: dict[int, FakeUser]
    guilds: dict[int, FakeGuild]
    # Intents switched on in the developer portal: a subset of "members", "presences", "message_content".
    privileged_intents: frozenset[str] = frozenset({"message_content"})
    dm_channels: dict[int, FakeChannel] = field(default_factory=dict)
    threads: dict[int, FakeChannel] = field(default_factory=dict)
    snowflakes: Snowflakes = field(default_factory=Snowflakes)

    @property
    def application_id(self) -> int:
        # Applications made since 2021 share the bot user's id.
        return self.bot.id

    @property
    def application_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        for name in self.privileged_intents:
            flags |= perms.PRIVILEGED_INTENT_APP_FLAGS[name]
        return flags

    @property
    def guild(self) -> FakeGuild:
        """The first guild: most tests only have one."""
        return next(iter(self.guilds.values()))

    def user(self, key: int | str) -> FakeUser:
        for user in self.users.values():
            if key in (user.id, user.username):
                return user
        raise KeyError(f"no user {key!r}")

    def channel(self, key: int | str) -> FakeChannel:
        """A guild channel by id or name, or a DM channel by id."""
        for guild in self.guilds.values():
            for channel in guild.channels:
                if key in (channel.id, channel.name):
                    return channel
        for channel in self.dm_channels.values():
            if channel.id == key:
                return channel
        for thread in self.threads.values():
            if key in (thread.id, thread.name):
                return thread
        raise KeyError(f"no channel {key!r}")

    def find_channel(self, channel_id: int) -> FakeChannel | None:
        try:
            return self.channel(channel_id)
        except KeyError:
            return None

    def dm_channel(self, user_id: int) -> FakeChannel:
        """The DM channel between the bot and a user, made on first use (like ``POST /users/@me/channels``)."""
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = FakeChannel(
                id=self.snowflakes.next(), name="", type=DM, recipient_id=user_id
            )
        return self.dm_channels[user_id]

    def permissions_in(self, channel: FakeChannel, user_id: int) -> int | None:
        """A user's permissions in a guild channel (a thread's are its parent's); None in a DM."""
        guild = self.guild_of(channel)
        if guild is None:
            return None
        if channel.is_thread:
            channel = self.channel(channel.parent_id) if channel.parent_id is not None else channel
        return guild.permissions_in(channel, user_id)

    def active_threads(self, guild_id: int) -> list[FakeChannel]:
        return [t for t in self.threads.values() if t.guild_id == guild_id and not t.archived]

    def guild_of(self, channel: FakeChannel) -> FakeGuild | None:
        return self.guilds.get(channel.guild_id) if channel.guild_id is not None else None

    def replace_guild(self, guild: FakeGuild) -> None:
        self.guilds[guild.id] = guild

    @classmethod
    def default(
        cls,
        *,
        token: str = "fake-bot-token.essaybot",
        privileged_intents: Iterable[str] = ("message_content",),
    ) -> World:
        """One guild, "Essay Club": #general (open), #announcements (bot may not send), #staff (hidden).

        Users: the bot "EssayBot", "alice", "bob" (refuses DMs), and the owner "olivia".
        """
        ids = Snowflakes()
        bot = FakeUser(ids.next(), "EssayBot", bot=True)
        alice = FakeUser(ids.next(), "alice", global_name="Alice")
        bob = FakeUser(ids.next(), "bob", global_name="Bob", accepts_dms=False)
        olivia = FakeUser(ids.next(), "olivia", global_name="Olivia")
        guild_id = ids.next()
        everyone = FakeRole(guild_id, "@everyone", perms.DEFAULT_EVERYONE)
        bot_role = FakeRole(
            ids.next(), "EssayBot", perms.DEFAULT_BOT, position=2, managed=True, bot_id=bot.id
        )
        moderators = FakeRole(ids.next(), "Moderators", perms.MANAGE_MESSAGES, position=1, mentionable=True)
        general = FakeChannel(ids.next(), "general", guild_id=guild_id, position=0)
        announcements = FakeChannel(
            ids.next(),
            "announcements",
            guild_id=guild_id,
            position=1,
            overwrites=(Overwrite(guild_id, 0, deny=perms.SEND_MESSAGES),),
        )
        staff = FakeChannel(
            ids.next(),
            "staff",
            guild_id=guild_id,
            position=2,
            overwrites=(
                Overwrite(guild_id, 0, deny=perms.VIEW_CHANNEL),
                Overwrite(moderators.id, 0, allow=perms.VIEW_CHANNEL),
            ),
        )
        guild = FakeGuild(
            id=guild_id,
            name="Essay Club",
            owner_id=olivia.id,
            roles=(everyone, moderators, bot_role),
            channels=(general, announcements, staff),
            members=(
                FakeMember(bot, (bot_role.id,)),
                FakeMember(alice),
                FakeMember(bob),
                FakeMember(olivia, (moderators.id,)),
            ),
        )
        return cls(
            bot=bot,
            token=token,
            users={u.id: u for u in (bot, alice, bob, olivia)},
            guilds={guild.id: guild},
            privileged_intents=frozenset(privileged_intents),
            snowflakes=ids,
        )

    def with_channel_overwrite(self, channel_id: int, overwrite: Overwrite) -> None:
        """Add or replace an overwrite on a guild channel (e.g. to take SEND_MESSAGES from the bot)."""
        channel = self.channel(channel_id)
        guild = self.guild_of(channel)
        if guild is None:
            raise ValueError("only guild channels have overwrites")
        kept = tuple(ow for ow in channel.overwrites if (ow.type, ow.id) != (overwrite.type, overwrite.id))
        updated = replace(channel, overwrites=(*kept, overwrite))
        channels = tuple(updated if c.id == channel.id else c for c in guild.channels)
        self.replace_guild(replace(guild, channels=channels))
