"""Rendering answers for Discord: quotes whole and cited, user text inert, every limit kept by construction."""

import dataclasses
import re

import discord
import pytest

from bot import render
from bot.render import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBEDS_PER_MESSAGE,
    MESSAGE_LIMIT,
    TITLE_LIMIT,
    CitedParagraph,
    discord_len,
    embed_len,
    render_about,
    render_answer,
    render_paragraphs,
)
from index.answering.answers import Abstention, Answer, AnswerKind, Excerpt
from index.answering.conversation import Conversation
from index.corpus.documents import Paragraph, Sentence
from index.scoring.question_maps import UNCALIBRATED
from tests.bot_fakes import FakeDocumentInfo, FakeEngine


def excerpt(text: str, paragraph: int = 1, section: str = "A Section") -> Excerpt:
    return Excerpt("doc", "A Title", section, paragraph, 0, len(text), text, 0.5)


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("\u200b", ""))


def assert_within_limits(embeds: list[discord.Embed]) -> None:
    assert len(embeds) <= EMBEDS_PER_MESSAGE
    assert sum(embed_len(embed) for embed in embeds) <= EMBED_TOTAL_LIMIT
    for embed in embeds:
        assert discord_len(embed.title or "") <= TITLE_LIMIT
        assert discord_len(embed.description or "") <= DESCRIPTION_LIMIT


def test_each_excerpt_is_quoted_and_cited():
    answer = FakeEngine().answer("why did the 1950 alliance fail?")

    rendered = render_answer(answer)

    description = rendered.embed.description
    for shown in answer.excerpts:
        assert f"> {shown.text}" in description
        assert shown.citation in description
    assert rendered.shown == answer.excerpts
    assert "excerpts 1–3" in rendered.embed.footer.text


def test_citation_reads_title_section_paragraph():
    rendered = render_answer(Answer("q", (excerpt("Words.", paragraph=12, section="History"),)))

    assert "— *A Title — §History ¶12*" in rendered.embed.description


def test_markdown_in_the_essay_is_shown_not_interpreted():
    rendered = render_answer(Answer("q", (excerpt("a *starred* and __under__ word"),)))

    assert r"a \*starred\* and \_\_under\_\_ word" in rendered.embed.description


def test_excerpts_that_do_not_fit_are_left_whole_for_more_excerpts():
    long_quotes = tuple(excerpt(f"Sentence {n}. " + "word " * 300, paragraph=n) for n in range(1, 6))

    rendered = render_answer(Answer("q", long_quotes))

    assert 1 <= len(rendered.shown) < len(long_quotes)
    for shown in rendered.shown:
        assert render._block_quote(shown.text) in rendered.embed.description
    for left in long_quotes[len(rendered.shown) :]:
        assert f"Sentence {left.paragraph}." not in rendered.embed.description
    assert_within_limits([rendered.embed])


def test_a_passage_longer_than_an_embed_is_cited_not_cut():
    huge = excerpt("All work and no play. " * 400)

    rendered = render_answer(Answer("q", (huge,)))

    assert "All work" not in rendered.embed.description
    assert huge.citation in rendered.embed.description
    assert "Show paragraph" in rendered.embed.description
    assert rendered.shown == (huge,)
    assert_within_limits([rendered.embed])


def test_later_pages_number_their_excerpts():
    rendered = render_answer(Answer("q", (excerpt("One."), excerpt("Two."))), first_rank=4)

    assert "excerpts 4–5" in rendered.embed.footer.text


def test_abstention_reads_as_such_with_the_closest_sections():
    answer = FakeEngine().answer("how do I cook pasta?")

    rendered = render_answer(answer)

    assert not rendered.answered
    assert rendered.embed.description.startswith("The essay doesn't address that.")
    assert "§Introduction" in rendered.embed.description
    assert "§The Second Alliance" in rendered.embed.description
    assert rendered.shown == ()


