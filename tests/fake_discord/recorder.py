"""An ordered record of every REST request and gateway frame, with tokens redacted, and waiting on it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# Interaction and webhook tokens sit in the path; they are secrets as much as the bot token is.
_TOKEN_IN_PATH = re.compile(r"^/(interactions|webhooks)/(\d+)/([^/]+)")


def redact_path(path: str) -> str:
    return _TOKEN_IN_PATH.sub(lambda m: f"/{m.group(1)}/{m.group(2)}/<token>", path)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    redacted = {}
    for key, value in headers.items():
        if key.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} <redacted>".strip()
        redacted[key] = value
    return redacted


class FakeDiscordTimeout(AssertionError):
    """A wait on the fake ran out of time; the message says what was awaited and what did happen."""


class Clock:
    """Monotonic time the test can push forward, so deadlines (3 s, 15 min) are tested without sleeping."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds


class Notifier:
    """Wakes every waiter whenever the fake's state changes; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(
        self, check: Callable[[], T | None], *, timeout: float, describe: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise FakeDiscordTimeout(f"timed out after {timeout}s: {describe()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)


@dataclass(frozen=True)
class RecordedFile:
    field: str
    filename: str
    size: int
    content_type: str | None


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request and the fake's answer. ``path`` is below ``/api/v10`` with tokens redacted;
    ``route`` is the matched template (``"POST /channels/{channel_id}/messages"``) or None if unknown."""

    index: int
    at: float
    method: str
    path: str
    route: str | None
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    auth: str  # "valid", "invalid", "missing"
    json: Any
    files: tuple[RecordedFile, ...]
    multipart: bool
    status: int
    response: Any
    response_headers: Mapping[str, str] = field(default_factory=dict)
    fault: str | None = None
    unexpected: bool = False

    @property
    def error_code(self) -> int | None:
        if isinstance(self.response, Mapping) and self.status >= 400:
            return self.response.get("code")
        return None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def __repr__(self) -> str:
        extra = f" fault={self.fault}" if self.fault else ""
        code = f" code={self.error_code}" if self.error_code is not None else ""
        return f"<#{self.index} {self.method} {self.path} -> {self.status}{code}{extra}>"


@dataclass(frozen=True)
class GatewayFrame:
    """One gateway payload. ``direction`` is "send" (fake to client) or "recv"; tokens are redacted."""

    connection: int
    direction: str
    op: int | None
    t: str | None
    s: int | None
    d: Any
    at: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        name = f" {self.t}" if self.t else ""
        seq = f" s={self.s}" if self.s is not None else ""
        return f"<conn {self.connection} {self.direction} op={self.op}{name}{seq}>"


class Recorder:
    def __init__(self, notifier: Notifier) -> None:
        self.requests: list[RecordedRequest] = []
        self.frames: list[GatewayFrame] = []
        self.server_errors: list[str] = []
        self._notifier = notifier
        self._started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def add_request(self, **fields: Any) -> RecordedRequest:
        record = RecordedRequest(index=len(self.requests), at=self.elapsed(), **fields)
        self.requests.append(record)
        self._notifier.notify()
        return record

    def add_frame(self, frame: GatewayFrame) -> None:
        self.frames.append(frame)
        self._notifier.notify()
