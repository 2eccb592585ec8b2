"""Whatever a user types: acknowledged in time, answered once, pinging nobody, echoed inert, never a stack trace."""

import re

import pytest

from bot.render import MENTION_HELP
from tests.e2e.conftest import WAIT, button, description, pings_nobody

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A markdown character with no backslash before it, or the start of a Discord token (<@…>, <#…>, <t:…>, </…>,
# <:emoji:…>) that would render as a mention, channel link, timestamp, command or emoji.
LIVE_MARKDOWN = re.compile(r"(?<!\\)[*_~`|]")
LIVE_TOKEN = re.compile(r"<(?:@[!&]?\d|#\d|t:-?\d|/\w|a?:\w+:\d)")
LIVE_MASS_MENTION = re.compile(r"@(?:everyone|here)")

QUESTIONS = {
    "empty": "",
    "whitespace": " \t\n  ",
    "ten thousand characters": ("why did the 1950 alliance fail? " * 320)[:10_000],
    "only emoji": "🤔🇨🇳🇷🇺👨‍👩‍👧🔥" * 3,
    "zero-width characters": "\u200b\u200c\u200d\u2060\ufeff",
    "zero-width inside words": "al\u200bli\u200dance of 19\u200b50",
    "rtl override": "\u202ewhy did the 1950 alliance fail?\u202c",
    "rtl override only": "\u202e\u202d\u2066\u2069",
    "code block": "```py\nimport os; os.system('rm -rf /')\n``` why did the 1950 alliance fail?",
    "inline code": "`alliance` of `1950`",
    "markdown": "**bold** __underline__ *italic* ~~strike~~ ||spoiler|| # heading\n> quote\n- list [link](https://evil.example)",
    "everyone": "@everyone @here what about the 1950 alliance?",
    "user and role mentions": "<@123456789012345678> <@!123456789012345678> <@&123456789012345679> the 1896 treaty?",
    "channel, command and emoji tokens": "<#123456789012345678> </ask:123456789012345678> <:pog:123456789012345678> 1896",
    "timestamp tokens": "<t:1700000000:R> <t:0> what happened in 1950?",
    "chinese": "中国和俄罗斯为什么没有结盟？",
    "russian": "Почему Китай и Россия не заключили союз?",
    "arabic": "لماذا لم تتحالف الصين وروسيا؟",
    "french": "Pourquoi la Chine et la Russie ne forment-elles pas une alliance ?",
}


def assert_inert(text: str) -> None:
    """Echoed user text shows as typed: no live markdown, mention, token or bidi override."""
    assert not LIVE_MARKDOWN.search(text), text
    assert not LIVE_TOKEN.search(text), text
    assert not LIVE_MASS_MENTION.search(text), text
    assert not BIDI_CONTROLS.search(text), text
    assert not re.match(r"\s*(?:#|>|-\s)", text), text  # headings, quotes and lists start a line


def assert_no_trace(message) -> None:
    shown = "\n".join(
        [message.content or "", description(message), *(e.get("title", "") for e in message.embeds)]
    )
    assert "Traceback" not in shown and 'File "' not in shown and "Error" not in shown


def assert_one_clean_reply(fake, message) -> None:
    assert message.embeds or (message.content or "").strip(), "an empty reply"
    for embed in message.embeds:
        assert (embed.get("description") or "").strip(), f"an empty embed: {embed}"
        assert_inert(embed.get("title") or "")
        assert (embed.get("title") or "").strip(" \u200b\u200c\u200d\u2060\ufeff"), "a blank title"
    assert pings_nobody(message) and not message.pings
    assert fake.messages_that_ping() == []
    assert_no_trace(message)


@pytest.fixture
async def real_bot(start_bot, tiny_engine):
    async with start_bot(engine=tiny_engine) as bot:
        yield bot


@pytest.mark.parametrize("question", list(QUESTIONS.values()), ids=list(QUESTIONS))
async def test_any_slash_question_is_acknowledged_in_time_and_answered_once_inertly(fake, real_bot, question):
    handle = await fake.send_slash_command("ask", {"question": question})

    message = await handle.final_message(timeout=WAIT)

    first = handle.events[0]
    assert first.kind == "callback" and first.status < 300, first  # the fake refuses callbacks after 3 s
    assert first.callback_type == 5
    assert all(event.status < 300 for event in handle.events), handle.events
    assert_one_clean_reply(fake, message)
    assert len(fake.bot_messages()) == 1


@pytest.mark.parametrize(
    "question",
    [q for name, q in QUESTIONS.items() if name != "ten thousand characters"]
    + [QUESTIONS["ten thousand characters"][:1900]],
    ids=[name for name in QUESTIONS if name != "ten thousand characters"] + ["the longest message"],
)
async def test_any_mentioned_question_is_answered_once_in_a_reply_that_pings_nobody(fake, real_bot, question):
    asked = await fake.send_message("general", "alice", f"{fake.world.bot.mention} {question}")

    reply = await fake.wait_for_message("general", after=asked, timeout=WAIT)

    assert reply.message_reference["message_id"] == str(asked.id)
    assert_one_clean_reply(fake, reply)
    if not " ".join(question.split()):
        assert reply.content == MENTION_HELP
    assert len(fake.messages_in("general")) == 1


@pytest.mark.parametrize(
    "question", ["@everyone <t:1700000000:R> **hi** \u202e1950", "中国和俄罗斯为什么没有结盟？"]
)
async def test_any_direct_message_is_answered_once_inertly(fake, real_bot, question):
    asked = await fake.send_dm("alice", question)

    reply = await fake.wait_for_message(asked.channel_id, after=asked, timeout=WAIT)

    assert_one_clean_reply(fake, reply)


async def test_a_question_that_matches_nothing_abstains_never_an_empty_embed(fake, real_bot):
    # A year after the essay's date: refused by the date rule, whatever the test's stand-in model scores.
    handle = await fake.send_slash_command(
        "ask", {"question": "how do I bake sourdough bread with rye flour in 2035?"}
    )

    message = await handle.final_message(timeout=WAIT)

    (embed,) = message.embeds
    assert embed["description"].startswith("The essay doesn't address that.")
    assert "§" in embed["description"]  # the nearest sections, as something to ask instead
    assert [custom_id.split(":")[1] for custom_id in message.custom_ids] == ["follow", "up", "down"]


async def test_more_excerpts_past_the_end_says_so_never_an_empty_embed(fake, start_bot, tiny_engine):
    async with start_bot(engine=tiny_engine, results_per_answer=10):
        first = await (
            await fake.send_slash_command("ask", {"question": "Li-Lobanov treaty 1896"})
        ).final_message()
        pages = [first]
        for _ in range(6):  # the engine has at most a handful of pages for one question
            if not any(cid.startswith("essaybot:more:") for cid in pages[-1].custom_ids):
                break
            click = await fake.click_button(pages[-1], button(pages[-1], "more"))
            pages.append(await click.final_message(timeout=WAIT))

    assert len(pages) > 1
    for page in pages:
        assert page.embeds and all((embed.get("description") or "").strip() for embed in page.embeds)
