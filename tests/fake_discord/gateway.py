"""The gateway: HELLO, IDENTIFY/READY, heartbeats, sessions that RESUME with replay, and the faults tests trigger."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import permissions as perms
from .recorder import GatewayFrame

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
REQUEST_SOUNDBOARD_SOUNDS = 31
CLIENT_OPS = {
    HEARTBEAT,
    IDENTIFY,
    PRESENCE_UPDATE,
    VOICE_STATE_UPDATE,
    RESUME,
    REQUEST_GUILD_MEMBERS,
    REQUEST_SOUNDBOARD_SOUNDS,
}

# Close codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
UNKNOWN_ERROR, UNKNOWN_OPCODE, DECODE_ERROR, NOT_AUTHENTICATED = 4000, 4001, 4002, 4003
AUTHENTICATION_FAILED, ALREADY_AUTHENTICATED, INVALID_SEQ, RATE_LIMITED = 4004, 4005, 4007, 4008
SESSION_TIMED_OUT, INVALID_SHARD, SHARDING_REQUIRED, INVALID_API_VERSION = 4009, 4010, 4011, 4012
INVALID_INTENTS, DISALLOWED_INTENTS = 4013, 4014

MAX_CLIENT_PAYLOAD = 4096
CLIENT_RATE_LIMIT = (120, 60.0)


class _Plain:
    name = None

    def encode(self, text: str) -> str | bytes:
        return text


class _ZlibStream:
    """``compress=zlib-stream``: one zlib context for the whole connection, each message Z_SYNC_FLUSHed."""

    name = "zlib-stream"

    def __init__(self) -> None:
        self._zlib = zlib.compressobj()

    def encode(self, text: str) -> bytes:
        return self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)


class _ZstdStream:
    """``compress=zstd-stream`` (what discord.py asks for when Python 3.14 or ``zstandard`` has zstd)."""

    name = "zstd-stream"

    def __init__(self) -> None:
        try:
            from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+

            compressor = zstd.ZstdCompressor()
            self._encode = lambda data: compressor.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
        except ImportError:
            import zstandard  # type: ignore[import-not-found]  # optional: before 3.14, zstd-stream needs it

            stream = zstandard.ZstdCompressor().compressobj()
            self._encode = lambda data: (
                stream.compress(data) + stream.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            )

    def encode(self, text: str) -> bytes:
        return self._encode(text.encode())


def zstd_available() -> bool:
    for module in ("compression.zstd", "zstandard"):
        with contextlib.suppress(ImportError):
            __import__(module)
            return True
    return False


ENCODERS: dict[str | None, Callable[[], Any]] = {
    None: _Plain,
    "zlib-stream": _ZlibStream,
    "zstd-stream": _ZstdStream,
}


class GatewayClosed(Exception):
    """Raised inside a connection handler to close it with a gateway close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


@dataclass
class Session:
    """A gateway session: survives its connection, buffers events while disconnected, replays on RESUME."""

    id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None
    alive: bool = True
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def has_intent(self, bit: int) -> bool:
        return bool(self.intents & bit)


