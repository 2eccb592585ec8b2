"""Asking: /ask, a mention in a channel or any DM, a reply to an answer, the bot's threads, and "Ask the essay"."""

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer_log import IN_DM, IN_THREAD
from bot.answering import Place
from bot.follow_ups import addressed, place_of
from bot.parts import Parts
from bot.render import EMPTY_FOLLOW_UP, MENTION_HELP, NO_MESSAGE_TEXT, question_too_long, thread_name
from bot.reply import NO_MENTIONS, Reply
from bot.suggest import autocomplete_choices
from index.answering.conversation import Conversation
from index.corpus.text import MAX_QUESTION_CHARS

log = logging.getLogger(__name__)

MAX_SLASH_QUESTION = 300
# A question in a message may be as long as the engine searches; past that it is told the limit.
MAX_MESSAGE_QUESTION = MAX_QUESTION_CHARS
CONTEXT_MENU_NAME = "Ask the essay"
THREAD_ARCHIVE_MINUTES = 1440


def mention_pattern(bot_id: int, role_id: int | None = None) -> re.Pattern[str]:
    """Matches the bot's user mention (``<@id>``, ``<@!id>``) and its managed role's (``<@&id>``)."""
    alternatives = [rf"<@!?{bot_id}>"]
    if role_id is not None:
        alternatives.append(rf"<@&{role_id}>")
    return re.compile("|".join(alternatives))


# Discord's markup for other users, roles and channels, custom emoji and timestamps: no words of a question
# ("<@789> what did putin say?" would search for "789").
DISCORD_MARKUP = re.compile(r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::\w)?)>")


def question_from_text(content: str, pattern: re.Pattern[str]) -> str:
    """The question in a message: its text without the bot's mentions or other Discord markup,
    whitespace tidied."""
    return " ".join(DISCORD_MARKUP.sub(" ", pattern.sub(" ", content)).split())


class AskCog(commands.Cog):
    def __init__(self, bot: commands.Bot, parts: Parts) -> None:
        self.bot = bot
        self.parts = parts
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
        engine = self.parts.services.engines.engine  # stored tuples: cheap enough for the loop
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in autocomplete_choices(current, engine.sections, engine.examples)
        ]

    async def ask_about_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Ask the essay the question written in a message."""
        question = question_from_text(message.content, self._pattern(message.guild))
        if not question:
            await interaction.response.send_message(
                NO_MESSAGE_TEXT, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        await self._answer_interaction(interaction, question, ephemeral=False)

    async def _answer_interaction(
        self, interaction: discord.Interaction, question: str, *, ephemeral: bool
    ) -> None:
        parts = self.parts
        refusal = parts.access.refusal(interaction.user.id, interaction.channel)
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        # An /ask in a DM starts a conversation there, as a DM question does.
        place = (
            Place(interaction.channel_id, IN_DM)
            if interaction.guild_id is None and interaction.channel_id
            else None
        )
        with parts.in_flight.track():
            # Acknowledge within Discord's 3 seconds before any slow work.
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
            reply = await parts.answering.reply(question, ephemeral=ephemeral, place=place)
            await parts.delivery.fill_in(interaction, reply)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A question is a message that mentions the bot, any DM, a reply to one of the bot's messages, or
        any message in a thread the bot opened (``follow_ups.addressed``); the last three may follow up
        an earlier answer, and are then asked in its conversation."""
        me = self.bot.user
        if message.author.bot or me is None:
            return
        parts = self.parts
        pattern = self._pattern(message.guild)
        turn = await addressed(message, me.id, pattern, parts.answering)
        if turn is None:
            return
        if not parts.access.answers_in(message.channel):
            return  # where the bot does not answer, it stays quiet rather than replying to every mention
        if not parts.access.may_answer_in(message.channel):
            return  # it could not reply there: the operator has been told which permission to grant
        question = question_from_text(message.content, pattern)
        if not question:
            if turn.mentioned or message.guild is None:
                refusal: str | None = MENTION_HELP
            elif turn.is_reply:
                refusal = EMPTY_FOLLOW_UP
            else:
                return  # an image or a sticker in the bot's thread: not a question
        elif len(question) > MAX_MESSAGE_QUESTION:
            refusal = question_too_long(MAX_MESSAGE_QUESTION)
        else:
            refusal = parts.access.refusal(message.author.id, message.channel)
        if refusal is not None:
            await parts.delivery.reply_in_channel(message, Reply(content=refusal))
            return
        conversation = turn.follows.follow_up() if turn.follows is not None else Conversation()
        new_mention = turn.follows is None and turn.mentioned and not turn.is_reply
        with parts.in_flight.track():
            thread = None
            if new_mention and parts.settings.answer_in_threads:
                thread = await self._open_thread(message, question)
            channel = thread if thread is not None else message.channel
            place = (
                Place(thread.id, IN_THREAD)
                if thread is not None
                else place_of(channel, me.id, parts.services.answers)
            )
            await _show_typing(channel)
            reply = await parts.answering.reply(question, conversation=conversation, place=place)
            if thread is not None:
                await parts.delivery.send_in(thread, reply)
            else:
                await parts.delivery.reply_in_channel(message, reply)

    async def _open_thread(self, message: discord.Message, question: str) -> discord.Thread | None:
        """A new thread from the question, named after it, for the conversation; None where there cannot
        be one (a DM, a thread already, no Create Public Threads permission): then the answer is a reply."""
        if not self.parts.access.may_open_thread_in(message.channel):
            return None
        try:
            return await message.create_thread(
                name=thread_name(question), auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as error:
            log.warning("cannot open a thread for a question in channel %s: %s", message.channel.id, error)
            return None

    def _pattern(self, guild: discord.Guild | None) -> re.Pattern[str]:
        assert self.bot.user is not None
        role = guild.self_role if guild is not None else None
        return mention_pattern(self.bot.user.id, role.id if role is not None else None)


async def _show_typing(channel: discord.abc.Messageable) -> None:
    # Cosmetic: "EssayBot is typing…" until the reply arrives. Never worth failing an answer over.
    try:
        await channel.typing()
    except discord.HTTPException as error:
        log.debug("typing indicator failed: %s", error)
