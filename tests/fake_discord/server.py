"""``FakeDiscord``: the REST API and gateway on 127.0.0.1, plus what tests call to play users and inspect."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from aiohttp import web

from . import limits
from .errors import ApiError
from .faults import Faults
from .gateway import Gateway, Session
from .handlers import Handlers, with_guilds_intent
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionEvent,
    InteractionHandle,
    InteractionState,
    build_interaction,
)
from .messages import StoredMessage
from .recorder import Clock, GatewayFrame, Notifier, RecordedRequest, Recorder
from .rest import API_PREFIX, Buckets, Reply, RestApi
from .store import Store
from .world import FakeChannel, FakeUser, World

log = logging.getLogger(__name__)

ChannelRef = FakeChannel | int | str
UserRef = FakeUser | int | str

# Option types whose values are ids that Discord also sends in ``resolved``.
_USER, _CHANNEL, _ROLE, _MENTIONABLE = 6, 7, 8, 9
_PY_TYPES: dict[int, tuple[type, ...]] = {3: (str,), 4: (int,), 5: (bool,), 10: (int, float)}


class FakeDiscord:
    """A strict local Discord: REST under ``api_url``, gateway at ``gateway_url``, state in ``world``.

    Use as ``async with FakeDiscord() as fake:``; see README.md for the full API.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        heartbeat_interval: float = 41.25,
        enforce_heartbeats: bool = True,
        interaction_deadline: float = 3.0,
        interaction_token_ttl: float = 15 * 60,
        rate_limit: tuple[int, float] = (50, 1.0),
        echo_bot_messages: bool = True,
        recommended_shards: int = 1,
        shards_required: int = 1,
        require_synced_commands: bool = True,
    ) -> None:
        self.world = world or World.default()
        self.heartbeat_interval = heartbeat_interval
        self.enforce_heartbeats = enforce_heartbeats
        self.interaction_deadline = interaction_deadline
        self.interaction_token_ttl = interaction_token_ttl
        self.recommended_shards = recommended_shards
        self.shards_required = shards_required
        self.require_synced_commands = require_synced_commands
        self.clock = Clock()
        self.notifier = Notifier()
        self.recorder = Recorder(self.notifier)
        self.faults = Faults()
        self.gateway = Gateway(self)
        self.store = Store(self.world, self.gateway, echo_bot_messages=echo_bot_messages)
        self.rest = RestApi(self, Handlers(self).routes(), Buckets(*rate_limit))
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ----- lifecycle --------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/resume-gateway", self.gateway.handle)
        app.router.add_get("/resume-gateway/", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest.handle)
        app.router.add_route("*", "/{tail:.*}", self._outside_api)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.debug("fake Discord listening on %s", self.base_url)
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self.gateway.shutdown()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _outside_api(self, request: web.Request) -> web.Response:
        """Anything outside /api/v10 (another API version, a typo'd base URL) is a test failure."""
        self.recorder.add_request(
            method=request.method,
            path=request.path,
            route=None,
            params={},
            query=dict(request.query),
            headers={},
            auth="missing",
            json=None,
            files=(),
            multipart=False,
            status=404,
            response={"message": "404: Not Found", "code": 0},
            unexpected=True,
        )
        return self.rest.respond(Reply(404, {"message": "404: Not Found", "code": 0}))

    # ----- addresses and credentials --------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeDiscord is not started; use `async with FakeDiscord() as fake:`")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """For ``discord.http.Route.BASE`` (and the bot's DISCORD_API_URL)."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """For ``DiscordWebSocket.DEFAULT_GATEWAY`` (and the bot's DISCORD_GATEWAY_URL); also what GET /gateway/bot says."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """A different path than ``gateway_url``, so a test can see that RESUME used READY's resume URL."""
        return f"ws://127.0.0.1:{self.port}/resume-gateway"

    @property
    def token(self) -> str:
        return self.world.token

    def rotate_token(self, new_token: str | None = None) -> str:
        """Model "Reset Token" in the developer portal: the old token stops working everywhere."""
        self.world.token = new_token or secrets.token_urlsafe(24)
        return self.world.token

    # ----- the record -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self.recorder.requests)

    @property
    def unexpected_requests(self) -> list[RecordedRequest]:
        """Requests to routes the fake does not know (404/405): a test should usually assert this is empty."""
        return [r for r in self.recorder.requests if r.unexpected]

    @property
    def server_errors(self) -> list[str]:
        """Crashes inside the fake itself (bugs in the fake, not in the bot)."""
        return list(self.recorder.server_errors)

    @property
    def frames(self) -> list[GatewayFrame]:
        return list(self.recorder.frames)

    @property
    def messages(self) -> dict[int, StoredMessage]:
        return self.store.messages

    @property
    def sessions(self) -> list[Session]:
        return list(self.gateway.sessions.values())

    def mark(self) -> int:
        """An index into ``requests``; pass as ``since=`` to wait only for later requests."""
        return len(self.recorder.requests)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """Requests whose route template is ``route``, e.g. ``"POST /channels/{channel_id}/messages"``."""
        return [r for r in self.recorder.requests if r.route == route]

    def messages_in(self, channel: ChannelRef, *, include_users: bool = False) -> list[StoredMessage]:
        """The bot's messages in a channel, oldest first (``include_users=True`` adds the test's users')."""
        channel_id = self.channel(channel).id
        return [m for m in self.store.in_channel(channel_id) if include_users or m.source != "user"]

    def bot_messages(self) -> list[StoredMessage]:
        return [m for m in self.store.messages.values() if m.source != "user" and not m.deleted]

    def messages_that_ping(self) -> list[StoredMessage]:
        """Bot messages that would notify someone (see ``Pings``): usually should be empty."""
        return [m for m in self.bot_messages() if m.pings]

    def interaction_responses(self, interaction_id: int) -> list[InteractionEvent]:
        """Everything the bot did with an interaction, in order, including rejected attempts."""
        return list(self.store.interactions[interaction_id].events)

    def synced_commands(self, guild: int | None = None) -> list[dict[str, Any]]:
        """The commands from the last bulk overwrite (global by default)."""
        return list(self.store.commands.get(guild, []))

    def assert_clean(self) -> None:
        """Fail if the bot called a route the fake does not know, or the fake itself crashed."""
        problems = [repr(r) for r in self.unexpected_requests] + self.server_errors
        if problems:
            raise AssertionError("fake Discord saw problems:\n  " + "\n  ".join(problems))

    # ----- waiting ------------------------------------------------------------------------

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], *, since: int = 0, timeout: float = 5.0
    ) -> RecordedRequest:
        def check() -> RecordedRequest | None:
            return next((r for r in self.recorder.requests[since:] if predicate(r)), None)

        return await self.notifier.wait_for(
            check,
            timeout=timeout,
            describe=lambda: f"a matching request; saw {self.recorder.requests[since:]}",
        )

    async def wait_for_message(
        self,
        channel: ChannelRef | None = None,
        *,
        predicate: Callable[[StoredMessage], bool] | None = None,
        after: StoredMessage | int | None = None,
        timeout: float = 5.0,
    ) -> StoredMessage:
        """The first bot message (in ``channel``, newer than ``after``) that matches ``predicate``."""
        channel_id = self.channel(channel).id if channel is not None else None
        floor = after.id if isinstance(after, StoredMessage) else (after or 0)

        def check() -> StoredMessage | None:
            for message in self.bot_messages():
                if channel_id is not None and message.channel_id != channel_id:
                    continue
                if message.id > floor and (predicate is None or predicate(message)):
                    return message
            return None

        return await self.notifier.wait_for(
            check,
            timeout=timeout,
            describe=lambda: f"a bot message in {channel_id}; requests: {self.requests[-10:]}",
        )

    async def wait_for_frame(
        self, predicate: Callable[[GatewayFrame], bool], *, since: int = 0, timeout: float = 5.0
    ) -> GatewayFrame:
        def check() -> GatewayFrame | None:
            return next((f for f in self.recorder.frames[since:] if predicate(f)), None)

        return await self.notifier.wait_for(
            check,
            timeout=timeout,
            describe=lambda: f"a matching gateway frame; saw {self.recorder.frames[since:]}",
        )

    async def wait_until_ready(self, timeout: float = 5.0) -> Session:
        """A live session whose READY and GUILD_CREATEs are sent (discord.py's on_ready comes later,
        after its ``guild_ready_timeout``)."""
        return await self.notifier.wait_for(
            lambda: next((s for s in self.gateway.live_sessions() if s.ready and s.connection), None),
            timeout=timeout,
            describe=lambda: f"a ready gateway session; frames: {self.recorder.frames[-10:]}",
        )

    async def wait_for_resume(self, count: int = 1, timeout: float = 5.0) -> None:
        await self.notifier.wait_for(
            lambda: True if self.gateway.resumes >= count else None,
            timeout=timeout,
            describe=lambda: (
                f"{count} RESUME(s), saw {self.gateway.resumes}; frames: {self.recorder.frames[-10:]}"
            ),
        )

    # ----- gateway controls -----------------------------------------------------------------

    async def reconnect(self) -> None:
        """Send op 7 RECONNECT to every connected session."""
        await self.gateway.send_reconnect()

    async def drop_connection(self) -> None:
        """Cut the TCP connection (the client sees close code 1006) without ending the session."""
        await self.gateway.drop()

    async def invalidate_session(self, *, resumable: bool) -> None:
        """Send op 9 INVALID_SESSION; ``resumable=False`` ends the session (the client must IDENTIFY)."""
        await self.gateway.invalidate(resumable=resumable)

    async def request_heartbeat(self) -> None:
        await self.gateway.request_heartbeat()

    async def close_gateway(self, code: int, reason: str = "") -> None:
        await self.gateway.close(code, reason)

    # ----- lookups --------------------------------------------------------------------------

    def channel(self, ref: ChannelRef) -> FakeChannel:
        return ref if isinstance(ref, FakeChannel) else self.world.channel(ref)

    def user(self, ref: UserRef) -> FakeUser:
        return ref if isinstance(ref, FakeUser) else self.world.user(ref)

    def _default_channel(self, channel: ChannelRef | None) -> FakeChannel:
        return self.channel(channel if channel is not None else "general")

    def _default_user(self, user: UserRef | None) -> FakeUser:
        return self.user(user if user is not None else "alice")

    # ----- playing users: messages ---------------------------------------------------------

    async def send_message(
        self,
        channel: ChannelRef | None = None,
        author: UserRef | None = None,
        content: str = "",
        *,
        mentions: Iterable[UserRef] = (),
        embeds: list[dict[str, Any]] | None = None,
        reply_to: StoredMessage | None = None,
        reply_ping: bool = True,
    ) -> StoredMessage:
        """A user posts a message: the bot gets MESSAGE_CREATE (subject to its intents). ``mentions`` adds
        users to the mention list besides the ``<@id>`` in ``content``.

        ``reply_to`` makes it a reply: MESSAGE_CREATE then carries ``message_reference`` and the replied-to
        message as ``referenced_message``. As in Discord's client, a reply pings the replied-to author
        (who is then in ``mentions``, never in the text) unless ``reply_ping=False``. A message to an
        archived thread unarchives it (THREAD_UPDATE first); a locked one refuses it."""
        target = self._default_channel(channel)
        user = self._default_user(author)
        self._require_session(target.guild_id)
        guild = self.world.guild_of(target)
        if guild is not None and guild.member(user.id) is None:
            raise ValueError(f"{user.username} is not in {guild.name}")
        if target.is_thread and target.archived:
            if target.locked:
                raise ValueError(f"thread {target.name!r} is archived and locked: members cannot post there")
            target = await self.update_thread(target, archived=False)
        body: dict[str, Any] = {"content": content, "embeds": embeds or []}
        error = limits.check_message(body)
        if error is not None:
            raise ValueError(f"Discord would not accept that message from a user: {error.body()}")
        reference = None
        mentioned = [self.user(u).id for u in mentions]
        if reply_to is not None:
            if reply_to.channel_id != target.id:
                raise ValueError("a reply must be in the channel of the message it replies to")
            reference = {"type": 0, "message_id": str(reply_to.id), "channel_id": str(target.id)}
            if target.guild_id is not None:
                reference["guild_id"] = str(target.guild_id)
        message = self.store.create_message(
            target,
            author_id=user.id,
            body=body,
            source="user",
            reference=reference,
            replied_to=reply_to if reply_ping else None,  # only decides whether the author is pinged
            extra_user_mentions=tuple(mentioned),
        )
        await self.store.announce(message)
        return message

    # ----- threads ----------------------------------------------------------------------------

    def thread_of(self, message: StoredMessage) -> FakeChannel | None:
        """The thread started from ``message`` (it shares the message's id), if any."""
        return self.world.threads.get(message.id)

    async def update_thread(self, thread: FakeChannel, **changes: Any) -> FakeChannel:
        """Change a thread (e.g. ``archived=True, locked=True`` as a moderator would); THREAD_UPDATE follows."""
        updated = replace(thread, **changes)
        self.world.threads[thread.id] = updated
        await self.gateway.dispatch(
            "THREAD_UPDATE", updated.payload(), guild_id=updated.guild_id, shape=with_guilds_intent
        )
        return updated

    async def archive_thread(self, thread: ChannelRef, *, locked: bool = False) -> FakeChannel:
        """Archive a thread as Discord does after inactivity (or a moderator, with ``locked=True``)."""
        return await self.update_thread(self.channel(thread), archived=True, locked=locked)

    async def send_dm(self, author: UserRef | None = None, content: str = "") -> StoredMessage:
        user = self._default_user(author)
        return await self.send_message(self.world.dm_channel(user.id), user, content)

    # ----- playing users: interactions -----------------------------------------------------

    async def send_interaction(
        self,
        type: int,
        data: dict[str, Any] | None,
        *,
        channel: ChannelRef | None = None,
        user: UserRef | None = None,
        message: StoredMessage | None = None,
    ) -> InteractionHandle:
        """Dispatch any INTERACTION_CREATE; the typed helpers below build ``data`` for you."""
        target = self._default_channel(channel)
        actor = self._default_user(user)
        self._require_session(target.guild_id)
        interaction_id = self.world.snowflakes.next()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload = build_interaction(
            self.world,
            interaction_id=interaction_id,
            token=token,
            type=type,
            data=data,
            channel=target,
            user=actor,
            message=self.store.payload(message) if message is not None else None,
        )
        state = InteractionState(
            id=interaction_id,
            token=token,
            type=type,
            payload=payload,
            created_at=self.clock.now(),
            channel_id=target.id,
            guild_id=target.guild_id,
            user_id=actor.id,
            message_id=message.id if message is not None else None,
        )
        self.store.add_interaction(state)
        delivered = await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=target.guild_id)
        if not delivered:
            raise RuntimeError("no gateway session to deliver the interaction to")
        return InteractionHandle(self, state)

    def _command(self, name: str, type: int, channel: FakeChannel) -> dict[str, Any]:
        command = self.store.find_command(name, type=type, guild_id=channel.guild_id)
        if command is not None:
            return command
        if self.require_synced_commands:
            synced = {scope: [c["name"] for c in cmds] for scope, cmds in self.store.commands.items()}
            raise LookupError(
                f"command {name!r} (type {type}) was never synced, so Discord would not offer it; synced: {synced}"
            )
        return {"id": str(self.world.snowflakes.next()), "name": name, "type": type, "options": []}

    async def send_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: ChannelRef | None = None,
        user: UserRef | None = None,
        focused: str | None = None,
    ) -> InteractionHandle:
        """``/name`` with ``options``; "group sub" or "sub" paths go in ``name`` ("tag get").

        Values are checked against the synced definition (types, required, choices); with
        ``focused`` set this sends an autocomplete interaction for that option instead."""
        target = self._default_channel(channel)
        root, *path = name.split()
        command = self._command(root, 1, target)
        definitions = command.get("options") or []
        for part in path:
            sub = next((o for o in definitions if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                raise LookupError(f"/{root} has no subcommand {part!r}")
            definitions = sub.get("options") or []
        built, resolved = self._build_options(definitions, dict(options or {}), focused=focused)
        for part in reversed(path):
            kind = 1 if built is not None and all(o["type"] not in (1, 2) for o in built) else 2
            built = [{"name": part, "type": kind, "options": built}]
        data: dict[str, Any] = {"id": command["id"], "name": root, "type": 1, "options": built}
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        kind = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return await self.send_interaction(kind, data, channel=target, user=user)

    async def send_autocomplete(
        self,
        name: str,
        focused: str,
        value: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: ChannelRef | None = None,
        user: UserRef | None = None,
    ) -> InteractionHandle:
        """The user is typing ``value`` into option ``focused``; ``await handle.choices()`` for the answer."""
        return await self.send_slash_command(
            name, {**(options or {}), focused: value}, channel=channel, user=user, focused=focused
        )

    def _build_options(
        self, definitions: list[dict[str, Any]], values: dict[str, Any], *, focused: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        by_name = {d["name"]: d for d in definitions}
        unknown = set(values) - set(by_name)
        if unknown:
            raise ValueError(f"unknown options {sorted(unknown)}; the command has {sorted(by_name)}")
        built: list[dict[str, Any]] = []
        resolved: dict[str, dict[str, Any]] = {}
        for definition in definitions:
            name, kind = definition["name"], definition["type"]
            if name not in values:
                if definition.get("required") and focused is None:
                    raise ValueError(f"required option {name!r} is missing")
                continue
            value = values[name]
            option: dict[str, Any] = {"name": name, "type": kind}
            if name == focused:
                option.update(value=str(value), focused=True)
            else:
                option["value"] = self._option_value(definition, value, resolved)
            built.append(option)
        return built, resolved

    def _option_value(
        self, definition: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]]
    ) -> Any:
        kind, name = definition["type"], definition["name"]
        if kind in _PY_TYPES:
            if not isinstance(value, _PY_TYPES[kind]) or (kind != 5 and isinstance(value, bool)):
                raise TypeError(f"option {name!r} (type {kind}) cannot take {value!r}")
            choices = definition.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise ValueError(f"option {name!r} must be one of its choices, not {value!r}")
            return value
        if kind in (_USER, _MENTIONABLE) and isinstance(value, FakeUser | int | str):
            user = self.user(value)
            resolved.setdefault("users", {})[str(user.id)] = user.payload()
            member = self.world.guild.member(user.id) if self.world.guilds else None
            if member is not None:
                resolved.setdefault("members", {})[str(user.id)] = member.payload(with_user=False)
            return str(user.id)
        if kind == _CHANNEL:
            channel = self.channel(value)
            resolved.setdefault("channels", {})[str(channel.id)] = channel.payload(self.world)
            return str(channel.id)
        if kind == _ROLE:
            role = self.world.guild.role(value)
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            return str(role.id)
        raise TypeError(f"the fake cannot build option {name!r} of type {kind}")

    async def send_message_command(
        self, name: str, target: StoredMessage, *, user: UserRef | None = None
    ) -> InteractionHandle:
        """A message context-menu command ("Apps > name") on ``target``, in the target's channel."""
        channel = self.channel(target.channel_id)
        command = self._command(name, 3, channel)
        data = {
            "id": command["id"],
            "name": name,
            "type": 3,
            "target_id": str(target.id),
            "resolved": {"messages": {str(target.id): self.store.payload(target)}},
        }
        return await self.send_interaction(APPLICATION_COMMAND, data, channel=channel, user=user)

    async def send_user_command(
        self, name: str, target: UserRef, *, channel: ChannelRef | None = None, user: UserRef | None = None
    ) -> InteractionHandle:
        where = self._default_channel(channel)
        command = self._command(name, 2, where)
        member_of = self.user(target)
        resolved: dict[str, Any] = {"users": {str(member_of.id): member_of.payload()}}
        guild = self.world.guild_of(where)
        member = guild.member(member_of.id) if guild else None
        if member is not None:
            resolved["members"] = {str(member_of.id): member.payload(with_user=False)}
        data = {
            "id": command["id"],
            "name": name,
            "type": 2,
            "target_id": str(member_of.id),
            "resolved": resolved,
        }
        return await self.send_interaction(APPLICATION_COMMAND, data, channel=where, user=user)

    async def click_button(
        self, message: StoredMessage, custom_id: str, *, user: UserRef | None = None
    ) -> InteractionHandle:
        """Click a button the bot put on ``message`` (it must really be there)."""
        if custom_id not in message.custom_ids:
            raise LookupError(
                f"message {message.id} has no component {custom_id!r}; it has {message.custom_ids}"
            )
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.send_interaction(
            MESSAGE_COMPONENT, data, channel=message.channel_id, user=user, message=message
        )

    async def submit_modal(
        self,
        opened_by: InteractionHandle,
        values: Mapping[str, str],
        *,
        user: UserRef | None = None,
    ) -> InteractionHandle:
        """Submit the modal the bot opened (callback type 9) on ``opened_by``, filling text inputs by custom_id."""
        event = await opened_by.response()
        if event.callback_type != 9:
            raise LookupError(
                f"interaction {opened_by.id} was answered with type {event.callback_type}, not a modal"
            )
        modal = event.data
        rows = []
        for row in modal.get("components") or []:
            inner = row.get("components") or ([row["component"]] if row.get("component") else [])
            for comp in inner:
                if comp.get("type") == 4:
                    text = {
                        "type": 4,
                        "custom_id": comp["custom_id"],
                        "value": values.get(comp["custom_id"], ""),
                    }
                    rows.append(
                        {"type": 1, "components": [text]}
                        if row.get("type") == 1
                        else {"type": row.get("type"), "component": text}
                    )
        data = {"custom_id": modal["custom_id"], "components": rows}
        original = self.store.interactions[opened_by.id]
        message = self.messages.get(original.message_id) if original.message_id else None
        return await self.send_interaction(
            MODAL_SUBMIT, data, channel=original.channel_id, user=user or original.user_id, message=message
        )

    def _require_session(self, guild_id: int | None) -> None:
        if not self.gateway.sessions_for(guild_id):
            raise RuntimeError("no gateway session to deliver to; await fake.wait_until_ready() first")


__all__ = ["ApiError", "FakeDiscord"]