@pytest.mark.parametrize("reason", list(Abstention))
def test_every_abstention_reason_is_told(reason):
    rendered = render_answer(Answer("q", abstention=reason))

    assert rendered.embed.description.startswith(reason.value)


def test_mass_mentions_and_markdown_in_the_question_are_inert():
    answer = Answer("@everyone @here <@123456789012345678> **bold** `code`", abstention=Abstention.OFF_TOPIC)

    title = render_answer(answer).embed.title

    assert "@everyone" not in title and "@here" not in title
    assert "<@123456789012345678>" not in title
    assert "**" not in title.replace(r"\*", "")
    assert unescape(title) == answer.question


def test_discord_tokens_and_bidi_overrides_in_the_question_are_inert():
    answer = Answer("\u202e<t:1700000000:R> <#123456789012345678> </ask:1> <:pog:123456789012345678>")

    title = render_answer(answer).embed.title

    assert "\u202e" not in title
    for token in ("<t:", "<#", "</", "<:"):
        assert token not in title
    assert title.replace("\u200b", "") == answer.question.removeprefix("\u202e")


@pytest.mark.parametrize("question", ["\u200b\u200d\ufeff", "\u202e\u2066", "   "])
def test_a_question_that_shows_nothing_gets_a_visible_title(question):
    assert render_answer(Answer(question, abstention=Abstention.NO_WORDS)).embed.title == "Your question"


def test_a_long_question_is_shortened_after_escaping_to_fit_the_title():
    question = "why " + "_*" * 400

    title = render_answer(Answer(question, abstention=Abstention.OFF_TOPIC)).embed.title

    assert discord_len(title) <= TITLE_LIMIT
    assert title.endswith("…")
    assert not title.endswith("\\…")  # never ends inside an escape


def test_lengths_are_counted_as_discord_counts_them():
    assert discord_len("abc") == 3
    assert discord_len("👍") == 2  # one code point outside the BMP: two UTF-16 units


def test_shorten_cuts_at_a_word_boundary():
    assert render.shorten("one two three four", 12) == "one two…"
    assert render.shorten("short", 12) == "short"


def make_paragraph(sentences: list[str]) -> Paragraph:
    text = " ".join(sentences)
    spans, position = [], 0
    for sentence in sentences:
        spans.append(Sentence(position, position + len(sentence)))
        position += len(sentence) + 1
    return Paragraph("doc", 7, "A Section", text, tuple(spans))


def test_show_paragraph_marks_the_quote_in_the_whole_paragraph():
    paragraph = make_paragraph(["First sentence here.", "The quoted one.", "Last one."])
    start = paragraph.text.index("The quoted")

    messages = render_paragraphs(
        [CitedParagraph(paragraph, "A Title — §A Section ¶7", ((start, start + 15),))]
    )

    assert len(messages) == 1 and len(messages[0]) == 1
    embed = messages[0][0]
    assert embed.title == "A Title — §A Section ¶7"
    assert embed.description == "First sentence here. **The quoted one.** Last one."


def test_a_long_paragraph_is_split_between_sentences_and_stays_whole():
    sentences = [f"Sentence number {n} says something rather long about alliances." * 3 for n in range(200)]
    paragraph = make_paragraph(sentences)

    messages = render_paragraphs(
        [CitedParagraph(paragraph, "A Title — §A Section ¶7", ((0, len(sentences[0])),))]
    )

    assert len(messages) > 1
    pieces = [embed.description for message in messages for embed in message]
    for message in messages:
        assert_within_limits(message)
    joined = unescape(" ".join(pieces)).replace("**", "")
    assert joined == paragraph.text
    for piece in pieces:  # every piece starts at a sentence start
        assert unescape(piece).replace("**", "").startswith("Sentence number")
    embeds = [embed for message in messages for embed in message]
    assert embeds[0].title == "A Title — §A Section ¶7"
    assert all(embed.title.endswith("(continued)") for embed in embeds[1:])


