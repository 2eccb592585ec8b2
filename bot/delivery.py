"""Delivering what the bot says: retried through rate limits and outages, permission problems logged once."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord

from bot.access import GRANT, NEEDED_TO_ANSWER, NEEDED_TO_REPLY, Access, describe, permission_name
from bot.reply import Reply

log = logging.getLogger(__name__)

# Answers Discord could not take yet: 429 past discord.py's five tries, or 5xx past its own retries.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 524})
# Interaction tokens live 15 minutes; past 10 an answer is stale anyway.
DELIVERY_SECONDS = 600.0
MAX_RETRY_DELAY = 30.0
# Discord's "Thread is archived": a locked thread refuses messages until a moderator reopens it.
THREAD_ARCHIVED = 50083


class Delivery:
    """Sends replies for the cogs; ``is_closed`` tells it the client is shutting down (stop retrying)."""

    def __init__(self, access: Access, is_closed: Callable[[], bool]) -> None:
        self.access = access
        self.is_closed = is_closed
        self.retry_delay = 1.0  # first wait before re-sending what Discord could not take; tests shorten it

    async def deliver(self, send: Callable[[], Awaitable[Any]], *, what: str, idempotent: bool) -> bool:
        """Send until Discord takes it: through rate-limit storms and outages, for up to DELIVERY_SECONDS.

        Only an ``idempotent`` request (an edit, a message with a nonce) is repeated after a 5xx, which
        Discord may have acted on; a 429 was refused unseen, so anything may be repeated after one.
        Forbidden is the caller's to handle. Returns False when it gave up (logged, no stack trace).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DELIVERY_SECONDS
        delay = self.retry_delay
        attempt = 0
        while True:
            attempt += 1
            try:
                await send()
                return True
            except discord.Forbidden:
                raise
            except discord.NotFound as error:
                log.warning("could not deliver %s: %s (the interaction or message is gone)", what, error)
                return False
            except discord.HTTPException as error:
                if error.code == THREAD_ARCHIVED:
                    log.warning("could not deliver %s: the thread is archived and locked", what)
                    return False
                retryable = error.status == 429 or (idempotent and error.status in RETRY_STATUSES)
                if not retryable:
                    raise
                problem = f"{error.status} {error.text or error}".strip()
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                if not idempotent:
                    raise
                problem = f"{type(error).__name__}: {error}"
            except Exception as error:
                if not self.is_closed():
                    raise
                # Shutdown's grace ran out while this was still being retried: say so, without a trace.
                log.warning("gave up delivering %s: the bot is shutting down (%s)", what, error)
                return False
            if self.is_closed() or loop.time() + delay > deadline:
                log.warning("gave up delivering %s after %d attempts: %s", what, attempt, problem)
                return False
            log.warning("Discord did not take %s (%s); trying again in %.1f s", what, problem, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)

    async def reply_in_channel(self, message: discord.Message, reply: Reply) -> bool:
        """Answer a message in its channel, as a reply when allowed."""
        return await self.send_in(message.channel, reply, replying_to=message)

    async def send_in(
        self, channel: Any, reply: Reply, *, replying_to: discord.Message | None = None
    ) -> bool:
        """Send ``reply`` in ``channel`` (as a reply to ``replying_to`` when allowed). A permission problem is
        logged once per channel and not retried (the next question tries again, so a fixed permission is
        noticed). Returns whether it was delivered."""
        if not self.access.may_answer_in(channel):
            return False
        _, can_reply = self.access.missing_permissions(channel)
        kwargs = reply.kwargs()
        kwargs["nonce"] = reply.nonce
        if can_reply and replying_to is not None:
            # If the question was deleted meanwhile, answer in the channel anyway.
            kwargs.update(reference=replying_to.to_reference(fail_if_not_exists=False), mention_author=False)
        try:
            delivered = await self.deliver(
                lambda: channel.send(**kwargs), what=f"an answer in {describe(channel)}", idempotent=True
            )
        except discord.Forbidden as error:
            refused = (
                f"Discord refused the answer ({error.status} {error.text or 'Forbidden'}, code {error.code})"
            )
            if getattr(channel, "guild", None) is None:
                self.access.log_refusal(channel, f"{refused}; the user does not accept messages from the bot")
            else:
                needed = ", ".join(map(permission_name, [*NEEDED_TO_ANSWER, NEEDED_TO_REPLY]))
                self.access.log_refusal(channel, f"{refused}; the bot needs {needed} there{GRANT}")
            return False
        if delivered:
            self.access.answered_in(channel)
        return delivered

    async def fill_in(self, interaction: discord.Interaction, reply: Reply) -> bool:
        """Replace the deferred "thinking…" message by ``reply``. An edit, not a follow-up: repeating it
        after a Discord error cannot post the answer twice."""
        return await self.deliver(
            lambda: interaction.edit_original_response(**reply.kwargs()),
            what=f"the answer to interaction {interaction.id}",
            idempotent=True,
        )
