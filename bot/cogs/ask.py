"""Asking: /ask, a mention in a channel or any DM, and the "Ask the essay" message command."""

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import MENTION_HELP, NO_MESSAGE_TEXT
from bot.suggest import autocomplete_choices

if TYPE_CHECKING:
    from bot.client import EssayBot
    from bot.reply import Reply

log = logging.getLogger(__name__)

MAX_SLASH_QUESTION = 300
CONTEXT_MENU_NAME = "Ask the essay"
_NO_MENTIONS = discord.AllowedMentions.none()


def mention_pattern(bot_id: int, role_id: int | None = None) -> re.Pattern[str]:
    """Matches the bot's user mention (``<@id>``, ``<@!id>``) and its managed role's (``<@&id>``)."""
    alternatives = [rf"<@!?{bot_id}>"]
    if role_id is not None:
        alternatives.append(rf"<@&{role_id}>")
    return re.compile("|".join(alternatives))


def question_from_text(content: str, pattern: re.Pattern[str]) -> str:
    """The question in a message: its text without the bot's mentions, whitespace tidied."""
    return " ".join(pattern.sub(" ", content).split())


class AskCog(commands.Cog):
    def __init__(self, bot: "EssayBot") -> None:
        self.bot = bot
        # Context menus cannot be declared inside a cog, so this one is added to the tree by hand.
        self.context_menu = app_commands.ContextMenu(name=CONTEXT_MENU_NAME, callback=self.ask_about_message)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.context_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="What you want to know about the essay",
        ephemeral="Show the answer only to you",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_SLASH_QUESTION],
        ephemeral: bool = False,
    ) -> None:
        """Ask about the essay; the answer quotes the author's exact words, with citations."""
        await self._answer_interaction(interaction, question, ephemeral=ephemeral)

    @ask.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        sections = self.bot.services.engines.engine.sections  # a stored tuple: cheap enough for the loop
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in autocomplete_choices(current, sections)
        ]

    async def ask_about_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Ask the essay the question written in a message."""
        question = question_from_text(message.content, self._pattern(message.guild))
        if not question:
            await interaction.response.send_message(
                NO_MESSAGE_TEXT, ephemeral=True, allowed_mentions=_NO_MENTIONS
            )
            return
        await self._answer_interaction(interaction, question, ephemeral=False)

    async def _answer_interaction(
        self, interaction: discord.Interaction, question: str, *, ephemeral: bool
    ) -> None:
        refusal = self.bot.refusal(interaction.user.id, interaction.channel)
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=_NO_MENTIONS)
            return
        with self.bot.in_flight.track():
            # Acknowledge within Discord's 3 seconds before any slow work.
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
            reply = await self.bot.answer_reply(question, ephemeral=ephemeral)
            await fill_in(self.bot, interaction, reply)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.bot.user is None:
            return
        pattern = self._pattern(message.guild)
        in_dm = message.guild is None
        if not in_dm and not pattern.search(message.content):
            return
        if not self.bot.answers_in(message.channel):
            return  # where the bot does not answer, it stays quiet rather than replying to every mention
        if not self.bot.may_answer_in(message.channel):
            return  # it could not reply there: the operator has been told which permission to grant
        question = question_from_text(message.content, pattern)
        refusal = self.bot.refusal(message.author.id, message.channel) if question else MENTION_HELP
        if refusal is not None:
            await message.reply(refusal, mention_author=False, allowed_mentions=_NO_MENTIONS)
            return
        with self.bot.in_flight.track():
            await _show_typing(message.channel)
            reply = await self.bot.answer_reply(question)
            await self.bot.reply_in_channel(message, reply)

    def _pattern(self, guild: discord.Guild | None) -> re.Pattern[str]:
        role = guild.self_role if guild is not None else None
        return mention_pattern(self.bot.user.id, role.id if role is not None else None)


async def fill_in(bot: "EssayBot", interaction: discord.Interaction, reply: "Reply") -> bool:
    """Replace the deferred "thinking…" message by ``reply``. An edit, not a follow-up: repeating it
    after a Discord error cannot post the answer twice."""
    return await bot.deliver(
        lambda: interaction.edit_original_response(**reply.kwargs()),
        what=f"the answer to interaction {interaction.id}",
        idempotent=True,
    )


async def _show_typing(channel: discord.abc.Messageable) -> None:
    # Cosmetic: "EssayBot is typing…" until the reply arrives. Never worth failing an answer over.
    try:
        await channel.typing()
    except discord.HTTPException as error:
        log.debug("typing indicator failed: %s", error)
