"""A strict, local fake of Discord's REST API and gateway, for driving a real discord.py client in tests."""

from .discordpy import assert_discord_py_is_local, discord_py_pointed_at
from .errors import ApiError
from .faults import Fault, Faults
from .interactions import InteractionEvent, InteractionHandle
from .messages import Pings, StoredMessage
from .permissions import Overwrite
from .recorder import FakeDiscordTimeout, GatewayFrame, RecordedRequest
from .server import FakeDiscord
from .world import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, World

__all__ = [
    "ApiError",
    "FakeChannel",
    "FakeDiscord",
    "FakeDiscordTimeout",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Fault",
    "Faults",
    "GatewayFrame",
    "InteractionEvent",
    "InteractionHandle",
    "Overwrite",
    "Pings",
    "RecordedRequest",
    "StoredMessage",
    "World",
    "assert_discord_py_is_local",
    "discord_py_pointed_at",
]
