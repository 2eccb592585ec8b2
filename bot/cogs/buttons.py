"""The buttons on every answer: "More excerpts", "Show paragraph", 👍 and 👎.

Each button's custom id names its action and the answer's key in the answer log, so buttons keep
working after a restart (they are dynamic items, dispatched by pattern rather than per message).
"""

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.answer_log import AnswerRecord
from bot.cogs.ask import fill_in
from bot.feedback import Feedback
from bot.render import BUTTON_EXPIRED, FEEDBACK_THANKS, PARAGRAPH_CHANGED, CitedParagraph, render_paragraphs
from bot.reply import Reply
from index.errors import EssayBotError

if TYPE_CHECKING:
    from bot.client import EssayBot

log = logging.getLogger(__name__)

MORE, PARAGRAPH, UP, DOWN = "more", "para", "up", "down"
_BUTTONS = {
    MORE: {"label": "More excerpts", "style": discord.ButtonStyle.primary},
    PARAGRAPH: {"label": "Show paragraph", "style": discord.ButtonStyle.secondary},
    UP: {"emoji": "👍", "style": discord.ButtonStyle.secondary},
    DOWN: {"emoji": "👎", "style": discord.ButtonStyle.secondary},
}
_NO_MENTIONS = discord.AllowedMentions.none()
FEEDBACK_FAILED = "Sorry — I couldn't record that feedback just now; please try again later."


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"essaybot:(?P<action>more|para|up|down):(?P<key>[0-9a-f]{16})",
):
    def __init__(self, action: str, key: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"essaybot:{action}:{key}", **_BUTTONS[action]))
        self.action = action
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item, match: "re.Match[str]", /
    ) -> "AnswerButton":
        return cls(match["action"], match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog(AnswerButtonsCog.__cog_name__)
        await cog.handle(self.action, self.key, interaction)


def answer_view(key: str, *, answered: bool) -> discord.ui.View:
    """The buttons for an answer; an abstention only gets the feedback buttons."""
    view = discord.ui.View(timeout=None)
    for action in (MORE, PARAGRAPH, UP, DOWN) if answered else (UP, DOWN):
        view.add_item(AnswerButton(action, key))
    return view


class AnswerButtonsCog(commands.Cog):
    def __init__(self, bot: "EssayBot") -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnswerButton)

    async def handle(self, action: str, key: str, interaction: discord.Interaction) -> None:
        record = self.bot.services.answers.get(key)
        if record is None:
            await interaction.response.send_message(
                BUTTON_EXPIRED, ephemeral=True, allowed_mentions=_NO_MENTIONS
            )
        elif action == MORE:
            await self.more_excerpts(interaction, record)
        elif action == PARAGRAPH:
            await self.show_paragraph(interaction, record)
        else:
            await self.record_feedback(interaction, record, vote=action)

    async def more_excerpts(self, interaction: discord.Interaction, record: AnswerRecord) -> None:
        refusal = self.bot.refusal(interaction.user.id, interaction.channel)
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=_NO_MENTIONS)
            return
        with self.bot.in_flight.track():
            await interaction.response.defer(thinking=True, ephemeral=record.ephemeral)
            reply = await self.bot.answer_reply(
                record.question, skip=record.next_skip, ephemeral=record.ephemeral
            )
            await fill_in(self.bot, interaction, reply)

    async def show_paragraph(self, interaction: discord.Interaction, record: AnswerRecord) -> None:
        with self.bot.in_flight.track():
            await interaction.response.defer(thinking=True, ephemeral=True)
            items = cited_paragraphs(self.bot.services.engines.engine, record)
            messages = render_paragraphs(items) if items is not None else []
            if not messages:
                await fill_in(self.bot, interaction, Reply(content=PARAGRAPH_CHANGED))
                return
            first, *rest = messages
            if not await fill_in(self.bot, interaction, Reply(embeds=first)):
                return
            for embeds in rest:  # a paragraph too long for one message continues in follow-ups
                await self.bot.deliver(
                    lambda embeds=embeds: interaction.followup.send(
                        ephemeral=True, **Reply(embeds=embeds).kwargs()
                    ),
                    what=f"a paragraph for interaction {interaction.id}",
                    idempotent=False,
                )

    async def record_feedback(
        self, interaction: discord.Interaction, record: AnswerRecord, *, vote: str
    ) -> None:
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
        with self.bot.in_flight.track():
            # fsync can be slow on a busy disk: acknowledge first, so Discord's 3 seconds never run out.
            await interaction.response.defer(thinking=True, ephemeral=True)
            try:
                await asyncio.to_thread(self.bot.services.feedback.append, feedback)
            except OSError as error:
                log.error("cannot store feedback in %s: %s", self.bot.services.feedback.path, error)
                text = FEEDBACK_FAILED
            else:
                text = FEEDBACK_THANKS
            await fill_in(self.bot, interaction, Reply(content=text))


def cited_paragraphs(engine: object, record: AnswerRecord) -> list[CitedParagraph] | None:
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
