"""Answers, paragraphs and notices as Discord embeds and text: pure, and within Discord's limits by construction."""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import discord
from discord.utils import escape_markdown, escape_mentions

from index.answering.answers import Answer, AnswerKind, Excerpt
from index.corpus.documents import Paragraph
from index.scoring.question_maps import UNCALIBRATED

# Discord's documented limits. Discord counts UTF-16 code units, so lengths are measured that way
# (the same as len() for the essay's text, never less).
MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # all embeds of one message together
EMBEDS_PER_MESSAGE = 10
CHOICE_LIMIT = 100  # autocomplete choice name and value

ANSWER_COLOUR = discord.Colour.blurple()
ABSTAIN_COLOUR = discord.Colour.light_grey()
PARAGRAPH_COLOUR = discord.Colour.dark_teal()

SHUTTING_DOWN = "I'm restarting — please ask again in a minute."
NOT_IN_THIS_CHANNEL = "I don't answer questions in this channel."
ANSWER_FAILED = "Sorry — something went wrong while answering. It has been logged; please try again."
BUTTON_EXPIRED = "This answer is too old for its buttons; please ask the question again."
NO_MORE_EXCERPTS = "That's everything the essay has on this question."
NO_MESSAGE_TEXT = "That message has no text to ask about."
PARAGRAPH_CHANGED = (
    "The essay has been re-indexed since this answer, so its paragraphs moved; please ask again."
)
FEEDBACK_THANKS = "Thanks — your feedback was recorded."
MENTION_HELP = (
    "Ask me something about the essay, for example `@EssayBot why did the 1950 alliance fail?`, "
    "or use `/ask`. To follow up, reply to one of my answers or press its **Follow up** button."
)
FOLLOW_UPS_HELP = (
    "To follow up, reply to one of my answers (no need to mention me) or press its **Follow up** button; "
    "in a DM, just keep asking."
)
EMPTY_FOLLOW_UP = "The follow-up is empty — type a question, or reply to the answer with one."
FOLLOW_UP_LABEL = "Your follow-up question"
FOLLOW_UP_TITLE = "Follow up on this answer"
THREAD_TITLE_LIMIT = 100  # Discord's limit for a thread's name