def test_about_names_document_build_model_passages_and_corpus_hash():
    info = FakeEngine().info

    embed = render_about(info)

    fields = {field.name: field.value for field in embed.fields}
    assert "*A Test Essay* — Test Author, 2024-01-01" in fields["Document"]
    assert fields["Index built"].startswith("<t:")
    assert "test/fake" in fields["Model"]
    assert fields["Passages"] == "4 paragraphs, 8 sentences"
    assert info.corpus_sha256 in fields["Corpus SHA-256"]
    assert_within_limits([embed])


def test_about_says_which_documents_have_no_calibration_questions():
    fake = FakeEngine()
    info = dataclasses.replace(
        fake.info,
        documents=(*fake.info.documents, FakeDocumentInfo("tea", "On *Tea*", "Someone", "2024-02-02")),
        uncalibrated=("tea",),
    )

    embed = render_about(info)

    fields = {field.name: field.value for field in embed.fields}
    assert fields["Calibration"] == rf"*On \*Tea\**: {UNCALIBRATED}."
    assert_within_limits([embed])


def test_about_has_no_calibration_note_when_every_document_has_questions():
    embed = render_about(FakeEngine().info)

    assert "Calibration" not in {field.name for field in embed.fields}


def test_reindex_reports_fit_a_message():
    class Report:
        added, changed, removed, unchanged = 1, 2, 3, 40

    info = FakeEngine().info

    done = render.render_reindex_done(Report(), info)
    failed = render.render_reindex_failed("corpus/x.md: " + "bad " * 1000, info)

    assert "added 1, changed 2, removed 3" in done
    assert discord_len(failed) <= MESSAGE_LIMIT
    assert "Still answering from the previous index" in failed


def test_cooldown_text_rounds_up_to_whole_seconds():
    assert render.cooldown_text(2.1) == "You're asking quickly — try again in 3 s."
    assert render.cooldown_text(0.01) == "You're asking quickly — try again in 1 s."


def test_a_follow_up_says_which_question_it_follows_above_the_quotes():
    answer = FakeEngine().answer(
        "and why?", conversation=Conversation(("why did the **1950** alliance fail?",))
    )

    rendered = render_answer(answer)

    first, rest = rendered.embed.description.split("\n", 1)
    assert first == r"*following: why did the \*\*1950\*\* alliance fail?*"
    assert rest.lstrip().startswith("> ")


def test_the_bots_own_message_is_escaped_plain_text_above_the_quotes():
    excerpt = FakeEngine().answer("alliance").excerpts[0]
    answer = Answer(
        "who wrote it?",
        excerpts=(excerpt,),
        message="By <@123456789012345678> *Test Author*\n@everyone",
        turn=AnswerKind.ABOUT,
    )

    description = render_answer(answer).embed.description

    message, quotes = description.split("\n\n", 1)
    assert (
        "<@123456789012345678>" not in message
        and r"\*Test Author\*" in message
        and "@\u200beveryone" in message
    )
    assert quotes.startswith("> ")


def test_small_talk_is_the_message_alone_with_no_quotes():
    answer = FakeEngine().answer("hi")

    rendered = render_answer(answer)

    assert answer.kind is AnswerKind.CHAT
    assert rendered.shown == () and not rendered.answered
    assert rendered.embed.description.startswith("Hello!") and rendered.embed.footer.text is None


def test_a_long_message_keeps_whole_lines_within_its_budget():
    lines = [f"§{n} A section title that goes on for a while" for n in range(400)]

    fitted = render.fit_message("\n".join(lines), 500)

    assert discord_len(fitted) <= 500 and fitted.endswith("\n…")
    assert all(line in lines for line in fitted.split("\n")[:-1])


def test_a_thread_is_named_after_the_question_within_discords_limit():
    assert render.thread_name("why did the 1950 alliance fail?") == "why did the 1950 alliance fail?"
    assert len(render.thread_name("why " * 100)) <= 100
    assert render.thread_name("\u202e\u200b") == "Your question"
