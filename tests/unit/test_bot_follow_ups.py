"""The pure parts of follow-ups: which answer a message's buttons name, the modal's text, the DM window."""

from dataclasses import replace
from types import SimpleNamespace

import discord

from bot.answer_log import IN_DM, IN_THREAD, AnswerLog, AnswerRecord, new_key
from bot.answer_view import MODAL_ID, actions_for, answer_key, answer_view, follow_up_modal, modal_question
from bot.answering import Answering
from bot.follow_ups import conversation_here, place_of
from bot.settings import Settings

KEY = "0123456789abcdef"


def record(**changes) -> AnswerRecord:
    base = AnswerRecord(new_key(), "why?", skip=0, excerpts=(), abstention=None, ephemeral=False)
    return replace(base, **changes)


def answering(log: AnswerLog, now: float, minutes: float = 15) -> Answering:
    settings = Settings(_env_file=None, conversation_minutes=minutes)
    services = SimpleNamespace(answers=log)  # the follow-up window reads only the answer log
    return Answering(settings, services, clock=lambda: now)  # type: ignore[arg-type]  # a partial Services


def test_the_answer_key_is_read_from_any_button_of_the_answer():
    rows = answer_view(KEY, actions_for(quotes=True, more=True)).to_components()
    message_components = [discord.ActionRow(row) for row in rows]

    assert answer_key(message_components) == KEY


def test_a_message_without_our_buttons_has_no_answer_key():
    other = SimpleNamespace(children=[SimpleNamespace(custom_id="someone-else:more:0123456789abcdef")])

    assert answer_key([other]) is None
    assert answer_key([]) is None


def test_buttons_follow_the_kind_of_reply():
    assert actions_for(quotes=True, more=True) == ("more", "para", "follow", "up", "down")
    assert actions_for(quotes=True, more=False) == ("para", "follow", "up", "down")  # a summary
    assert actions_for(quotes=False, more=False) == ("follow", "up", "down")  # small talk, an abstention


async def test_each_follow_up_modal_is_its_own_and_names_the_answer():
    first, second = follow_up_modal(KEY), follow_up_modal(KEY)

    assert first.custom_id != second.custom_id
    assert MODAL_ID.fullmatch(first.custom_id)
    assert first.is_finished()  # not kept by discord.py: the cog reads every submission itself


def test_the_modal_question_is_read_from_either_layout():
    rows = {
        "custom_id": f"essaybot:ask:{KEY}:0a1b2c3d",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "question", "value": "and why?"}]}
        ],
    }
    labels = {
        "custom_id": f"essaybot:ask:{KEY}:0a1b2c3d",
        "components": [{"type": 18, "component": {"type": 4, "custom_id": "question", "value": "and why?"}}],
    }

    assert modal_question(rows) == (KEY, "and why?") == modal_question(labels)
    assert modal_question({"custom_id": "someone-else"}) is None


def test_a_dm_follows_up_the_last_answer_there_only_within_the_window():
    log = AnswerLog(None)
    dm = SimpleNamespace(id=5, guild=None)
    last = record(channel_id=5, place=IN_DM, at=1000.0)
    log.remember(last)

    assert conversation_here(dm, answering(log, now=1000.0 + 15 * 60), bot_id=1) == last
    assert conversation_here(dm, answering(log, now=1001.0 + 15 * 60), bot_id=1) is None
    assert conversation_here(SimpleNamespace(id=6, guild=None), answering(log, now=1000.0), bot_id=1) is None


def test_a_message_in_the_bots_thread_follows_its_last_answer_and_a_channel_message_does_not():
    log = AnswerLog(None)
    log.remember(record(channel_id=8, place=IN_THREAD, at=1.0))
    newer = record(channel_id=8, place=IN_THREAD, at=2.0)
    log.remember(newer)
    guild = object()

    assert conversation_here(SimpleNamespace(id=8, guild=guild), answering(log, now=10**9), bot_id=1) == newer
    assert conversation_here(SimpleNamespace(id=9, guild=guild), answering(log, now=2.0), bot_id=1) is None


def test_answers_are_placed_in_dms_and_the_bots_threads_only():
    log = AnswerLog(None)
    log.remember(record(channel_id=8, place=IN_THREAD, at=1.0))

    assert place_of(SimpleNamespace(id=5, guild=None), 1, log).kind == IN_DM
    assert place_of(SimpleNamespace(id=8, guild=object()), 1, log).kind == IN_THREAD
    assert place_of(SimpleNamespace(id=9, guild=object()), 1, log) is None
