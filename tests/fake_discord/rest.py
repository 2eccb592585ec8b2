"""REST plumbing: routing, body parsing (JSON or multipart ``payload_json``), auth, faults, rate-limit
headers and recording. The routes' behaviour lives in ``handlers``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import errors
from .errors import ApiError
from .recorder import RecordedFile, redact_headers, redact_path

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass
class Call:
    """One parsed request, as handlers see it."""

    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    json: Any
    files: list[RecordedFile]

    def int_param(self, name: str) -> int:
        value = self.params[name]
        if not value.isdigit():
            raise errors.not_found()
        return int(value)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    auth: bool = True

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(
            r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(self.template).replace(r"\{", "{").replace(r"\}", "}")
        )
        return re.compile(f"^{regex}$")


class Buckets:
    """Fixed-window rate-limit buckets per route and major parameter, to send real ``X-RateLimit-*`` headers.

    Over the limit, the fake answers 429 like Discord; the default limit is generous so only a bot
    that floods one route ever sees it."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, tuple[float, int]] = {}

    def hit(self, route: Route, params: Mapping[str, str]) -> tuple[dict[str, str], float | None]:
        major = "+".join(
            params[k]
            for k in ("channel_id", "guild_id", "interaction_id", "application_id", "token")
            if k in params
        )
        bucket = hashlib.sha1(route.key.encode()).hexdigest()[:16]
        key = f"{bucket}:{major}"
        now = time.monotonic()
        start, count = self._hits.get(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        count += 1
        self._hits[key] = (start, count)
        reset_after = max(0.0, self.window - (now - start))
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - count)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }
        return headers, (reset_after if count > self.limit else None)


class RestApi:
    def __init__(self, fake: FakeDiscord, routes: list[Route], buckets: Buckets) -> None:
        self.fake = fake
        self.routes = [(route, route.pattern()) for route in routes]
        self.buckets = buckets

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route, its path parameters, and whether the path exists under another method."""
        other_method = False
        for route, pattern in self.routes:
            found = pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict(), False
            other_method = True
        return None, {}, other_method

    async def handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info.get("tail", "")
        method = request.method
        route, params, other_method = self.match(method, path)
        auth = self._auth(request)
        files: list[RecordedFile] = []
        body: Any = None
        multipart = request.content_type.startswith("multipart/")
        reply: Reply
        fault_name: str | None = None
        unexpected = False
        try:
            body, files = await self._read_body(request, multipart)
            if route is None:
                unexpected = True
                raise errors.method_not_allowed() if other_method else errors.not_found()
            if route.auth and auth != "valid":
                raise errors.unauthorized()
            fault = self.fake.faults.take(method, redact_path(path), route.key, params)
            if fault is not None:
                fault_name = fault.kind
                if fault.delay:
                    await asyncio.sleep(fault.delay)
            if fault is not None and fault.status:
                reply = Reply(fault.status, fault.body, dict(fault.headers))
            else:
                reply = await self._call(route, Call(method, path, params, request.query, body, files))
        except ApiError as exc:
            reply = Reply(exc.status, exc.body())
        except Exception:
            log.exception("fake REST handler failed for %s %s", method, redact_path(path))
            self.fake.recorder.server_errors.append(f"{method} {redact_path(path)} crashed")
            reply = Reply(500, {"message": "500: Internal Server Error", "code": 0})
        self.fake.recorder.add_request(
            method=method,
            path=redact_path(path),
            route=route.key if route else None,
            params={k: v for k, v in params.items() if k != "token"},
            query=dict(request.query),
            headers=redact_headers(request.headers),
            auth=auth,
            json=body,
            files=tuple(files),
            multipart=multipart,
            status=reply.status,
            response=reply.body,
            response_headers=dict(reply.headers),
            fault=fault_name,
            unexpected=unexpected,
        )
        return self.respond(reply)

    async def _call(self, route: Route, call: Call) -> Reply:
        headers, retry_after = self.buckets.hit(route, call.params)
        if retry_after is not None:
            body = {
                "message": "You are being rate limited.",
                "retry_after": round(retry_after, 3),
                "global": False,
                "code": 0,
            }
            return Reply(
                429,
                body,
                {**headers, "Retry-After": str(max(1, round(retry_after))), "X-RateLimit-Scope": "user"},
            )
        result = await route.handler(call)
        reply = result if isinstance(result, Reply) else Reply(200 if result is not None else 204, result)
        reply.headers = {**headers, **reply.headers}
        return reply

    def _auth(self, request: web.Request) -> str:
        header = request.headers.get("Authorization")
        if header is None:
            return "missing"
        return "valid" if header == f"Bot {self.fake.token}" else "invalid"

    async def _read_body(self, request: web.Request, multipart: bool) -> tuple[Any, list[RecordedFile]]:
        if multipart:
            return await self._read_multipart(request)
        raw = await request.read()
        if not raw:
            return None, []
        if request.content_type != "application/json":
            raise errors.invalid_json()
        try:
            return json.loads(raw), []
        except ValueError:
            raise errors.invalid_json() from None

    async def _read_multipart(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        body: Any = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                try:
                    body = json.loads(await part.text())
                except ValueError:
                    raise errors.invalid_json() from None
            else:
                data = await part.read()
                if len(data) > MAX_FILE_BYTES:
                    raise errors.request_too_large()
                files.append(
                    RecordedFile(
                        part.name or "", part.filename or "", len(data), part.headers.get("Content-Type")
                    )
                )
        return body, files

    def respond(self, reply: Reply) -> web.Response:
        # Discord's edge adds Via; discord.py reads a 429 without it as a Cloudflare ban.
        headers = {"Via": "1.1 google", **reply.headers}
        if reply.body is None or reply.status == 204:
            return web.Response(status=reply.status, headers=headers)
        if isinstance(reply.body, str):
            headers.pop("Via", None)
            return web.Response(
                status=reply.status, text=reply.body, content_type="text/html", headers=headers
            )
        # Exactly "application/json": discord.py compares the header verbatim (no charset suffix).
        headers["Content-Type"] = "application/json"
        return web.Response(status=reply.status, body=json.dumps(reply.body).encode(), headers=headers)
