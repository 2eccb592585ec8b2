"""What each REST route does: the routes discord.py uses for login, commands, messages and interactions."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from . import errors, limits
from . import permissions as perms
from .errors import ApiError, FormErrors
from .interactions import ALLOWED_CALLBACKS, AUTOCOMPLETE, InteractionEvent, InteractionState
from .limits import EPHEMERAL, INTERACTION_MESSAGE_FLAGS, LOADING
from .messages import CHAT_INPUT_COMMAND, CONTEXT_MENU_COMMAND, StoredMessage
from .rest import Call, Reply, Route
from .world import GUILD_TEXT, PUBLIC_THREAD, THREAD_ARCHIVE_DURATIONS, FakeChannel

if TYPE_CHECKING:
    from .server import FakeDiscord

TRUE_VALUES = ("1", "true", "True")


class Handlers:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.store = fake.store
        self.world = fake.world

    def routes(self) -> list[Route]:
        app_cmds = "/applications/{application_id}/commands"
        guild_cmds = "/applications/{application_id}/guilds/{guild_id}/commands"
        message = "/channels/{channel_id}/messages/{message_id}"
        hook = "/webhooks/{application_id}/{token}"
        return [
            Route("GET", "/users/@me", self.get_me),
            Route("POST", "/users/@me/channels", self.create_dm),
            Route("GET", "/users/{user_id}", self.get_user),
            Route("GET", "/oauth2/applications/@me", self.get_application),
            Route("GET", "/applications/@me", self.get_application),
            Route("GET", "/gateway", self.get_gateway, auth=False),
            Route("GET", "/gateway/bot", self.get_gateway_bot),
            Route("GET", app_cmds, self.list_commands),
            Route("PUT", app_cmds, self.overwrite_commands),
            Route("POST", app_cmds, self.upsert_command),
            Route("DELETE", app_cmds + "/{command_id}", self.delete_command),
            Route("GET", guild_cmds, self.list_commands),
            Route("PUT", guild_cmds, self.overwrite_commands),
            Route("POST", guild_cmds, self.upsert_command),
            Route("DELETE", guild_cmds + "/{command_id}", self.delete_command),
            Route("GET", "/channels/{channel_id}", self.get_channel),
            Route("GET", "/channels/{channel_id}/messages", self.list_messages),
            Route("POST", "/channels/{channel_id}/messages", self.create_message),
            Route("GET", message, self.get_message),
            Route("PATCH", message, self.edit_message),
            Route("DELETE", message, self.delete_message),
            Route("POST", "/channels/{channel_id}/typing", self.typing),
            Route("POST", message + "/threads", self.start_thread),
            Route("PUT", message + "/reactions/{emoji}/@me", self.react),
            Route("DELETE", message + "/reactions/{emoji}/@me", self.react),
            Route("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            Route(
                "POST",
                "/interactions/{interaction_id}/{token}/callback",
                self.interaction_callback,
                auth=False,
            ),
            Route("POST", hook, self.followup, auth=False),
            Route("GET", hook + "/messages/@original", self.get_original, auth=False),
            Route("PATCH", hook + "/messages/@original", self.edit_original, auth=False),
            Route("DELETE", hook + "/messages/@original", self.delete_original, auth=False),
            Route("GET", hook + "/messages/{message_id}", self.get_webhook_message, auth=False),
            Route("PATCH", hook + "/messages/{message_id}", self.edit_webhook_message, auth=False),
            Route("DELETE", hook + "/messages/{message_id}", self.delete_webhook_message, auth=False),
        ]

    # ----- users, application, gateway -----------------------------------------------------

    async def get_me(self, call: Call) -> Any:
        return {
            **self.world.bot.payload(),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
            "bio": "",
        }

    async def get_user(self, call: Call) -> Any:
        user = self.world.users.get(call.int_param("user_id"))
        if user is None:
            raise errors.unknown_user()
        return user.payload()

    async def get_application(self, call: Call) -> Any:
        owner = self.world.users[self.world.guild.owner_id] if self.world.guilds else self.world.bot
        return {
            "id": str(self.world.application_id),
            "name": self.world.bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.world.application_flags,
            "owner": owner.payload(),
            "team": None,
            "bot": self.world.bot.payload(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.world.guilds),
            "tags": [],
            "integration_types_config": {"0": {}},
        }

    async def get_gateway(self, call: Call) -> Any:
        return {"url": self.fake.gateway_url}

    async def get_gateway_bot(self, call: Call) -> Any:
        return {
            "url": self.fake.gateway_url,
            "shards": self.fake.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - self.fake.gateway.identifies,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    async def create_dm(self, call: Call) -> Any:
        body = call.json if isinstance(call.json, Mapping) else {}
        recipient = str(body.get("recipient_id", ""))
        if not recipient.isdigit():
            form = FormErrors()
            form.required(("recipient_id",))
            raise form.error()
        user = self.world.users.get(int(recipient))
        if user is None:
            raise errors.unknown_user()
        return self.world.dm_channel(user.id).payload(self.world)

    async def get_member(self, call: Call) -> Any:
        guild = self.world.guilds.get(call.int_param("guild_id"))
        if guild is None:
            raise errors.missing_access()
        member = guild.member(call.int_param("user_id"))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member.payload()

    # ----- application commands -------------------------------------------------------------

    def _command_scope(self, call: Call) -> int | None:
        if call.params["application_id"] != str(self.world.application_id):
            raise errors.missing_access()
        if "guild_id" not in call.params:
            return None
        guild_id = call.int_param("guild_id")
        if guild_id not in self.world.guilds:
            raise errors.missing_access()
        return guild_id

    async def list_commands(self, call: Call) -> Any:
        return self.store.commands.get(self._command_scope(call), [])

    async def overwrite_commands(self, call: Call) -> Any:
        scope = self._command_scope(call)
        error = limits.check_commands(call.json)
        if error is not None:
            raise error
        return self.store.overwrite_commands(scope, call.json)

    async def upsert_command(self, call: Call) -> Any:
        scope = self._command_scope(call)
        error = limits.check_commands([call.json])
        if error is not None:
            raise error
        return Reply(201, self.store.upsert_command(scope, call.json))

    async def delete_command(self, call: Call) -> Any:
        self.store.delete_command(self._command_scope(call), call.params["command_id"])
        return None

    # ----- channels and messages ------------------------------------------------------------

    def _channel(self, call: Call) -> FakeChannel:
        channel = self.world.find_channel(call.int_param("channel_id"))
        if channel is None:
            raise errors.unknown_channel()
        return channel

    def _bot_permissions(self, channel: FakeChannel) -> int | None:
        """The bot's permissions in a guild channel (a thread's are its parent's); None for DMs."""
        return self.world.permissions_in(channel, self.world.bot.id)

    @staticmethod
    def _send_permission(channel: FakeChannel) -> int:
        # In a thread, Send Messages in Threads is what counts, not Send Messages.
        return perms.SEND_MESSAGES_IN_THREADS if channel.is_thread else perms.SEND_MESSAGES

    async def _unarchive_for_message(self, channel: FakeChannel) -> FakeChannel:
        """A message sent to an archived thread unarchives it, unless a moderator locked it (then 50083)."""
        if not channel.is_thread or not channel.archived:
            return channel
        if channel.locked:
            raise errors.thread_archived()
        return await self.fake.update_thread(channel, archived=False)

    def _require(self, channel: FakeChannel, *needed: int) -> None:
        granted = self._bot_permissions(channel)
        if granted is None:
            return
        if not granted & perms.VIEW_CHANNEL:
            raise errors.missing_access()
        for bit in needed:
            if not granted & bit:
                raise errors.missing_permissions()

    def _message(self, channel: FakeChannel, call: Call) -> StoredMessage:
        message = self.store.messages.get(call.int_param("message_id"))
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
            raise errors.unknown_message()
        return message

    async def get_channel(self, call: Call) -> Any:
        channel = self._channel(call)
        self._require(channel)
        return channel.payload(self.world)

    async def list_messages(self, call: Call) -> Any:
        channel = self._channel(call)
        self._require(channel, perms.READ_MESSAGE_HISTORY)
        limit = int(call.query.get("limit", 50))
        if not 1 <= limit <= 100:
            form = FormErrors()
            form.add(("limit",), "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
            raise form.error()
        found = [m for m in self.store.in_channel(channel.id) if not m.ephemeral]
        if "before" in call.query:
            found = [m for m in found if m.id < int(call.query["before"])]
        if "after" in call.query:
            found = [m for m in found if m.id > int(call.query["after"])]
            return [self.store.payload(m) for m in sorted(found, key=lambda m: m.id)[:limit]][::-1]
        return [self.store.payload(m) for m in sorted(found, key=lambda m: m.id, reverse=True)[:limit]]

    async def get_message(self, call: Call) -> Any:
        channel = self._channel(call)
        self._require(channel, perms.READ_MESSAGE_HISTORY)
        return self.store.payload(self._message(channel, call))

    async def create_message(self, call: Call) -> Any:
        channel = self._channel(call)
        body = call.json if call.json is not None else {}
        self._require(channel, self._send_permission(channel))
        if channel.recipient_id is not None and not self.world.users[channel.recipient_id].accepts_dms:
            raise errors.cannot_send_to_user()
        error = limits.check_message(body, files=len(call.files))
        if error is not None:
            raise error
        if body.get("embeds"):
            self._require(channel, perms.EMBED_LINKS)
        if call.files:
            self._require(channel, perms.ATTACH_FILES)
        reference, target = self.store.resolve_reference(channel, body.get("message_reference"))
        if reference is not None:
            self._require(channel, perms.READ_MESSAGE_HISTORY)
        channel = await self._unarchive_for_message(channel)
        message = self.store.create_message(
            channel,
            author_id=self.world.bot.id,
            body=body,
            source="rest",
            files=call.files,
            reference=reference,
            replied_to=target,
        )
        if self.store.echo_bot_messages:
            await self.store.announce(message)
        return self.store.payload(message)

    async def edit_message(self, call: Call) -> Any:
        channel = self._channel(call)
        message = self._message(channel, call)
        if message.author_id != self.world.bot.id:
            raise errors.cannot_edit_others_message()
        await self._apply_edit(message, call)
        return self.store.payload(message)

    async def delete_message(self, call: Call) -> Any:
        channel = self._channel(call)
        message = self._message(channel, call)
        if message.author_id != self.world.bot.id:
            granted = self._bot_permissions(channel)
            if granted is None or not granted & perms.MANAGE_MESSAGES:
                raise errors.missing_permissions()
        message.deleted = True
        await self.store.announce(message, "MESSAGE_DELETE")
        return None

    async def typing(self, call: Call) -> Any:
        channel = self._channel(call)
        self._require(channel, self._send_permission(channel))
        return None

    async def start_thread(self, call: Call) -> Any:
        """Start Thread from Message: a public thread sharing the message's id; THREAD_CREATE and a MESSAGE_UPDATE
        of the message (now carrying ``thread``) follow, as the Channel resource docs say."""
        channel = self._channel(call)
        self._require(channel, perms.CREATE_PUBLIC_THREADS)
        form = FormErrors()
        if channel.type != GUILD_TEXT:
            form.add(("channel_id",), "CHANNEL_TYPE_INVALID", "Threads can only be started in text channels.")
            raise form.error()
        message = self._message(channel, call)
        body = call.json if isinstance(call.json, Mapping) else {}
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            form.bad_length(("name",), 1, 100)
        duration = body.get("auto_archive_duration", 4320)
        if duration not in THREAD_ARCHIVE_DURATIONS:
            form.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                f"Value must be one of {THREAD_ARCHIVE_DURATIONS}.",
            )
        if form:
            raise form.error()
        if message.id in self.world.threads:
            raise errors.thread_already_created()
        thread = FakeChannel(
            id=message.id,
            name=name,
            type=PUBLIC_THREAD,
            guild_id=channel.guild_id,
            parent_id=channel.id,
            owner_id=self.world.bot.id,
            auto_archive_duration=duration,
        )
        self.world.threads[thread.id] = thread
        await self.fake.gateway.dispatch(
            "THREAD_CREATE",
            {**thread.payload(), "newly_created": True},
            guild_id=thread.guild_id,
            shape=with_guilds_intent,
        )
        await self.store.announce(message, "MESSAGE_UPDATE")
        return Reply(201, thread.payload())

    async def react(self, call: Call) -> Any:
        channel = self._channel(call)
        self._message(channel, call)
        self._require(channel, perms.READ_MESSAGE_HISTORY, perms.ADD_REACTIONS)
        return None

    async def _apply_edit(self, message: StoredMessage, call: Call, *, fills_deferral: bool = False) -> None:
        body = call.json if call.json is not None else {}
        error = limits.check_message(
            body,
            files=len(call.files),
            allowed_flags=INTERACTION_MESSAGE_FLAGS | LOADING,
            require_content=False,
        )
        if error is not None:
            raise error
        merged = {
            "content": body.get("content", message.content),
            "embeds": body.get("embeds", message.embeds),
            "components": body.get("components", message.components),
        }
        if limits.is_empty_message(merged, len(call.files) + len(message.attachments)):
            raise errors.empty_message()
        was_loading = message.loading
        self.store.edit_message(message, body, mark_edited=not was_loading)
        if was_loading:
            message.flags &= ~LOADING
        if self.store.echo_bot_messages:
            await self.store.announce(message, "MESSAGE_UPDATE")

    # ----- interactions ---------------------------------------------------------------------

    def _event(self, state: InteractionState, kind: str, status: int, body: Any, **extra: Any) -> None:
        after = self.fake.clock.now() - state.created_at
        state.events.append(InteractionEvent(kind, status, after, body, **extra))
        self.fake.notifier.notify()

    async def _recorded(
        self, state: InteractionState, kind: str, body: Any, action: Callable[[], Any], **extra: Any
    ) -> Any:
        """Run an interaction action and record it, accepted or rejected, on the interaction."""
        try:
            result = await action()
        except ApiError as exc:
            self._event(state, kind, exc.status, body, error_code=exc.code, **extra)
            raise
        status = result.status if isinstance(result, Reply) else (200 if result is not None else 204)
        message_id = None
        payload = result.body if isinstance(result, Reply) else result
        if isinstance(payload, Mapping) and "id" in payload and "channel_id" in payload:
            message_id = int(payload["id"])
        self._event(state, kind, status, body, message_id=message_id, **extra)
        return result

    async def interaction_callback(self, call: Call) -> Any:
        state = self.store.interactions.get(call.int_param("interaction_id"))
        if state is None or not secrets.compare_digest(state.token, call.params["token"]):
            raise errors.unknown_interaction()
        body = call.json
        callback_type = body.get("type") if isinstance(body, Mapping) else None
        return await self._recorded(
            state, "callback", body, lambda: self._callback(state, call, body), callback_type=callback_type
        )

    async def _callback(self, state: InteractionState, call: Call, body: Any) -> Any:
        if state.acknowledged:
            raise errors.already_acknowledged()
        if self.fake.clock.now() - state.created_at > self.fake.interaction_deadline:
            raise errors.unknown_interaction()
        form = FormErrors()
        kind = body.get("type") if isinstance(body, Mapping) else None
        if kind not in ALLOWED_CALLBACKS[state.type]:
            allowed = sorted(ALLOWED_CALLBACKS[state.type])
            form.add(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Callback type {kind!r} is not valid for interaction type {state.type} (use one of {allowed}).",
            )
            raise form.error()
        data = body.get("data") or {}
        channel = self.world.channel(state.channel_id)
        created: StoredMessage | None = None
        updated: StoredMessage | None = None
        if kind == 4:
            error = limits.check_message(data, files=len(call.files), allowed_flags=INTERACTION_MESSAGE_FLAGS)
            if error is not None:
                raise error
            created = self._interaction_message(state, channel, data, call)
        elif kind == 5:
            flags = data.get("flags") or 0
            if flags & ~EPHEMERAL:
                form.add(
                    ("data", "flags"), "MESSAGE_CANNOT_USE_FLAG", "Only EPHEMERAL may be set when deferring."
                )
                raise form.error()
            created = self._interaction_message(state, channel, {"content": ""}, call, flags=flags | LOADING)
        elif kind in (6, 7):
            if state.message_id is None:
                form.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "There is no message to update.")
                raise form.error()
            if kind == 7:
                error = limits.check_message(
                    data,
                    files=len(call.files),
                    allowed_flags=INTERACTION_MESSAGE_FLAGS,
                    require_content=False,
                )
                if error is not None:
                    raise error
                updated = self.store.messages[state.message_id]
                self.store.edit_message(updated, data)
            state.original_id = state.message_id
        elif kind == 8:
            error = limits.check_autocomplete(data)
            if error is not None:
                raise error
        elif kind == 9:
            error = limits.check_modal(data)
            if error is not None:
                raise error
        state.callback_type = kind
        if created is not None:
            state.original_id = created.id
            if self.store.echo_bot_messages:
                await self.store.announce(created)
        if updated is not None and self.store.echo_bot_messages:
            await self.store.announce(updated, "MESSAGE_UPDATE")
        if call.query.get("with_response") not in TRUE_VALUES:
            return None
        original = self.store.messages.get(state.original_id) if state.original_id else None
        response: dict[str, Any] = {"interaction": {"id": str(state.id), "type": state.type}}
        if original is not None and kind in (4, 5, 7):
            response["interaction"].update(
                response_message_id=str(original.id),
                response_message_loading=original.loading,
                response_message_ephemeral=original.ephemeral,
            )
            response["resource"] = {"type": kind, "message": self.store.payload(original)}
        elif kind in (8, 9):
            response["resource"] = {"type": kind}
        return response

    def _interaction_message(
        self,
        state: InteractionState,
        channel: FakeChannel,
        data: Mapping[str, Any],
        call: Call,
        *,
        flags: int = 0,
    ) -> StoredMessage:
        command_type = (state.payload.get("data") or {}).get("type")
        msg_type = None
        if state.type == 2:
            msg_type = CHAT_INPUT_COMMAND if command_type == 1 else CONTEXT_MENU_COMMAND
        return self.store.create_message(
            channel,
            author_id=self.world.bot.id,
            body=data,
            source="interaction",
            files=call.files,
            extra_flags=flags,
            interaction_id=state.id,
            type=msg_type,
        )

    def _webhook_state(self, call: Call) -> InteractionState:
        state = self.store.interactions_by_token.get(call.params["token"])
        if state is None or call.params["application_id"] != str(self.world.application_id):
            raise errors.unknown_webhook()
        return state

    def _check_webhook(self, state: InteractionState) -> None:
        if self.fake.clock.now() - state.created_at > self.fake.interaction_token_ttl:
            raise errors.invalid_webhook_token()
        if not state.acknowledged or state.type == AUTOCOMPLETE or state.callback_type == 9:
            raise errors.unknown_webhook()

    def _webhook_message(self, state: InteractionState, message_id: int | None) -> StoredMessage:
        if message_id is None:
            message_id = state.original_id
        elif message_id not in (state.original_id, *state.followup_ids):
            raise errors.unknown_message()
        message = self.store.messages.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            raise errors.unknown_message()
        return message

    async def followup(self, call: Call) -> Any:
        state = self._webhook_state(call)
        return await self._recorded(state, "followup", call.json, lambda: self._followup(state, call))

    async def _followup(self, state: InteractionState, call: Call) -> Any:
        self._check_webhook(state)
        body = call.json if call.json is not None else {}
        error = limits.check_message(body, files=len(call.files), allowed_flags=INTERACTION_MESSAGE_FLAGS)
        if error is not None:
            raise error
        original = self.store.messages.get(state.original_id) if state.original_id else None
        if state.callback_type == 5 and original is not None and original.loading:
            # The first follow-up after a "thinking" deferral fills in that message (keeping its ephemerality).
            self.store.fill_deferred(original, body)
            message = original
            await self.store.announce(message, "MESSAGE_UPDATE")
        else:
            message = self.store.create_message(
                self.world.channel(state.channel_id),
                author_id=self.world.bot.id,
                body=body,
                source="followup",
                files=call.files,
                interaction_id=state.id,
            )
            await self.store.announce(message)
        state.followup_ids.append(message.id)
        if call.query.get("wait") in TRUE_VALUES:
            return self.store.payload(message)
        return None

    async def get_original(self, call: Call) -> Any:
        return await self.get_webhook_message(call, original=True)

    async def edit_original(self, call: Call) -> Any:
        return await self.edit_webhook_message(call, original=True)

    async def delete_original(self, call: Call) -> Any:
        return await self.delete_webhook_message(call, original=True)

    def _target_id(self, call: Call, original: bool) -> int | None:
        return None if original else call.int_param("message_id")

    async def get_webhook_message(self, call: Call, *, original: bool = False) -> Any:
        state = self._webhook_state(call)

        async def action() -> Any:
            self._check_webhook(state)
            return self.store.payload(self._webhook_message(state, self._target_id(call, original)))

        kind = "get_original" if original else "get_message"
        return await self._recorded(state, kind, None, action)

    async def edit_webhook_message(self, call: Call, *, original: bool = False) -> Any:
        state = self._webhook_state(call)

        async def action() -> Any:
            self._check_webhook(state)
            message = self._webhook_message(state, self._target_id(call, original))
            await self._apply_edit(message, call)
            return self.store.payload(message)

        kind = "edit_original" if original else "edit_message"
        return await self._recorded(state, kind, call.json, action)

    async def delete_webhook_message(self, call: Call, *, original: bool = False) -> Any:
        state = self._webhook_state(call)

        async def action() -> Any:
            self._check_webhook(state)
            message = self._webhook_message(state, self._target_id(call, original))
            message.deleted = True
            await self.store.announce(message, "MESSAGE_DELETE")
            return None

        kind = "delete_original" if original else "delete_message"
        return await self._recorded(state, kind, None, action)


def with_guilds_intent(session: Any, data: Any) -> Any:
    """Thread events need the GUILDS intent."""
    return data if session.has_intent(perms.INTENT_GUILDS) else None
