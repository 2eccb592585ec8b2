"""What the buttons on every answer do: More excerpts, Show paragraph, Follow up (a modal), 👍 and 👎."""

import asyncio
import logging

import discord
from discord.ext import commands

from bot.answer_log import AnswerRecord
from bot.answer_view import (
    BUTTONS_COG,
    FOLLOW,
    MORE,
    PARAGRAPH,
    AnswerButton,
    follow_up_modal,
    modal_question,
)
from bot.answering import Place
from bot.engine_holder import AnswerEngine
from bot.feedback import Feedback
from bot.parts import Parts
from bot.render import (
    ANSWER_FAILED,
    BUTTON_EXPIRED,
    EMPTY_FOLLOW_UP,
    FEEDBACK_THANKS,
    PARAGRAPH_CHANGED,
    CitedParagraph,
    render_paragraphs,
)
from bot.reply import NO_MENTIONS, Reply
from index.errors import EssayBotError

log = logging.getLogger(__name__)

FEEDBACK_FAILED = "Sorry — I couldn't record that feedback just now; please try again later."


class AnswerButtonsCog(commands.Cog, name=BUTTONS_COG):
    def __init__(self, bot: commands.Bot, parts: Parts) -> None:
        self.bot = bot
        self.parts = parts

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton)

    async def handle(self, action: str, key: str, interaction: discord.Interaction) -> None:
        record = self.parts.services.answers.get(key)
        if record is None:
            await interaction.response.send_message(
                BUTTON_EXPIRED, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        elif action == MORE:
            await self.more_excerpts(interaction, record)
        elif action == PARAGRAPH:
            await self.show_paragraph(interaction, record)
        elif action == FOLLOW:
            # Opening a modal is the whole response; the question is taken when it is submitted.
            await interaction.response.send_modal(follow_up_modal(record.key))
        else:
            await self.record_feedback(interaction, record, vote=action)

    async def more_excerpts(self, interaction: discord.Interaction, record: AnswerRecord) -> None:
        # The next page keeps the answer's conversation: it is the same turn, continued.
        await self._answer(interaction, record, record.question, skip=record.next_skip, follow_up=False)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A Follow up modal submitted (the modal is not kept in memory, so this works after a restart)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        submitted = modal_question(interaction.data or {})
        if submitted is None:
            return
        key, text = submitted
        try:
            await self.follow_up_submitted(interaction, key, " ".join(text.split()))
        except Exception:
            # A listener's exception would only be logged by discord.py; the user still deserves a reply.
            log.exception("answering a follow-up from the modal failed")
            if not interaction.response.is_done():
                await interaction.response.send_message(
                    ANSWER_FAILED, ephemeral=True, allowed_mentions=NO_MENTIONS
                )

    async def follow_up_submitted(self, interaction: discord.Interaction, key: str, question: str) -> None:
        record = self.parts.services.answers.get(key)
        if record is None:
            await interaction.response.send_message(
                BUTTON_EXPIRED, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        elif not question:
            await interaction.response.send_message(
                EMPTY_FOLLOW_UP, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        else:
            await self._answer(interaction, record, question, skip=0, follow_up=True)

    async def _answer(
        self,
        interaction: discord.Interaction,
        record: AnswerRecord,
        question: str,
        *,
        skip: int,
        follow_up: bool,
    ) -> None:
        parts = self.parts
        refusal = parts.access.refusal(interaction.user.id, interaction.channel)
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        conversation = record.follow_up() if follow_up else record.conversation
        # An answer shown where the record's conversation lives (a DM, the bot's thread) continues it there.
        here = record.place is not None and record.channel_id == interaction.channel_id
        place = (
            Place(record.channel_id, record.place) if here and record.channel_id and record.place else None
        )
        with parts.in_flight.track():
            await interaction.response.defer(thinking=True, ephemeral=record.ephemeral)
            reply = await parts.answering.reply(
                question, skip=skip, ephemeral=record.ephemeral, conversation=conversation, place=place
            )
            await parts.delivery.fill_in(interaction, reply)

    async def show_paragraph(self, interaction: discord.Interaction, record: AnswerRecord) -> None:
        parts = self.parts
        with parts.in_flight.track():
            await interaction.response.defer(thinking=True, ephemeral=True)
            items = cited_paragraphs(parts.services.engines.engine, record)
            messages = render_paragraphs(items) if items is not None else []
            if not messages:
                await parts.delivery.fill_in(interaction, Reply(content=PARAGRAPH_CHANGED))
                return
            first, *rest = messages
            if not await parts.delivery.fill_in(interaction, Reply(embeds=first)):
                return
            for embeds in rest:  # a paragraph too long for one message continues in follow-ups
                await parts.delivery.deliver(
                    lambda embeds=embeds: interaction.followup.send(
                        ephemeral=True, **Reply(embeds=embeds).kwargs()
                    ),
                    what=f"a paragraph for interaction {interaction.id}",
                    idempotent=False,
                )

    async def record_feedback(
        self, interaction: discord.Interaction, record: AnswerRecord, *, vote: str
    ) -> None:
        parts = self.parts
        feedback = Feedback(
            vote=vote,
            question=record.question,
            excerpt_ids=tuple(excerpt.id for excerpt in record.excerpts),
            answer_id=record.key,
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            abstention=record.abstention,
        )
        # Counted in flight, so that shutdown waits until the vote is on disk and thanked for.
        with parts.in_flight.track():
            # fsync can be slow on a busy disk: acknowledge first, so Discord's 3 seconds never run out.
            await interaction.response.defer(thinking=True, ephemeral=True)
            try:
                await asyncio.to_thread(parts.services.feedback.append, feedback)
            except OSError as error:
                log.error("cannot store feedback in %s: %s", parts.services.feedback.path, error)
                text = FEEDBACK_FAILED
            else:
                text = FEEDBACK_THANKS
            await parts.delivery.fill_in(interaction, Reply(content=text))


def cited_paragraphs(engine: AnswerEngine, record: AnswerRecord) -> list[CitedParagraph] | None:
    """The paragraphs an answer quoted, in order, with the quotes marked; None if the index has changed
    so that a quote is no longer where the answer said (paragraph lookups are dictionary reads, fine on the loop)."""
    grouped: dict[tuple[str, int], list] = {}
    for excerpt in record.excerpts:
        grouped.setdefault((excerpt.document, excerpt.paragraph), []).append(excerpt)
    items: list[CitedParagraph] = []
    for (document, number), excerpts in grouped.items():
        try:
            paragraph = engine.paragraph(document, number)
        except (LookupError, EssayBotError):
            return None
        if any(paragraph.text[e.start : e.end] != e.text for e in excerpts):
            return None
        spans = tuple((e.start, e.end) for e in excerpts)
        items.append(CitedParagraph(paragraph, excerpts[0].citation, spans))
    return items
