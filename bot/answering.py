"""Answering: the engine's answer to a question in its conversation, rendered, recorded for buttons and follow-ups."""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.answer_log import AnswerRecord, new_key
from bot.answer_view import actions_for, answer_view
from bot.batching import BatcherClosedError
from bot.render import ANSWER_FAILED, SHUTTING_DOWN, render_answer, render_no_more
from bot.reply import Reply
from bot.services import Services
from bot.settings import Settings
from index.answering.conversation import Conversation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where an answer goes, when later messages there follow it up without a reply: a DM or the bot's thread."""

    channel_id: int
    kind: str  # answer_log.IN_DM or answer_log.IN_THREAD


class Answering:
    def __init__(
        self, settings: Settings, services: Services, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.services = services
        self.clock = clock

    async def reply(
        self,
        question: str,
        *,
        skip: int = 0,
        ephemeral: bool = False,
        conversation: Conversation | None = None,
        place: Place | None = None,
    ) -> Reply:
        """The reply to a question (or its next page) asked in ``conversation``: embed and buttons, or a
        short apology. The answer is remembered with its conversation, so a follow-up to it (a reply, its
        Follow up button, the next message in a DM or thread) is asked in context, also after a restart."""
        try:
            answer = await self.services.engines.answer(
                question, k=self.settings.results_per_answer, skip=skip, conversation=conversation
            )
        except BatcherClosedError:
            return Reply(content=SHUTTING_DOWN)
        except Exception:
            log.exception("answering %r failed", question)
            return Reply(content=ANSWER_FAILED)
        if skip and not answer.answered:
            return Reply(embeds=[render_no_more(answer)])
        rendered = render_answer(answer, first_rank=skip + 1)
        record = AnswerRecord(
            key=new_key(),
            question=question,
            skip=skip,
            excerpts=rendered.shown,
            abstention=answer.reason,
            ephemeral=ephemeral,
            conversation=conversation or Conversation(),
            channel_id=place.channel_id if place is not None else None,
            place=place.kind if place is not None else None,
            at=self.clock(),
        )
        self.services.answers.remember(record)
        try:
            await asyncio.to_thread(self.services.answers.append, record)
        except OSError:
            log.warning("cannot record the answer for its buttons", exc_info=True)
        actions = actions_for(quotes=bool(rendered.shown), more=answer.pages_on)
        return Reply(embeds=[rendered.embed], view=answer_view(record.key, actions))

    def within_window(self, record: AnswerRecord) -> bool:
        """Whether a DM now still follows up ``record``: within CONVERSATION_MINUTES of it."""
        return self.clock() - record.at <= self.settings.conversation_minutes * 60
