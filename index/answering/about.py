"""Replies about the documents themselves and small talk: the bot's own words, built from front matter (pure)."""

from collections.abc import Sequence
from dataclasses import dataclass

from index.answering.readings import Chat, Facet
from index.corpus.documents import Paragraph
from index.storage.store import DocumentRecord


@dataclass(frozen=True)
class SectionSpan:
    """A section with the paragraphs it holds (¶ numbers within its document)."""

    title: str
    first: int
    last: int

    @property
    def citation(self) -> str:
        return (
            f"§{self.title} (¶{self.first})"
            if self.first == self.last
            else f"§{self.title} (¶{self.first}–{self.last})"
        )


def section_spans(paragraphs: Sequence[Paragraph], document: str) -> list[SectionSpan]:
    """The document's sections in order, each with its paragraph range."""
    spans: list[SectionSpan] = []
    for paragraph in paragraphs:
        if paragraph.document != document:
            continue
        if spans and spans[-1].title == paragraph.section:
            spans[-1] = SectionSpan(paragraph.section, spans[-1].first, paragraph.number)
        else:
            spans.append(SectionSpan(paragraph.section, paragraph.number, paragraph.number))
    return spans


def fact_card(record: DocumentRecord) -> str:
    """Every front-matter fact of a document on two lines, labelled as such."""
    by = record.author + (f" ({record.author_affiliation})" if record.author_affiliation else "")
    published = ", ".join(part for part in (record.publisher, record.date) if part)
    lines = [f"“{record.title}” by {by}."]
    if published:
        lines.append(f"Published: {published}." + (f" {record.url}" if record.url else ""))
    return "\n".join(lines)


def facts_message(records: Sequence[DocumentRecord], facet: Facet) -> str:
    """The answer to a front-matter question, the fact asked for first, then the whole card."""
    lead = {
        Facet.AUTHOR: "Who wrote it, from the document's front matter:",
        Facet.PUBLISHED: "When and where it was published, from the document's front matter:",
        Facet.TITLE: "Its title, from the document's front matter:",
    }.get(facet, "From the document's front matter:")
    if len(records) > 1:
        lead = lead.replace("the document's", "each document's").replace("it was", "each was")
    return "\n".join([lead, *(fact_card(record) for record in records)])


def outline_message(
    record: DocumentRecord,
    spans: Sequence[SectionSpan],
    *,
    chosen: int | None = None,
    several: bool = False,
    length: int = 0,
) -> str:
    """The sections with their paragraph ranges; ``chosen`` (an index into ``spans``) is named first;
    ``length``: the document's words, said with its paragraphs ("how long is it?")."""
    lines: list[str] = []
    if chosen is not None:
        span = spans[chosen]
        lines.append(f"That is section {chosen + 1} of {len(spans)}: {span.citation}.")
    heading = f"“{record.title}” has {len(spans)} section{'s' if len(spans) != 1 else ''}"
    if length and spans:
        heading += f" ({spans[-1].last} paragraphs, {length:,} words)"
    lines.append(heading + ":" if not several else f"{heading} ({record.author}):")
    lines += [f"{number}. {span.citation}" for number, span in enumerate(spans, 1)]
    return "\n".join(lines)


def summary_message(record: DocumentRecord, spans: Sequence[SectionSpan]) -> str:
    sections = "; ".join(span.title for span in spans)
    return (
        f"“{record.title}” by {record.author} ({record.date}), in {len(spans)} sections: {sections}. "
        "Its argument and its conclusion, in the author's own words:"
    )


def section_message(record: DocumentRecord, spans: Sequence[SectionSpan], chosen: int) -> str:
    """What a reply quoting section ``chosen`` (an index into ``spans``) from its start says first, with
    every section on one line to go on from ("section 2"): a section the text does not head (the
    paragraphs before its first heading) is not the one every reader counts first."""
    sections = "; ".join(f"{number}. {span.citation}" for number, span in enumerate(spans, 1))
    return (
        f"Sections of “{record.title}”: {sections}.\n"
        f"Section {chosen + 1}, {spans[chosen].citation}, from its start:"
    )


def paragraph_message(record: DocumentRecord, spans: Sequence[SectionSpan], first: int, last: int) -> str:
    """What a reply quoting paragraphs ``first`` to ``last`` says first: where they stand (the sections
    they are in), or that the document has no such paragraph."""
    total = spans[-1].last if spans else 0
    if not 1 <= first <= total:
        return f"“{record.title}” has {total} paragraph{'s' if total != 1 else ''}, so there is no ¶{first}."
    last = min(last, total)
    sections = "; ".join(f"§{span.title}" for span in spans if span.first <= last and first <= span.last)
    asked = f"¶{first}" if first == last else f"¶{first}–{last}"
    return f"{asked} of {total} of “{record.title}”, in {sections}:"


def ending_message(record: DocumentRecord) -> str:
    return f"“{record.title}” ends with this paragraph, in the author's own words:"


_CHAT_OPENINGS = {
    Chat.GREETING: "Hi! I answer questions about {subject} with the author's own words, quoted and cited.",
    Chat.THANKS: "You're welcome! Ask me anything else about {subject}.",
    Chat.FAREWELL: "Bye! Come back with more questions about {subject} any time.",
    Chat.PRAISE: "Thanks, glad it helped! Everything I quote is the author's own words, with where they stand.",
    Chat.ACKNOWLEDGEMENT: "Anything else you'd like to know about {subject}?",
    Chat.HELP: (
        "I'm EssayBot: ask me about {subject} and I reply with the author's exact words, cited by section "
        "and paragraph. I never write answers of my own, and when the text doesn't cover something I say so."
    ),
}


def chat_message(kind: Chat, records: Sequence[DocumentRecord], examples: Sequence[str]) -> str:
    """A short friendly reply that says how to ask, with a few example questions."""
    opening = _CHAT_OPENINGS[kind].format(subject=subject(records))
    how = (
        'Ask a question in your own words, and follow up on any answer ("why?", "tell me more"). '
        'You can also ask who wrote it, for a summary, for a section or a paragraph by its number ("¶5").'
    )
    lines = [opening, how]
    if examples:
        lines.append("For example:")
        lines += [f"• {example}" for example in examples]
    return "\n".join(lines)


def subject(records: Sequence[DocumentRecord]) -> str:
    """How the bot names what it answers from: the one document, the few it holds, or how many there are
    (a long list would bury the help it comes with)."""
    if len(records) == 1:
        return f"“{records[0].title}” by {records[0].author}"
    if len(records) <= MAX_DOCUMENTS_NAMED:
        return f"the {len(records)} documents I hold ({'; '.join(f'“{r.title}” by {r.author}' for r in records)})"
    return f"the {len(records)} documents I hold (ask “what documents do you have?”)"


MAX_DOCUMENTS_NAMED = 5


def example_questions(records: Sequence[DocumentRecord], count: int = 3) -> tuple[str, ...]:
    """Up to ``count`` example questions, taken in turn from each document's front matter."""
    pools = [list(record.examples) for record in records]
    chosen: list[str] = []
    while len(chosen) < count and any(pools):
        for pool in pools:
            if pool and len(chosen) < count:
                chosen.append(pool.pop(0))
    return tuple(chosen)
