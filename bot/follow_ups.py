"""Which answer a message follows up: the answer it replies to, or the last one in its DM or the bot's thread."""

import logging
import re
from dataclasses import dataclass

import discord

from bot.answer_log import IN_DM, IN_THREAD, AnswerLog, AnswerRecord
from bot.answer_view import answer_key
from bot.answering import Answering, Place

log = logging.getLogger(__name__)


async def replied_to(message: discord.Message) -> discord.Message | None:
    """The message ``message`` replies to, or None: not a reply, or the message is gone or out of reach."""
    reference = message.reference
    if (
        reference is None
        or reference.message_id is None
        or reference.type is not discord.MessageReferenceType.reply
    ):
        return None
    resolved = reference.resolved
    if isinstance(resolved, discord.Message):
        return resolved
    if isinstance(resolved, discord.DeletedReferencedMessage):
        return None
    if reference.cached_message is not None:
        return reference.cached_message
    # Discord leaves the target out when it could not load it in time: ask for it.
    try:
        return await message.channel.fetch_message(reference.message_id)
    except discord.HTTPException as error:
        log.debug("cannot fetch the message %s replies to: %s", message.id, error)
        return None


def is_own_thread(channel: object, bot_id: int, answers: AnswerLog) -> bool:
    """A thread the bot opened for a conversation (by its owner, or, for one not in the cache, by the log)."""
    if isinstance(channel, discord.Thread) and channel.owner_id == bot_id:
        return True
    latest = answers.latest_in(getattr(channel, "id", 0))
    return latest is not None and latest.place == IN_THREAD


def answer_replied_to(target: discord.Message, answers: AnswerLog) -> AnswerRecord | None:
    """The remembered answer that ``target`` (one of the bot's messages) shows, if any."""
    key = answer_key(target.components)
    return answers.get(key) if key is not None else None


def conversation_here(channel: object, answering: Answering, bot_id: int) -> AnswerRecord | None:
    """The answer a message in ``channel`` continues without replying to it: the last answer in the
    bot's thread, or in a DM when it came within CONVERSATION_MINUTES."""
    answers = answering.services.answers
    latest = answers.latest_in(getattr(channel, "id", 0))
    if latest is None:
        return None
    if getattr(channel, "guild", None) is None:
        return latest if latest.place == IN_DM and answering.within_window(latest) else None
    return latest if is_own_thread(channel, bot_id, answers) else None


def place_of(channel: object, bot_id: int, answers: AnswerLog) -> Place | None:
    """Where an answer in ``channel`` is remembered to be, for the next message there to follow it up."""
    channel_id = getattr(channel, "id", None)
    if channel_id is None:
        return None
    if getattr(channel, "guild", None) is None:
        return Place(channel_id, IN_DM)
    if is_own_thread(channel, bot_id, answers):
        return Place(channel_id, IN_THREAD)
    return None


@dataclass(frozen=True)
class Addressed:
    """A message the bot answers: whether it mentions the bot, whether it is a reply, and the answer it
    continues (None: it starts a conversation)."""

    mentioned: bool
    is_reply: bool
    follows: AnswerRecord | None


async def addressed(
    message: discord.Message, bot_id: int, pattern: re.Pattern[str], answering: Answering
) -> Addressed | None:
    """Whether ``message`` is for the bot, and which answer it follows up. For the bot: a mention (a reply's
    ping counts: it is in ``mentions``, never in the text), any DM, a reply to one of the bot's messages,
    any message in the bot's thread. Not for it: a reply to someone else's message without a mention."""
    answers = answering.services.answers
    in_dm = message.guild is None
    mentioned = bool(pattern.search(message.content)) or any(user.id == bot_id for user in message.mentions)
    target = await replied_to(message)
    if target is not None and target.author.id == bot_id:
        # A reply to an answer this bot no longer remembers is a new question, not a silent drop.
        return Addressed(mentioned, True, answer_replied_to(target, answers))
    if target is not None and not in_dm:
        return Addressed(mentioned, True, None) if mentioned else None
    if not (mentioned or in_dm or is_own_thread(message.channel, bot_id, answers)):
        return None
    return Addressed(mentioned, target is not None, conversation_here(message.channel, answering, bot_id))
