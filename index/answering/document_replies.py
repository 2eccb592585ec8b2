"""Replies to questions about the documents themselves: facts from the front matter, the outline (and
which section holds a topic), a summary and the ending, the last two quoted from the text.

The engine reads the turn and scores it; this module decides which documents a question means and what
to quote from them. It scores nothing itself but the documents' titles, through ``score_text``.
"""

from collections import Counter
from collections.abc import Callable

from index.answering.about import (
    SectionSpan,
    ending_message,
    facts_message,
    outline_message,
    paragraph_message,
    section_message,
    section_spans,
    summary_message,
)
from index.answering.answers import Answer, AnswerKind, Excerpt
from index.answering.conversation import Conversation
from index.answering.passages import Passages, document_of
from index.answering.readings import Facet, Reading
from index.answering.turns import asks_every_document, ordinal, paragraphs_asked, step_from_counted
from index.corpus.text import content_terms, words
from index.scoring.scorer import Scored, Scorer
from index.storage.store import DocumentRecord, Manifest


class DocumentReplies:
    """Answers "who wrote it?", "what are the sections?", "which part covers the 1896 treaty?", "tl;dr"
    and "how does it end?" for the documents of one index."""

    def __init__(
        self, manifest: Manifest, scorer: Scorer, passages: Passages, score_text: Callable[[str], Scored]
    ):
        self._manifest = manifest
        self._scorer = scorer
        self._passages = passages
        self._score_text = score_text
        self._by_title: dict[str, Scored] = {}
        # Each document's sections with their paragraph ranges: the index is read-only, so once.
        self._spans = {
            record.id: section_spans(scorer.paragraphs, record.id) for record in manifest.documents
        }
        # Each document's length in words, for "how long is it?".
        self._length = Counter[str]()
        for paragraph in scorer.paragraphs:
            self._length[paragraph.document] += len(words(paragraph.text))
        # Each section's title as a message may give it, folded: "introduction", "§ introduction", and
        # with the document's title as the bot's suggestions put it, "introduction (title)".
        self._titled: dict[str, list[tuple[DocumentRecord, int]]] = {}
        for record in manifest.documents:
            for number, span in enumerate(self._spans[record.id]):
                for name in (span.title, f"{span.title} ({record.title})"):
                    self._titled.setdefault(_folded_title(name), []).append((record, number))

    def titled(self, text: str) -> list[tuple[DocumentRecord, int]]:
        """The sections (document, index among its sections) a message names by its title alone: "§
        Introduction", as the bot's own suggestions offer them."""
        return self._titled.get(_folded_title(text), [])

    def reply(
        self,
        question: str,
        text: str,
        conversation: Conversation,
        reading: Reading,
        k: int,
        *,
        skip: int = 0,
        about_conversation: Scored | None = None,
        locating: Callable[[], Scored | None] = lambda: None,
        asked_before: str = "",
    ) -> Answer:
        """The reply to ``question`` (``text``: as cleaned) read as ``reading``, a question about the
        document. ``about_conversation``: the conversation's questions scored together (which document it
        is about); ``locating``: the scores that tell where a topic is, for "which section ...?";
        ``asked_before``: the conversation's latest question, which "the next paragraph" counts on from."""
        facet = reading.facet
        titled = self.titled(text) if facet is Facet.SECTION else []
        records = (
            list({record.id: record for record, _ in titled}.values())
            or (self._documents_quoted(conversation) if reading.step and not step_from_counted(text) else [])
            or self._documents_for(text, conversation, about_conversation, asked_before)
        )
        each = max(1, k // len(records))  # excerpts per document: k shared between them
        # The text quoted in reading order (a section, paragraphs, the ending) pages on: the next ``each``.
        page = skip // len(records)
        excerpts: list[Excerpt] = []
        if facet is Facet.OUTLINE:
            lines = []
            for record in records:
                spans = self._spans[record.id]
                chosen, where = self._chosen_section(text, conversation, reading, spans, record, locating)
                excerpts += where
                lines.append(self._outline(record, several=len(records) > 1, chosen=chosen))
            message = "\n\n".join(lines)
        elif facet is Facet.SUMMARY:
            parts = []
            for record in records:
                spans = self._spans[record.id]
                parts.append(summary_message(record, spans))
                excerpts += self._summary(record, each)
            message = "\n".join(parts)
        elif facet is Facet.SECTION:
            lines = []
            for record in records:
                spans = self._spans[record.id]
                chosen = next((number for r, number in titled if r.id == record.id), None)
                if chosen is None and reading.step:
                    chosen = self._stepped_section(record, spans, conversation, reading.step, text)
                elif chosen is None:
                    chosen, _ = self._chosen_section(text, conversation, reading, spans, record, locating)
                if chosen is None:  # "section 9" of four: the outline says what there is
                    lines.append(self._outline(record, several=len(records) > 1))
                    continue
                lines.append(section_message(record, spans, chosen))
                excerpts += self._quoted_in_order(record, spans[chosen].first, spans[chosen].last, page, each)
            message = "\n\n".join(lines)
        elif facet is Facet.PARAGRAPH:
            asked = paragraphs_asked(text) or (0, 0)
            lines = []
            for record in records:
                spans = self._spans[record.id]
                if reading.step:  # "the next paragraph": from the one quoted last
                    quoted = self._quoted_paragraph(record, conversation, reading.step, asked_before)
                    if quoted is None:  # nothing of this document quoted to count from
                        lines.append(self._outline(record, several=len(records) > 1))
                        continue
                    first = last = quoted + reading.step
                else:  # "the last two paragraphs": counted from this document's end
                    first, last = _counted(asked, spans)
                lines.append(paragraph_message(record, spans, first, last))
                excerpts += self._quoted_in_order(record, first, last, page, each)
            message = "\n".join(lines)
        elif facet is Facet.ENDING:
            message = "\n".join(ending_message(record) for record in records)
            for record in records:
                last = self._spans[record.id][-1].last if self._spans[record.id] else 0
                excerpts += self._quoted_in_order(record, last, last, page, each)
        else:
            message = facts_message(records, facet or Facet.AUTHOR)
            if reading.pointing:  # "source?" right after a quote: the card, and the quote it is the source of
                excerpts = self._pointed_at(conversation, locating)
        return Answer(question, excerpts=tuple(excerpts), message=message, turn=AnswerKind.ABOUT)

    def _outline(self, record: DocumentRecord, *, several: bool, chosen: int | None = None) -> str:
        return outline_message(
            record, self._spans[record.id], chosen=chosen, several=several, length=self._length[record.id]
        )

    def _pointed_at(self, conversation: Conversation, locating: Callable[[], Scored | None]) -> list[Excerpt]:
        """The excerpt the latest reply quoted first, as it was; where what it showed is not known (the
        command line's ``--context``), the best excerpt for the latest question (``locating``)."""
        quoted = self._passages.quoted(conversation.last[:1])
        if quoted:
            return self._passages.in_order(sorted(quoted), 1)
        scored = locating()
        return [] if scored is None else self._passages.select(scored, 1)

    def ended(self, question: str, last_shown: str) -> Answer:
        """The reply to "go on" when the text quoted last (``last_shown``, an excerpt id) has been read to
        its document's end."""
        document = document_of(last_shown)
        titles = [record.title for record in self._manifest.documents if record.id == document]
        message = f"That is where “{titles[0]}” ends." if titles else "That is where the text ends."
        return Answer(question, message=message, turn=AnswerKind.ABOUT)

    def _documents_for(
        self, text: str, conversation: Conversation, about_conversation: Scored | None, asked_before: str = ""
    ) -> list[DocumentRecord]:
        """The documents a question about "the essay" means: the one it names, else the one the
        conversation is about, else the only one, else all of them."""
        records = list(self._manifest.documents)
        if len(records) == 1:
            return records
        named = [record for record in records if self._names_only(record, text)]
        if len(named) == 1:
            return named
        if asks_every_document(text):  # "what documents do you have?", "which one is newer?"
            return records
        # The conversation is about the document its latest question named ("what are the sections of the
        # energy paper?" then "who wrote it?"), else the one its latest reply quoted first, else the one
        # quoted last before that.
        named = [record for record in records if asked_before and self._names_only(record, asked_before)]
        if len(named) == 1:
            return named
        for excerpt_id in (*conversation.last[:1], *reversed(conversation.shown)):
            document = document_of(excerpt_id)
            match = [record for record in records if record.id == document]
            if match:
                return match
        if about_conversation is not None:
            best = self._passages.select(about_conversation, 1)
            if best:
                return [record for record in records if record.id == best[0].document]
        return records

    def _documents_quoted(self, conversation: Conversation) -> list[DocumentRecord]:
        """The documents the latest reply quoted, in the order it quoted them: "the next section" after
        each document's second section steps on in each."""
        quoted = [document_of(excerpt_id) for excerpt_id in conversation.last]
        return [
            record
            for document in dict.fromkeys(quoted)
            for record in self._manifest.documents
            if record.id == document
        ]

    def _names_only(self, record: DocumentRecord, text: str) -> bool:
        """Whether ``text`` names ``record`` by a word of its title or author that no other document
        uses: "the energy piece", "<the author's name>'s essay". A word others use is a topic, not a
        name ("which part talks about the strategic partnership model" when another title has
        "Partnership")."""
        asked = set(content_terms(text)) & set(content_terms(f"{record.title} {record.author}"))
        for other in self._manifest.documents:
            if other.id != record.id:
                asked -= self._scorer.lexicons[other.id].vocabulary | self._scorer.lexicons[other.id].named
        return bool(asked)

    def _chosen_section(
        self,
        text: str,
        conversation: Conversation,
        reading: Reading,
        spans: list,
        record: DocumentRecord,
        locating: Callable[[], Scored | None],
    ) -> tuple[int | None, list[Excerpt]]:
        """Which section an outline question points at: by its number ("the last section"); by what the
        last answer quoted first ("which section is that in?"); or by its topic ("where does it discuss
        the 1896 treaty?"), the section holding the best excerpt, which is quoted too: it shows where in
        the section the topic is."""
        count = ordinal(text)
        if count is not None and spans:
            return _section_at(count, spans), []
        titles = [span.title for span in spans]
        quoted = self._passages.quoted(conversation.last[:1]) if reading.pointing else frozenset()
        if quoted:  # "which section is that in?" after an answer: the section of the excerpt it quoted first
            paragraph = self._scorer.paragraphs[self._passages.paragraph_of(min(quoted))]
            if paragraph.document == record.id and paragraph.section in titles:
                return titles.index(paragraph.section), []
        named = _named_by_title(text, spans, record)
        scored = locating()
        if named is not None:  # "which part covers the history stuff": the section titled so, where in it
            inside = self._passages.paragraphs(record.id, spans[named].first, spans[named].last)
            return named, [] if scored is None else self._passages.select(
                scored, 1, self._passages.all_but(inside)
            )
        if scored is None:
            return None, []
        best = self._passages.select(scored, 1, self._passages.outside(record.id))
        if not best or best[0].section not in titles:
            return None, []
        return titles.index(best[0].section), best

    def _quoted_paragraph(
        self, record: DocumentRecord, conversation: Conversation, step: int, asked_before: str = ""
    ) -> int | None:
        """The paragraph (¶) of ``record`` that a step counts from: for "the next ...", the last one the
        reply before quoted or, when it was asked paragraphs by number, the last it was asked (a range
        not shown whole is still what the reader asked for); for "the previous ...", the first. None when
        it quoted none of this document."""
        rows = {
            self._passages.paragraph_of(sentence) for sentence in self._passages.quoted(conversation.last)
        }
        numbers = [
            self._scorer.paragraphs[row].number
            for row in rows
            if self._scorer.paragraphs[row].document == record.id
        ]
        if not numbers:
            return None
        asked = paragraphs_asked(asked_before) if asked_before else None
        if asked is not None:
            numbers = list(_counted(asked, self._spans[record.id]))
        return max(numbers) if step > 0 else min(numbers)

    def _stepped_section(
        self, record: DocumentRecord, spans: list, conversation: Conversation, step: int, text: str
    ) -> int | None:
        """The section ``step`` away from one counted in ``text`` ("the section after the intro") or
        else from the one the reply before quoted ("the next section"), if there is one."""
        counted = step_from_counted(text)
        if counted is not None:
            place = _section_at(counted[0], spans)
        else:
            quoted = self._quoted_paragraph(record, conversation, step)
            place = (
                None
                if quoted is None
                else next(n for n, span in enumerate(spans) if span.first <= quoted <= span.last)
            )
        if place is None or not 0 <= place + step < len(spans):
            return None
        return place + step

    def _summary(self, record: DocumentRecord, count: int) -> list[Excerpt]:
        """A few of the document's own sentences: the best of its last paragraph (how it answers), then
        those nearest its title (what it asks) from the rest, in document order."""
        scored = self._title_scores(record)
        last = self._passages.last_paragraph(record.id)
        outside = self._passages.outside(record.id)
        conclusion = self._passages.select(scored, 1, outside | self._passages.all_but(last))
        argument = self._passages.select(scored, max(0, count - len(conclusion)), outside | last)
        # The conclusion first: it is the bottom line a reader asking for the gist wants; then the argument.
        return [*conclusion, *sorted(argument, key=lambda excerpt: (excerpt.paragraph, excerpt.start))]

    def _quoted_in_order(
        self, record: DocumentRecord, first: int, last: int, skip: int, count: int
    ) -> list[Excerpt]:
        """Paragraphs ``first`` to ``last`` (¶) of a document quoted in reading order, ``count`` excerpts
        past the first ``skip``: "go on" or **More excerpts** reads on from them."""
        asked = self._passages.paragraphs(record.id, first, last)
        return self._passages.in_order(sorted(asked), skip + count)[skip:]

    def _title_scores(self, record: DocumentRecord) -> Scored:
        scored = self._by_title.get(record.id)
        if scored is None:
            # Computed once per document and engine; two threads racing here compute the same thing.
            scored = self._score_text(record.title)
            self._by_title[record.id] = scored
        return scored


def _named_by_title(text: str, spans: list[SectionSpan], record: DocumentRecord) -> int | None:
    """The index of the one section whose title has a word of ``text`` that no other section's title and
    not the document's own title has ("the history stuff" -> §A Brief History of ...), if there is one."""
    asked = set(content_terms(text)) - set(content_terms(record.title))
    named = [number for number, span in enumerate(spans) if asked & set(content_terms(span.title))]
    return named[0] if len(named) == 1 else None


def _section_at(count: int, spans: list[SectionSpan]) -> int | None:
    """The index among ``spans`` of the section counted to (1: the first, -1: the last, -2: the one before
    it), None when there is no such section."""
    place = count - 1 if count > 0 else len(spans) + count
    return place if 0 <= place < len(spans) else None


def _counted(asked: tuple[int, int], spans: list[SectionSpan]) -> tuple[int, int]:
    """Paragraph numbers as asked (``turns.paragraphs_asked``) as the document's own: one counted from
    the end (negative: "the last two paragraphs") from its last paragraph, never before the first."""
    total = spans[-1].last if spans else 0
    first, last = (max(1, number + total + 1) if number < 0 else number for number in asked)
    return first, last


def _folded_title(text: str) -> str:
    """A section title as compared: no "§", quotes or closing punctuation, case and spaces folded."""
    text = text.strip().lstrip("§").strip().strip("\"'“”‘’").rstrip("?.!:").strip()
    return " ".join(text.casefold().replace("’", "'").split())