def discord_len(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


# Bidirectional embeddings, overrides and isolates: they can make the rest of a line read backwards.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Discord renders these as timestamps, channel links, command links and custom emoji, even in a title.
_DISCORD_TOKEN = re.compile(r"<(?=t:-?\d|#\d|/[^\s>]|a?:\w+:\d)")
# Characters that show nothing: a title made only of them is blank to the reader.
_INVISIBLE = re.compile("[\\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")


def escape_user_text(text: str) -> str:
    """Text a user typed, made inert: no mention can ping, no markdown or Discord token can change the
    layout, and no bidi override can reorder what the reader sees."""
    text = _BIDI_CONTROLS.sub("", text)
    # A zero-width space after "<" shows the token as typed, as discord.py does for mentions.
    text = _DISCORD_TOKEN.sub("<\u200b", text)
    return escape_markdown(escape_mentions(text))


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing at all (only spaces and invisible characters)."""
    return not _INVISIBLE.sub("", text)


def shorten(text: str, limit: int) -> str:
    """One line of text, cut at a word boundary with an ellipsis when longer than ``limit``.

    Only for our own labels and for echoing a user's question, never for the essay's words.
    """
    text = " ".join(text.split())
    if discord_len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    while cut and discord_len(cut) > limit - 1:
        cut = cut[:-1]
    head, space, _ = cut.rpartition(" ")
    return (head if space and head else cut).rstrip() + "…"


def fit_user_text(text: str, limit: int) -> str:
    """Escape ``text`` and shorten it so that the *escaped* form fits ``limit``."""
    budget = limit
    while True:
        escaped = escape_user_text(shorten(text, budget))
        overflow = discord_len(escaped) - limit
        if overflow <= 0:
            return escaped
        budget -= max(overflow, 1)


def _escape_essay(text: str) -> str:
    # The author's words are shown exactly: markdown characters in them are displayed, not interpreted.
    return escape_markdown(escape_mentions(text))


def _block_quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in _escape_essay(text).split("\n"))


def _citation_line(excerpt: Excerpt) -> str:
    return f"— *{_escape_essay(excerpt.citation)}*"


@dataclass(frozen=True)
class RenderedAnswer:
    embed: discord.Embed
    shown: tuple[Excerpt, ...]  # the excerpts in the embed, in rank order (buttons act on these)
    answered: bool  # it quotes the essay (an ANSWER, or an ABOUT reply with excerpts)


def render_answer(answer: Answer, *, first_rank: int = 1) -> RenderedAnswer:
    """The answer as one embed: the bot's own message if any, then each excerpt quoted whole and cited, or
    the abstention and suggestions. A follow-up starts with a line saying which question it follows.

    Excerpts are added in rank order while they fit; the rest are left for "More excerpts" rather than
    cut, so ``shown`` may be shorter than ``answer.excerpts``.
    """
    title = _question_title(answer.question)
    head = _head_lines(answer)
    if answer.kind is AnswerKind.ABSTAIN:
        return RenderedAnswer(_abstention_embed(answer, title, head), (), answered=False)
    if not answer.excerpts:  # small talk, or facts about the document stated in the bot's own words
        description = "\n\n".join(head) or NO_MORE_EXCERPTS
        return RenderedAnswer(
            discord.Embed(title=title, description=description, colour=ANSWER_COLOUR), (), False
        )

    blocks: list[str] = list(head)
    shown: list[Excerpt] = []
    for excerpt in answer.excerpts:
        block = f"{_block_quote(excerpt.text)}\n{_citation_line(excerpt)}"
        candidate = "\n\n".join([*blocks, block])
        if discord_len(candidate) > DESCRIPTION_LIMIT:
            break
        blocks.append(block)
        shown.append(excerpt)
    if not shown:
        # A single passage longer than an embed: cite it and offer the paragraph view, which pages it.
        best = answer.excerpts[0]
        blocks = [
            *head[:1],
            f"The best passage is too long to quote here in full.\n{_citation_line(best)}\n"
            "Press **Show paragraph** to read it.",
        ]
        shown = [best]
    last_rank = first_rank + len(shown) - 1
    ranks = f"excerpt {first_rank}" if len(shown) == 1 else f"excerpts {first_rank}–{last_rank}"
    embed = discord.Embed(title=title, description="\n\n".join(blocks), colour=ANSWER_COLOUR)
    embed.set_footer(text=f"The author's exact words, quoted from the essay · {ranks}")
    return RenderedAnswer(embed, tuple(shown), answered=True)


def _question_title(question: str) -> str:
    title = fit_user_text(question, TITLE_LIMIT)
    return "Your question" if is_blank(title) else title


# Room left for the quotes under the "following" line and the bot's own message.
_HEAD_LIMIT = DESCRIPTION_LIMIT // 2


def following_line(context: Sequence[str]) -> str | None:
    """The line that shows a reply was read as a follow-up: the last earlier question, escaped."""
    if not context:
        return None
    return f"*following: {fit_user_text(context[-1], 200)}*"


def _head_lines(answer: Answer) -> list[str]:
    """What comes above the quotes: the "following" line and the bot's own message, within budget."""
    lines: list[str] = []
    following = following_line(answer.context)
    if following is not None:
        lines.append(following)
    if answer.message and not is_blank(answer.message):
        lines.append(fit_message(answer.message, _HEAD_LIMIT))
    return lines


def fit_message(text: str, limit: int) -> str:
    """The bot's own message (an outline, front-matter facts, help) escaped, kept line by line within
    ``limit``; lines that do not fit are left off with an ellipsis rather than cut mid-line."""
    kept: list[str] = []
    for line in text.strip().split("\n"):
        escaped = escape_user_text(line) if line.strip() else ""
        if discord_len("\n".join([*kept, escaped, "…"])) > limit:
            if not kept:
                return fit_user_text(line, limit)
            kept.append("…")
            break
        kept.append(escaped)
    return "\n".join(kept)


def _abstention_embed(answer: Answer, title: str, head: Sequence[str] = ()) -> discord.Embed:
    reason = answer.reason or "The essay doesn't address that."
    lines = [*head, reason]
    if answer.suggestions:
        lines.append("\nThe closest sections of the essay — try asking about one of them:")
        for suggestion in answer.suggestions:
            line = f"• §{_escape_essay(shorten(suggestion, 200))}"
            if discord_len("\n".join([*lines, line])) > DESCRIPTION_LIMIT:
                break
            lines.append(line)
    return discord.Embed(title=title, description="\n".join(lines), colour=ABSTAIN_COLOUR)


def render_no_more(answer: Answer) -> discord.Embed:
    """What "More excerpts" shows when the question has no further excerpts."""
    title = _question_title(answer.question)
    return discord.Embed(title=title, description=NO_MORE_EXCERPTS, colour=ABSTAIN_COLOUR)


# --- Show paragraph -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitedParagraph:
    paragraph: Paragraph
    citation: str
    highlights: tuple[tuple[int, int], ...] = ()  # character spans of the quoted excerpts, shown bold


def render_paragraphs(items: Sequence[CitedParagraph]) -> list[list[discord.Embed]]:
    """Whole paragraphs as messages (each a list of embeds), split only between sentences."""
    embeds: list[discord.Embed] = []
    for item in items:
        chunks = _paragraph_chunks(item)
        for number, chunk in enumerate(chunks):
            title = shorten(item.citation, TITLE_LIMIT - 12)
            if number:
                title += " (continued)"
            embeds.append(discord.Embed(title=title, description=chunk, colour=PARAGRAPH_COLOUR))
    return _pack_messages(embeds)


def _pack_messages(embeds: Iterable[discord.Embed]) -> list[list[discord.Embed]]:
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        length = embed_len(embed)
        if current and (len(current) == EMBEDS_PER_MESSAGE or size + length > EMBED_TOTAL_LIMIT):
            messages.append(current)
            current, size = [], 0
        current.append(embed)
        size += length
    if current:
        messages.append(current)
    return messages


def _paragraph_chunks(item: CitedParagraph) -> list[str]:
    """The paragraph's text in pieces that each fit an embed description, cut between sentences."""
    text = item.paragraph.text
    highlights = _merge_spans(item.highlights)
    cuts = sorted({0, *(s.start for s in item.paragraph.sentences if 0 < s.start < len(text))})
    pieces = [(cuts[i], cuts[i + 1] if i + 1 < len(cuts) else len(text)) for i in range(len(cuts))]
    chunks: list[str] = []
    start = None
    end = 0
    for piece_start, piece_end in pieces:
        if (
            start is not None
            and discord_len(_markup(text, start, piece_end, highlights)) <= DESCRIPTION_LIMIT
        ):
            end = piece_end
            continue
        if start is not None:
            chunks.append(_markup(text, start, end, highlights))
        start, end = piece_start, piece_end
        if discord_len(_markup(text, start, end, highlights)) > DESCRIPTION_LIMIT:
            # One "sentence" longer than an embed: only then cut, and between words.
            for word_start, word_end in _word_pieces(text, start, end, highlights):
                chunks.append(_markup(text, word_start, word_end, highlights))
            start = None
    if start is not None:
        chunks.append(_markup(text, start, end, highlights))
    return [chunk for chunk in chunks if chunk.strip()]


def _word_pieces(text: str, start: int, end: int, highlights: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_good = start
    for match in re.finditer(r"\S+", text[start:end]):
        word_end = start + match.end()
        if discord_len(_markup(text, piece_start, word_end, highlights)) > DESCRIPTION_LIMIT - 8:
            if last_good == piece_start:  # a single enormous "word"
                last_good = word_end
            pieces.append((piece_start, last_good))
            piece_start = last_good
        last_good = word_end
    pieces.append((piece_start, end))
    return [(a, b) for a, b in pieces if a < b]


def _merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif start < end:
            merged.append((start, end))
    return merged


def _markup(text: str, start: int, end: int, highlights: list[tuple[int, int]]) -> str:
    """``text[start:end]`` escaped, with the highlighted spans in bold (closed within the piece)."""
    out: list[str] = []
    position = start
    for span_start, span_end in highlights:
        a, b = max(span_start, start), min(span_end, end)
        if a >= b:
            continue
        out.append(_escape_essay(text[position:a]))
        inner = text[a:b]
        # Markdown bold must hug the words; keep surrounding spaces outside the markers.
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        core = inner.strip()
        out.append(f"{lead}**{_escape_essay(core)}**{trail}" if core else inner)
        position = b
    out.append(_escape_essay(text[position:end]))
    return "".join(out).strip()


def embed_len(embed: discord.Embed) -> int:
    """An embed's size as Discord counts it towards the 6000-character message total."""
    parts = [embed.title or "", embed.description or "", embed.footer.text or "", embed.author.name or ""]
    parts += [f"{field.name}{field.value}" for field in embed.fields]
    return sum(discord_len(part) for part in parts)


# --- /about and /reindex ------------------------------------------------------------------------

# What these read of an index's metadata (``index.answering.engine.IndexInfo``) and of a rebuild's report
# (``index.building.build.BuildReport``); read-only properties, so frozen dataclasses and test fakes fit.


class DocumentFacts(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def date(self) -> str: ...


class IndexFacts(Protocol):
    @property
    def documents(self) -> Sequence[DocumentFacts]: ...
    @property
    def built_at(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def paragraphs(self) -> int: ...
    @property
    def sentences(self) -> int: ...
    @property
    def corpus_sha256(self) -> str: ...
    @property
    def uncalibrated(self) -> Sequence[str]: ...


class RebuildCounts(Protocol):
    @property
    def added(self) -> int: ...
    @property
    def changed(self) -> int: ...
    @property
    def removed(self) -> int: ...
    @property
    def unchanged(self) -> int: ...


def render_about(info: IndexFacts) -> discord.Embed:
    """What the bot answers from: documents, index build time, model, passages, corpus hash, and which
    documents have no calibration questions."""
    documents = list(info.documents)
    uncalibrated = set(info.uncalibrated)
    embed = discord.Embed(
        title="About EssayBot",
        description=(
            "I answer questions with the author's exact words: quoted, cited excerpts of the essay, "
            f"never generated text.\n{FOLLOW_UPS_HELP}"
        ),
        colour=ANSWER_COLOUR,
    )
    titles = [f"*{_escape_essay(d.title)}* — {_escape_essay(d.author)}, {d.date}" for d in documents]
    embed.add_field(
        name="Document" if len(documents) == 1 else "Documents", value=_field_lines(titles), inline=False
    )
    embed.add_field(name="Index built", value=format_time(str(info.built_at)), inline=True)
    embed.add_field(
        name="Passages", value=f"{info.paragraphs} paragraphs, {info.sentences} sentences", inline=True
    )
    embed.add_field(name="Model", value=f"`{shorten(str(info.model), FIELD_VALUE_LIMIT - 2)}`", inline=False)
    embed.add_field(name="Corpus SHA-256", value=f"`{info.corpus_sha256}`", inline=False)
    notes = [f"*{_escape_essay(d.title)}*: {UNCALIBRATED}." for d in documents if d.id in uncalibrated]
    if notes:
        embed.add_field(name="Calibration", value=_field_lines(notes), inline=False)
    return embed


def _field_lines(lines: Sequence[str]) -> str:
    """As many whole lines as fit one embed field, then "…and N more"."""
    kept: list[str] = []
    for number, line in enumerate(lines):
        rest = f"…and {len(lines) - number} more"
        if discord_len("\n".join([*kept, line, rest])) > FIELD_VALUE_LIMIT:
            kept.append(rest)
            break
        kept.append(line)
    return "\n".join(kept) or "—"


def format_time(iso: str) -> str:
    """An ISO timestamp as a Discord timestamp (shown in each reader's time zone), else as written."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return shorten(iso, FIELD_VALUE_LIMIT) or "—"
    if moment.tzinfo is None:
        return shorten(iso, FIELD_VALUE_LIMIT)
    stamp = int(moment.timestamp())
    return f"<t:{stamp}:f> (<t:{stamp}:R>)"


def render_reindex_started() -> str:
    return "Rebuilding the index from the corpus in the background; answers keep flowing meanwhile."


def render_reindex_done(report: RebuildCounts, info: IndexFacts) -> str:
    text = (
        f"Re-indexed: paragraphs added {report.added}, changed {report.changed}, removed {report.removed}, "
        f"unchanged {report.unchanged}. Now answering from the index built {format_time(str(info.built_at))} "
        f"({info.paragraphs} paragraphs)."
    )
    return shorten(text, MESSAGE_LIMIT)


def render_reindex_failed(reason: str, info: IndexFacts) -> str:
    prefix = "Re-indexing failed: "
    suffix = f"\nStill answering from the previous index, built {format_time(str(info.built_at))}."
    budget = MESSAGE_LIMIT - discord_len(prefix) - discord_len(suffix)
    return prefix + fit_user_text(reason, budget) + suffix


def question_too_long(limit: int) -> str:
    return f"That's longer than I can search — please ask in {limit} characters or fewer."


def thread_name(question: str) -> str:
    """A thread named after the question: one plain line within Discord's limit, never blank."""
    name = shorten(_BIDI_CONTROLS.sub("", question), THREAD_TITLE_LIMIT)
    return "Your question" if is_blank(name) else name


def cooldown_text(retry_after: float) -> str:
    seconds = max(1, math.ceil(retry_after))
    return f"You're asking quickly — try again in {seconds} s."