class Connection:
    def __init__(self, number: int, ws: web.WebSocketResponse, request: web.Request, encoder: Any) -> None:
        self.number = number
        self.ws = ws
        self.request = request
        self.path = request.path
        self.query = dict(request.query)
        self.encoder = encoder
        self.session: Session | None = None
        self.lock = asyncio.Lock()
        self.last_heartbeat = time.monotonic()
        self.client_seq_acked: int | None = None
        self.close_code: int | None = None
        self.dropped = False
        self._sent_times: list[float] = []

    @property
    def open(self) -> bool:
        return not self.ws.closed and not self.dropped

    def count_client_payload(self) -> bool:
        """False once the client has sent more than 120 payloads in 60 s."""
        now = time.monotonic()
        limit, window = CLIENT_RATE_LIMIT
        self._sent_times = [t for t in self._sent_times if now - t < window]
        self._sent_times.append(now)
        return len(self._sent_times) <= limit


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self._numbers = itertools.count(1)
        self.identifies = 0
        self.resumes = 0

    # ----- connection lifecycle -------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=1 << 20, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress")
        conn = Connection(next(self._numbers), ws, request, _Plain())
        self.connections.append(conn)
        try:
            self._check_query(request, compress)
            conn.encoder = ENCODERS[compress]()
            await self._send(
                conn,
                {
                    "op": HELLO,
                    "d": {"heartbeat_interval": int(self.fake.heartbeat_interval * 1000)},
                    "s": None,
                    "t": None,
                },
            )
            watchdog = asyncio.create_task(self._watch_heartbeats(conn))
            try:
                async for msg in ws:
                    if msg.type is WSMsgType.TEXT:
                        await self._on_payload(conn, msg.data)
                    elif msg.type is WSMsgType.BINARY:
                        raise GatewayClosed(DECODE_ERROR, "Error while decoding payload.")
                    elif msg.type is WSMsgType.ERROR:
                        break
            finally:
                watchdog.cancel()
        except GatewayClosed as closed:
            await self._close(conn, closed.code, closed.reason)
        except Exception:  # a bug in the fake: make it visible to the test instead of hanging it
            log.exception("fake gateway connection %s failed", conn.number)
            self.fake.recorder.server_errors.append(f"gateway connection {conn.number} crashed")
            await self._close(conn, UNKNOWN_ERROR, "Unknown error.")
        finally:
            if conn.close_code is None:
                conn.close_code = ws.close_code
            self._detach(conn, client_code=ws.close_code)
            self.fake.notifier.notify()
        return ws

    def _check_query(self, request: web.Request, compress: str | None) -> None:
        if request.query.get("v") != "10":
            raise GatewayClosed(INVALID_API_VERSION, "Invalid API version.")
        if request.query.get("encoding", "json") != "json":
            # ETF is a real Discord option; the fake only speaks JSON, like discord.py does.
            raise GatewayClosed(DECODE_ERROR, "The fake gateway only supports encoding=json.")
        if compress not in ENCODERS:
            raise GatewayClosed(UNKNOWN_ERROR, f"Unknown compress value {compress!r}.")
        if compress == "zstd-stream" and not zstd_available():
            raise GatewayClosed(UNKNOWN_ERROR, "zstd-stream asked for, but no zstd module is installed.")

    def _detach(self, conn: Connection, *, client_code: int | None) -> None:
        session = conn.session
        if session is None or session.connection is not conn:
            return
        session.connection = None
        # A client that closes with 1000/1001 ends its session, exactly as Discord does.
        if client_code in (1000, 1001) and not conn.dropped and conn.close_code in (None, 1000, 1001):
            session.alive = False

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        conn.close_code = code
        self._record(conn, "send", {"op": None, "d": {"close": code, "reason": reason}})
        with contextlib.suppress(Exception):
            await conn.ws.close(code=code, message=reason.encode())

    async def _watch_heartbeats(self, conn: Connection) -> None:
        interval = self.fake.heartbeat_interval
        while conn.open:
            await asyncio.sleep(interval / 2)
            if self.fake.enforce_heartbeats and time.monotonic() - conn.last_heartbeat > interval * 1.5:
                log.info("connection %s missed its heartbeats; closing like Discord does", conn.number)
                if conn.session is not None:
                    conn.session.alive = False
                await self._close(conn, SESSION_TIMED_OUT, "Session timed out.")
                return

    # ----- frames -------------------------------------------------------------------------

    def _record(self, conn: Connection, direction: str, payload: dict[str, Any]) -> None:
        data = payload.get("d")
        if isinstance(data, dict) and "token" in data:
            data = {**data, "token": "<redacted>"}
        self.fake.recorder.add_frame(
            GatewayFrame(conn.number, direction, payload.get("op"), payload.get("t"), payload.get("s"), data)
        )

    async def _send(self, conn: Connection, payload: dict[str, Any]) -> bool:
        if not conn.open:
            return False
        text = json.dumps(payload, separators=(",", ":"))
        async with conn.lock:
            try:
                encoded = conn.encoder.encode(text)
                if isinstance(encoded, bytes):
                    await conn.ws.send_bytes(encoded)
                else:
                    await conn.ws.send_str(encoded)
            except (ConnectionError, RuntimeError):
                return False
        self._record(conn, "send", payload)
        return True

    async def _on_payload(self, conn: Connection, raw: str) -> None:
        if len(raw.encode()) > MAX_CLIENT_PAYLOAD:
            raise GatewayClosed(DECODE_ERROR, "Payload too large.")
        try:
            payload = json.loads(raw)
        except ValueError:
            raise GatewayClosed(DECODE_ERROR, "Error while decoding payload.") from None
        if not isinstance(payload, dict) or payload.get("op") not in CLIENT_OPS:
            raise GatewayClosed(UNKNOWN_OPCODE, "Unknown opcode.")
        self._record(conn, "recv", payload)
        if not conn.count_client_payload():
            raise GatewayClosed(RATE_LIMITED, "You are being rate limited.")
        op, data = payload["op"], payload.get("d")
        if op == HEARTBEAT:
            conn.last_heartbeat = time.monotonic()
            conn.client_seq_acked = data if isinstance(data, int) else None
            await self._send(conn, {"op": HEARTBEAT_ACK, "d": None})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        elif conn.session is None:
            raise GatewayClosed(NOT_AUTHENTICATED, "Not authenticated.")
        elif op == REQUEST_GUILD_MEMBERS:
            await self._members_chunk(conn, data)

    # ----- identify / resume ----------------------------------------------------------------

    async def _identify(self, conn: Connection, data: Any) -> None:
        if conn.session is not None:
            raise GatewayClosed(ALREADY_AUTHENTICATED, "Already authenticated.")
        if not isinstance(data, dict) or not isinstance(data.get("properties"), dict):
            raise GatewayClosed(DECODE_ERROR, "Error while decoding payload.")
        if data.get("token") != self.fake.token:
            raise GatewayClosed(AUTHENTICATION_FAILED, "Authentication failed.")
        intents = data.get("intents")
        if not isinstance(intents, int) or isinstance(intents, bool) or intents & ~perms.KNOWN_INTENTS:
            raise GatewayClosed(INVALID_INTENTS, "Invalid intent(s).")
        enabled = self.fake.world.privileged_intents
        for name, bit in perms.PRIVILEGED_INTENTS.items():
            if intents & bit and name not in enabled:
                raise GatewayClosed(DISALLOWED_INTENTS, "Disallowed intent(s).")
        shard = data.get("shard", [0, 1])
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(isinstance(n, int) for n in shard)
            or not 0 <= shard[0] < shard[1]
        ):
            raise GatewayClosed(INVALID_SHARD, "Invalid shard.")
        if shard[1] < self.fake.shards_required:
            raise GatewayClosed(SHARDING_REQUIRED, "Sharding required.")
        # One live session per shard: a new IDENTIFY replaces the old session, so nothing is delivered twice.
        for old in self.sessions.values():
            if old.shard == tuple(shard):
                old.alive = False
        session = Session(id=secrets.token_hex(16), shard=(shard[0], shard[1]), intents=intents)
        self.sessions[session.id] = session
        self.identifies += 1
        async with session.lock:
            session.connection = conn
            conn.session = session
            guilds = self._guilds_for(session)
            ready = {
                "v": 10,
                "user": {**self.fake.world.bot.payload(), "verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.fake.resume_gateway_url,
                "application": {
                    "id": str(self.fake.world.application_id),
                    "flags": self.fake.world.application_flags,
                },
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "geo_ordered_rtc_regions": [],
                "guild_join_requests": [],
                "user_settings": {},
                "_trace": ["fake-discord"],
            }
            if "shard" in data:
                ready["shard"] = list(shard)
            await self._dispatch_locked(session, "READY", ready)
            if session.has_intent(perms.INTENT_GUILDS):
                for guild in guilds:
                    threads = [t.payload() for t in self.fake.world.active_threads(guild.id)]
                    await self._dispatch_locked(
                        session, "GUILD_CREATE", {**guild.payload(), "threads": threads}
                    )
            session.ready = True
        self.fake.notifier.notify()

    async def _resume(self, conn: Connection, data: Any) -> None:
        if conn.session is not None:
            raise GatewayClosed(ALREADY_AUTHENTICATED, "Already authenticated.")
        if not isinstance(data, dict):
            raise GatewayClosed(DECODE_ERROR, "Error while decoding payload.")
        if data.get("token") != self.fake.token:
            raise GatewayClosed(AUTHENTICATION_FAILED, "Authentication failed.")
        session = self.sessions.get(data.get("session_id") or "")
        if session is None or not session.alive:
            await self._send(conn, {"op": INVALID_SESSION, "d": False})
            return
        seq = data.get("seq")
        if not isinstance(seq, int) or seq > session.seq:
            raise GatewayClosed(INVALID_SEQ, "Invalid seq.")
        async with session.lock:
            if session.connection is not None and session.connection is not conn:
                # The old socket is still open from the fake's side: Discord would drop it now.
                await self._close(session.connection, UNKNOWN_ERROR, "Session resumed elsewhere.")
            session.connection = conn
            conn.session = session
            for payload in session.buffer:
                if payload["s"] > seq:
                    await self._send(conn, payload)
            await self._dispatch_locked(session, "RESUMED", {"_trace": ["fake-discord"]})
        self.resumes += 1
        self.fake.notifier.notify()

    async def _members_chunk(self, conn: Connection, data: Any) -> None:
        guild = self.fake.world.guilds.get(int(data.get("guild_id", 0))) if isinstance(data, dict) else None
        if guild is None or conn.session is None:
            return
        query = data.get("query")
        user_ids = (
            {int(u) for u in data.get("user_ids") or []} if isinstance(data.get("user_ids"), list) else None
        )
        members = [
            m
            for m in guild.members
            if (user_ids is None or m.user.id in user_ids)
            and (not query or m.user.username.startswith(query))
        ]
        limit = data.get("limit") or len(members)
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members[:limit]],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        async with conn.session.lock:
            await self._dispatch_locked(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    # ----- dispatch -------------------------------------------------------------------------

    def _guilds_for(self, session: Session) -> list[Any]:
        shard_id, count = session.shard
        return [g for g in self.fake.world.guilds.values() if (g.id >> 22) % count == shard_id]

    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.alive]

    def sessions_for(self, guild_id: int | None) -> list[Session]:
        """Guild events go to the guild's shard; DMs go to shard 0."""
        found = []
        for session in self.live_sessions():
            shard_id, count = session.shard
            if (guild_id is None and shard_id == 0) or (
                guild_id is not None and (guild_id >> 22) % count == shard_id
            ):
                found.append(session)
        return found

    async def _dispatch_locked(self, session: Session, event: str, data: Any) -> int:
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(payload)
        if session.connection is not None:
            await self._send(session.connection, payload)
        return session.seq

    async def dispatch(
        self,
        event: str,
        data: Any,
        *,
        guild_id: int | None,
        shape: Callable[[Session, Any], Any] | None = None,
    ) -> int:
        """Send an event to every session that should see it; ``shape`` may filter (None) or edit it per session.

        Returns the number of sessions it was queued for (delivered now, or replayed on RESUME)."""
        delivered = 0
        for session in self.sessions_for(guild_id):
            shaped = shape(session, data) if shape else data
            if shaped is None:
                continue
            async with session.lock:
                await self._dispatch_locked(session, event, shaped)
            delivered += 1
        self.fake.notifier.notify()
        return delivered

    # ----- faults tests trigger -------------------------------------------------------------

    def _targets(self, session: Session | None) -> list[Session]:
        if session is not None:
            return [session]
        return [s for s in self.live_sessions() if s.connection is not None]

    async def send_reconnect(self, session: Session | None = None) -> None:
        """Op 7: the client should close and RESUME. Events sent meanwhile are buffered for the replay."""
        for target in self._targets(session):
            conn = target.connection
            if conn is None:
                continue
            async with target.lock:
                target.connection = None
                await self._send(conn, {"op": RECONNECT, "d": None})

    async def drop(self, session: Session | None = None) -> None:
        """Cut the TCP connection without a close frame: the client sees 1006 and RESUMEs."""
        for target in self._targets(session):
            conn = target.connection
            if conn is None:
                continue
            async with target.lock:
                target.connection = None
                conn.dropped = True
                conn.close_code = 1006
                self._record(conn, "send", {"op": None, "d": {"close": 1006, "reason": "connection dropped"}})
                transport = conn.request.transport
                if transport is not None:
                    transport.abort()

    async def invalidate(self, *, resumable: bool, session: Session | None = None) -> None:
        """Op 9. ``resumable=False`` ends the session: the client must IDENTIFY again."""
        for target in self._targets(session):
            conn = target.connection
            if conn is None:
                continue
            async with target.lock:
                if not resumable:
                    target.alive = False
                target.connection = None
                await self._send(conn, {"op": INVALID_SESSION, "d": resumable})

    async def request_heartbeat(self) -> None:
        """Op 1 from the server: the client must heartbeat at once."""
        for target in self._targets(None):
            if target.connection is not None:
                await self._send(target.connection, {"op": HEARTBEAT, "d": None})

    async def close(self, code: int, reason: str = "", session: Session | None = None) -> None:
        """Close with any gateway close code (e.g. 4000 to force a resume, 4009 to end the session)."""
        for target in self._targets(session):
            conn = target.connection
            if conn is None:
                continue
            if code in (INVALID_SEQ, SESSION_TIMED_OUT):
                target.alive = False
            target.connection = None
            await self._close(conn, code, reason)

    async def shutdown(self) -> None:
        for conn in self.connections:
            if conn.open:
                await self._close(conn, 1001, "Fake Discord is shutting down.")
