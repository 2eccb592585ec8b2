"""Interactions the fake dispatched: their payloads, what the bot answered, and handles tests await."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import permissions as perms
from .world import FakeChannel, FakeUser, World

if TYPE_CHECKING:
    from .messages import StoredMessage
    from .server import FakeDiscord

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Callback types: 1 PONG, 4 CHANNEL_MESSAGE_WITH_SOURCE, 5 DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
# 6 DEFERRED_UPDATE_MESSAGE, 7 UPDATE_MESSAGE, 8 APPLICATION_COMMAND_AUTOCOMPLETE_RESULT, 9 MODAL.
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    PING: frozenset({1}),
    APPLICATION_COMMAND: frozenset({4, 5, 9}),
    MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9}),
    AUTOCOMPLETE: frozenset({8}),
    MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class InteractionEvent:
    """One thing the bot did (or tried) with an interaction: a callback, a follow-up, an edit...

    ``kind`` is "callback", "followup", "get_original", "edit_original", "delete_original",
    "get_message", "edit_message" or "delete_message". Rejected attempts are recorded too.
    """

    kind: str
    status: int
    after: float  # seconds since the interaction was dispatched, on the fake's clock
    body: Any
    callback_type: int | None = None
    message_id: int | None = None
    error_code: int | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def data(self) -> dict[str, Any]:
        """The callback's ``data`` (for callbacks) or the message body (for webhook calls)."""
        if self.kind == "callback" and isinstance(self.body, Mapping):
            return dict(self.body.get("data") or {})
        return dict(self.body or {})


@dataclass
class InteractionState:
    id: int
    token: str = field(repr=False)
    type: int
    payload: dict[str, Any] = field(repr=False)
    created_at: float
    channel_id: int
    guild_id: int | None
    user_id: int
    message_id: int | None = None  # the message a component sits on
    callback_type: int | None = None
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    events: list[InteractionEvent] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None


class InteractionHandle:
    """What ``send_*`` returns: the interaction's id and payload, and ways to await the bot's answer."""

    def __init__(self, fake: FakeDiscord, state: InteractionState) -> None:
        self._fake = fake
        self._state = state

    @property
    def id(self) -> int:
        return self._state.id

    @property
    def token(self) -> str:
        return self._state.token

    @property
    def payload(self) -> dict[str, Any]:
        return self._state.payload

    @property
    def events(self) -> list[InteractionEvent]:
        return list(self._state.events)

    @property
    def callback_type(self) -> int | None:
        return self._state.callback_type

    @property
    def original_message(self) -> StoredMessage | None:
        return self._fake.messages.get(self._state.original_id) if self._state.original_id else None

    @property
    def followups(self) -> list[StoredMessage]:
        return [self._fake.messages[i] for i in self._state.followup_ids]

    async def response(self, timeout: float = 5.0) -> InteractionEvent:
        """The first accepted callback (defer, message, autocomplete result, modal...)."""
        return await self._fake.notifier.wait_for(
            lambda: next((e for e in self._state.events if e.kind == "callback" and e.accepted), None),
            timeout=timeout,
            describe=lambda: f"a callback for interaction {self.id}; events so far: {self._state.events}",
        )

    async def choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The autocomplete choices the bot answered with."""
        event = await self.response(timeout)
        return list(event.data.get("choices") or [])

    async def followup(self, index: int = 0, timeout: float = 5.0) -> StoredMessage:
        return await self._fake.notifier.wait_for(
            lambda: self.followups[index] if len(self._state.followup_ids) > index else None,
            timeout=timeout,
            describe=lambda: (
                f"follow-up #{index} to interaction {self.id}; events so far: {self._state.events}"
            ),
        )

    async def final_message(self, timeout: float = 5.0) -> StoredMessage:
        """The original response once it is no longer "thinking" (sent, or a deferral filled in)."""

        def settled() -> StoredMessage | None:
            message = self.original_message
            return message if message is not None and not message.loading else None

        return await self._fake.notifier.wait_for(
            settled,
            timeout=timeout,
            describe=lambda: f"a settled original response to {self.id}; events so far: {self._state.events}",
        )


def channel_payload(world: World, channel: FakeChannel) -> dict[str, Any]:
    data = channel.payload(world)
    guild = world.guild_of(channel)
    if guild is not None:
        data["permissions"] = str(world.permissions_in(channel, world.bot.id))
    return data


def build_interaction(
    world: World,
    *,
    interaction_id: int,
    token: str,
    type: int,
    data: dict[str, Any] | None,
    channel: FakeChannel,
    user: FakeUser,
    message: dict[str, Any] | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload as Discord sends it over the gateway."""
    guild = world.guild_of(channel)
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(world.application_id),
        "type": type,
        "token": token,
        "version": 1,
        "channel": channel_payload(world, channel),
        "channel_id": str(channel.id),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if data is not None:
        payload["data"] = data
    if guild is not None:
        member = guild.member(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of {guild.name}")
        member_data = member.payload()
        member_data["permissions"] = str(world.permissions_in(channel, user.id))
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member_data,
            app_permissions=str(world.permissions_in(channel, world.bot.id)),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
        )
    else:
        payload.update(
            user=user.payload(),
            app_permissions=str(perms.DM_PERMISSIONS),
            authorizing_integration_owners={"0": str(user.id)}
            if channel.recipient_id
            else {"1": str(user.id)},
            context=1,
        )
    if message is not None:
        payload["message"] = message
    return payload
