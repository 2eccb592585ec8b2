"""Fault injection: make the next N matching requests fail the way Discord fails (429, 5xx, 403)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import errors

# A route is matched by "METHOD /template", "/template" (any method), "METHOD /concrete/path",
# "*" (everything), or a callable taking (method, path, route_template, params).
RouteSpec = str | Callable[[str, str, str | None, Mapping[str, str]], bool]


def route_matches(
    spec: RouteSpec, method: str, path: str, route: str | None, params: Mapping[str, str]
) -> bool:
    if callable(spec):
        return spec(method, path, route, params)
    if spec == "*":
        return True
    want_method, _, want_path = spec.partition(" ") if " " in spec else ("", "", spec)
    if want_method and want_method.upper() != method:
        return False
    template = route.split(" ", 1)[1] if route else None
    return want_path in (path, template)


@dataclass
class Fault:
    """A planned failure. ``times=None`` means every matching request fails until removed."""

    kind: str
    spec: RouteSpec
    times: int | None
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class Faults:
    """The fake's fault plan, consulted before every REST request; the first live match wins."""

    def __init__(self) -> None:
        self.planned: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.planned.append(fault)
        return fault

    def clear(self) -> None:
        self.planned.clear()

    def take(self, method: str, path: str, route: str | None, params: Mapping[str, str]) -> Fault | None:
        for fault in self.planned:
            if not fault.exhausted and route_matches(fault.spec, method, path, route, params):
                fault.hits += 1
                return fault
        return None

    def rate_limit(
        self,
        route: RouteSpec = "*",
        *,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        scope: str | None = None,
    ) -> Fault:
        """429 as Discord sends it: JSON body with ``retry_after`` (seconds, float), ``Retry-After``
        (whole seconds), ``X-RateLimit-*`` headers, and ``Via`` (discord.py treats a 429 without it
        as a Cloudflare ban and gives up)."""
        scope = scope or ("global" if is_global else "user")
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Scope": scope,
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(
                {
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": "fault-injected",
                }
            )
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
            "code": 0,
        }
        return self.add(Fault("rate_limit", route, times, 429, body, headers))

    def cloudflare_ban(self, route: RouteSpec = "*", *, times: int = 1) -> Fault:
        """A 429 from Cloudflare (HTML, no ``Via``): discord.py raises instead of retrying."""
        body = "<html><body>Error 1015: You are being rate limited.</body></html>"
        return self.add(Fault("cloudflare_ban", route, times, 429, body, {"Retry-After": "600"}))

    def server_error(self, route: RouteSpec = "*", *, times: int = 1, status: int = 500) -> Fault:
        """500/502/503/504 with Discord's body; discord.py retries 500, 502, 504 (and 524)."""
        messages = {
            500: "500: Internal Server Error",
            502: "502: Bad Gateway",
            503: "503: Service Unavailable",
            504: "504: Gateway Timeout",
        }
        body = {"message": messages.get(status, f"{status}: Server Error"), "code": 0}
        return self.add(Fault("server_error", route, times, status, body))

    def missing_permissions(
        self, channel_id: int | None = None, *, route: RouteSpec | None = None, times: int | None = None
    ) -> Fault:
        """403 code 50013 for every request about ``channel_id`` (or matching ``route``)."""
        spec = route if route is not None else _about_channel(channel_id)
        err = errors.missing_permissions()
        return self.add(Fault("missing_permissions", spec, times, err.status, err.body()))

    def missing_access(self, channel_id: int, *, times: int | None = None) -> Fault:
        """403 code 50001, which Discord sends when the bot cannot even see the channel."""
        err = errors.missing_access()
        return self.add(Fault("missing_access", _about_channel(channel_id), times, err.status, err.body()))

    def slow(self, route: RouteSpec = "*", *, seconds: float, times: int = 1) -> Fault:
        """Answer normally, but only after ``seconds`` (status 0 means: no injected status)."""
        return self.add(Fault("slow", route, times, 0, {}, delay=seconds))


def _about_channel(channel_id: int | None) -> RouteSpec:
    if channel_id is None:
        return "*"
    wanted = str(channel_id)
    return lambda method, path, route, params: params.get("channel_id") == wanted
