"""The fake's mutable state — messages, interactions, synced commands — and how messages reach the gateway."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import errors
from . import permissions as perms
from .errors import FormErrors
from .interactions import InteractionState
from .limits import LOADING
from .messages import REPLY, Attachment, StoredMessage, compute_pings
from .recorder import RecordedFile
from .world import FakeChannel, World, iso

if TYPE_CHECKING:
    from .gateway import Gateway, Session


class Store:
    def __init__(self, world: World, gateway: Gateway, *, echo_bot_messages: bool) -> None:
        self.world = world
        self.gateway = gateway
        self.echo_bot_messages = echo_bot_messages
        self.messages: dict[int, StoredMessage] = {}
        self.interactions: dict[int, InteractionState] = {}
        self.interactions_by_token: dict[str, InteractionState] = {}
        # Synced application commands: key None is global, otherwise a guild id.
        self.commands: dict[int | None, list[dict[str, Any]]] = {}

    # ----- messages -----------------------------------------------------------------------

    def resolve_reference(
        self, channel: FakeChannel, reference: object
    ) -> tuple[dict[str, Any] | None, StoredMessage | None]:
        """Check a reply's ``message_reference``: unknown targets fail unless ``fail_if_not_exists`` is false."""
        if reference is None:
            return None, None
        form = FormErrors()
        if not isinstance(reference, Mapping):
            form.add(
                ("message_reference",), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"
            )
            raise form.error()
        if reference.get("type", 0) != 0:
            form.add(
                ("message_reference", "type"), "BASE_TYPE_CHOICES", "The fake only supports replies (type 0)."
            )
            raise form.error()
        raw_id = reference.get("message_id")
        target = self.messages.get(int(raw_id)) if str(raw_id).isdigit() else None
        ref_channel = reference.get("channel_id")
        if ref_channel is not None and str(ref_channel) != str(channel.id):
            form.add(
                ("message_reference",),
                "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL",
                "Cannot reply across channels",
            )
            raise form.error()
        if target is None or target.deleted or target.ephemeral or target.channel_id != channel.id:
            if reference.get("fail_if_not_exists", True) is False:
                return None, None
            form.add(("message_reference",), "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
            raise form.error()
        stored = {"type": 0, "message_id": str(target.id), "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            stored["guild_id"] = str(channel.guild_id)
        return stored, target

    def create_message(
        self,
        channel: FakeChannel,
        *,
        author_id: int,
        body: Mapping[str, Any],
        source: str,
        files: list[RecordedFile] | tuple[RecordedFile, ...] = (),
        reference: dict[str, Any] | None = None,
        replied_to: StoredMessage | None = None,
        extra_flags: int = 0,
        interaction_id: int | None = None,
        type: int | None = None,
        extra_user_mentions: tuple[int, ...] = (),
    ) -> StoredMessage:
        allowed = body.get("allowed_mentions")
        content = body.get("content") or ""
        pings = compute_pings(content, allowed, replied_to.author_id if replied_to else None)
        mentioned = [*pings.users, *extra_user_mentions]
        if pings.replied_user is not None:
            mentioned.append(pings.replied_user)
        message = StoredMessage(
            id=self.world.snowflakes.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=author_id,
            source=source,
            attachments=[
                Attachment(self.world.snowflakes.next(), f.filename, f.size, f.content_type) for f in files
            ],
            allowed_mentions=dict(allowed) if isinstance(allowed, Mapping) else None,
            message_reference=reference,
            pings=pings,
            interaction_id=interaction_id,
            webhook_id=self.world.application_id if source in ("interaction", "followup") else None,
            type=type if type is not None else (REPLY if reference else 0),
            mention_user_ids=tuple(dict.fromkeys(mentioned)),
            mention_role_ids=tuple(pings.roles),
        )
        message.apply(body)
        message.flags = (body.get("flags") or 0) | extra_flags
        self.messages[message.id] = message
        return message

    def fill_deferred(self, message: StoredMessage, body: Mapping[str, Any]) -> None:
        """A follow-up fills a "thinking" message. Counted as able to ping (conservatively: Discord has
        been seen not to notify here, but a bot must not rely on that)."""
        self.edit_message(message, {k: v for k, v in body.items() if k != "flags"}, mark_edited=False)
        message.flags &= ~LOADING
        message.pings = compute_pings(message.content, body.get("allowed_mentions"), None)
        message.mention_user_ids = tuple(message.pings.users)
        message.mention_role_ids = tuple(message.pings.roles)

    def edit_message(
        self, message: StoredMessage, body: Mapping[str, Any], *, mark_edited: bool = True
    ) -> None:
        message.edits.append(dict(body))
        message.apply(body)
        if mark_edited:
            message.edited_timestamp = iso()

    def in_channel(self, channel_id: int) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.channel_id == channel_id and not m.deleted]

    def payload(self, message: StoredMessage) -> dict[str, Any]:
        data = message.payload(self.world)
        thread = self.world.threads.get(message.id)
        if thread is not None and thread.parent_id == message.channel_id:
            data["thread"] = thread.payload()  # the thread started from this message
        if message.message_reference is not None:
            target = self.messages.get(int(message.message_reference["message_id"]))
            data["referenced_message"] = target.payload(self.world) if target and not target.deleted else None
        if message.interaction_id is not None:
            state = self.interactions.get(message.interaction_id)
            if state is not None:
                data["interaction_metadata"] = {
                    "id": str(state.id),
                    "type": state.type,
                    "user": self.world.users[state.user_id].payload(),
                    "authorizing_integration_owners": state.payload.get("authorizing_integration_owners", {}),
                }
        return data

    # ----- gateway fan-out ------------------------------------------------------------------

    def _shape_message(self, message: StoredMessage) -> Any:
        """Per-session filter: intents decide who gets the event; MESSAGE_CONTENT decides what it holds."""
        in_guild = message.guild_id is not None
        guild = self.world.guilds.get(message.guild_id) if in_guild else None

        def shape(session: Session, data: dict[str, Any]) -> dict[str, Any] | None:
            needed = perms.INTENT_GUILD_MESSAGES if in_guild else perms.INTENT_DIRECT_MESSAGES
            if not session.has_intent(needed):
                return None
            bot_id = self.world.bot.id
            mentioned = bot_id in message.mention_user_ids
            if (
                in_guild
                and not session.has_intent(perms.INTENT_MESSAGE_CONTENT)
                and message.author_id != bot_id
                and not mentioned
            ):
                # Without the privileged intent Discord blanks these fields for guild messages.
                data = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
            if guild is not None:
                member = guild.member(message.author_id)
                if member is not None:
                    data = {**data, "member": member.payload(with_user=False)}
            return data

        return shape

    async def announce(self, message: StoredMessage, event: str = "MESSAGE_CREATE") -> int:
        """Send MESSAGE_CREATE/UPDATE/DELETE to the sessions that should see it; ephemeral messages stay private."""
        if message.ephemeral:
            return 0
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            return await self.gateway.dispatch(event, data, guild_id=message.guild_id)
        return await self.gateway.dispatch(
            event, self.payload(message), guild_id=message.guild_id, shape=self._shape_message(message)
        )

    # ----- interactions ---------------------------------------------------------------------

    def add_interaction(self, state: InteractionState) -> None:
        self.interactions[state.id] = state
        self.interactions_by_token[state.token] = state

    # ----- commands -------------------------------------------------------------------------

    def overwrite_commands(self, guild_id: int | None, payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk overwrite: commands keep their id when name and type match, as on Discord."""
        old = {(c["type"], c["name"]): c for c in self.commands.get(guild_id, [])}
        stored = []
        for command in payload:
            kind = command.get("type", 1)
            previous = old.get((kind, command["name"]))
            stored.append(self._command_record(command, guild_id, previous["id"] if previous else None))
        self.commands[guild_id] = stored
        return stored

    def upsert_command(self, guild_id: int | None, command: dict[str, Any]) -> dict[str, Any]:
        existing = self.commands.setdefault(guild_id, [])
        kind = command.get("type", 1)
        for i, old in enumerate(existing):
            if (old["type"], old["name"]) == (kind, command["name"]):
                existing[i] = self._command_record(command, guild_id, old["id"])
                return existing[i]
        record = self._command_record(command, guild_id, None)
        existing.append(record)
        return record

    def delete_command(self, guild_id: int | None, command_id: str) -> None:
        existing = self.commands.get(guild_id, [])
        kept = [c for c in existing if c["id"] != command_id]
        if len(kept) == len(existing):
            raise errors.unknown_application_command()
        self.commands[guild_id] = kept

    def _command_record(
        self, command: dict[str, Any], guild_id: int | None, command_id: str | None
    ) -> dict[str, Any]:
        kind = command.get("type", 1)
        record = {
            "id": command_id or str(self.world.snowflakes.next()),
            "application_id": str(self.world.application_id),
            "version": str(self.world.snowflakes.next()),
            "type": kind,
            "name": command["name"],
            "name_localizations": command.get("name_localizations"),
            "description": command.get("description") or "",
            "description_localizations": command.get("description_localizations"),
            "options": command.get("options") or [],
            "default_member_permissions": command.get("default_member_permissions"),
            "dm_permission": command.get("dm_permission", True),
            "nsfw": command.get("nsfw", False),
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types") or [0],
        }
        if kind != 1:
            record.pop("options")
        if guild_id is not None:
            record["guild_id"] = str(guild_id)
        return record

    def find_command(self, name: str, *, type: int, guild_id: int | None) -> dict[str, Any] | None:
        """Guild commands shadow global ones of the same name, as in the Discord client."""
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == type:
                    return command
        return None
