"""The corpus's sentences as excerpts: cut from scores, quoted in order, found again by id (pure)."""

# A sentence is named by its row in ``Scorer.sentences``; a paragraph by its row in ``Scorer.paragraphs``.
# Every excerpt is ``paragraph.text[start:end]`` over whole sentences of one paragraph, never retyped.

import re
from collections.abc import Sequence

import numpy as np

from index.answering.answers import Excerpt
from index.corpus.documents import Paragraph
from index.errors import EssayBotError
from index.scoring.scorer import Scored, Scorer

MAX_EXCERPT_CHARS = 400
MAX_EXCERPT_SENTENCES = 3
# A neighbour joins an excerpt when it fits (≤ 3 sentences, ≤ 400 characters) and scores at least this
# share of the seed. 0 means "fill the excerpt": answers often sit next to the sentence that names the
# topic ("the 1896 treaty ..." then "its main purpose was ..."), and measured it pays
# (docs/retrieval-history.md, rounds 1 and 2).
NEIGHBOUR_SHARE = 0.0

_EXCERPT_ID = re.compile(r"(?P<document>.+)#p(?P<paragraph>\d+):(?P<start>\d+)-(?P<end>\d+)")


def document_of(excerpt_id: str) -> str:
    """The document an excerpt id (``Excerpt.id``) quotes."""
    return excerpt_id.split("#", 1)[0]


class Passages:
    """Excerpts of one loaded index. Read-only after construction, so safe across threads."""

    def __init__(self, scorer: Scorer, titles: dict[str, str]):
        self._scorer = scorer
        self._titles = titles  # document id -> title
        # Built once, so that no reply walks every sentence: each paragraph's sentences, its row by
        # (document, number), and each document's paragraph rows.
        self._sentences_of: list[list[int]] = [[] for _ in scorer.paragraphs]
        for n, (row, _) in enumerate(scorer.sentences):
            self._sentences_of[row].append(n)
        self._row_of = {(p.document, p.number): row for row, p in enumerate(scorer.paragraphs)}
        self._paragraphs_of: dict[str, list[int]] = {document: [] for document in titles}
        for row, p in enumerate(scorer.paragraphs):
            self._paragraphs_of.setdefault(p.document, []).append(row)
        self._every_sentence = frozenset(range(len(scorer.sentences)))

    def paragraph(self, document: str, number: int) -> Paragraph:
        try:
            return self._scorer.paragraphs[self._row_of[(document, number)]]
        except KeyError:
            raise EssayBotError(f"no paragraph {number} in document {document!r}") from None

    def paragraph_of(self, sentence: int) -> int:
        """The row of the paragraph a sentence is in."""
        return self._scorer.sentences[sentence][0]

    def in_paragraph(self, row: int) -> frozenset[int]:
        """The sentences of the paragraph at ``row``."""
        return frozenset(self._sentences_of[row])

    def numbered(self, document: str, number: int) -> frozenset[int]:
        """The sentences of a document's paragraph ``number`` (¶), none when it has no such paragraph."""
        row = self._row_of.get((document, number))
        return frozenset() if row is None else self.in_paragraph(row)

    def paragraphs(self, document: str, first: int, last: int) -> frozenset[int]:
        """The sentences of a document's paragraphs ``first`` to ``last`` (¶), those it has."""
        return frozenset().union(*(self.numbered(document, number) for number in range(first, last + 1)))

    def last_paragraph(self, document: str) -> frozenset[int]:
        """The sentences of a document's last paragraph."""
        return self.in_paragraph(self._paragraphs_of[document][-1])

    def outside(self, document: str) -> frozenset[int]:
        """Every sentence of the other documents."""
        return self.all_but(
            frozenset(n for row in self._paragraphs_of.get(document, ()) for n in self._sentences_of[row])
        )

    def all_but(self, kept: frozenset[int]) -> frozenset[int]:
        return self._every_sentence - kept

    def _located(self, excerpt_id: str) -> tuple[int, int, int] | None:
        """Where an excerpt id points: (paragraph row, start, end); None when the index has no such paragraph."""
        match = _EXCERPT_ID.fullmatch(excerpt_id)
        row = self._row_of.get((match["document"], int(match["paragraph"]))) if match else None
        if match is None or row is None:
            return None
        return row, int(match["start"]), int(match["end"])

    def quoted(self, excerpt_ids: Sequence[str]) -> frozenset[int]:
        """The sentences inside the excerpts with these ids; ids the index no longer has are ignored."""
        found = set()
        for excerpt_id in excerpt_ids:
            located = self._located(excerpt_id)
            if located is None:
                continue
            row, start, end = located
            sentences = self._scorer.paragraphs[row].sentences
            for n in self._sentences_of[row]:
                sentence = sentences[self._scorer.sentences[n][1]]
                if start <= sentence.start and sentence.end <= end:
                    found.add(n)
        return frozenset(found)

    def text_of(self, excerpt_id: str) -> str:
        """The text an excerpt (by id) quotes; "" when the index no longer holds it."""
        located = self._located(excerpt_id)
        if located is None:
            return ""
        row, start, end = located
        text = self._scorer.paragraphs[row].text
        return text[start:end] if start < end <= len(text) else ""

    def select(self, scored: Scored, count: int, excluded: frozenset[int] = frozenset()) -> list[Excerpt]:
        """The best non-overlapping excerpts: a top sentence, widened by neighbours that also score well.
        No excerpt holds an ``excluded`` sentence."""
        order = np.argsort(-scored.total, kind="stable")
        used: set[int] = set(excluded)
        excerpts: list[Excerpt] = []
        for seed in order:
            if len(excerpts) == count:
                break
            if int(seed) in used:
                continue
            first, last = self._widen(int(seed), scored, used)
            used.update(range(first, last + 1))
            excerpts.append(self._excerpt(first, last, float(scored.total[seed])))
        return excerpts

    def reading_on(self, excerpt_ids: Sequence[str], shown: frozenset[int], count: int) -> list[Excerpt]:
        """Up to ``count`` excerpts of the text from the paragraph an excerpt (by id) quotes to the end
        of its document, in order, without the sentences already ``shown``."""
        quoted = self.quoted(excerpt_ids)
        if not quoted:
            return []
        row = self.paragraph_of(min(quoted))
        document = self._scorer.paragraphs[row].document
        unread = [
            n
            for r in self._paragraphs_of[document]
            if r >= row
            for n in self._sentences_of[r]
            if n not in shown
        ]
        return self.in_order(unread, count)

    def in_order(self, sentences: Sequence[int], count: int | None = None) -> list[Excerpt]:
        """Consecutive runs of ``sentences`` (ascending) quoted in order, as few excerpts as fit (the
        first ``count`` of them); an excerpt never crosses a paragraph's end."""
        excerpts: list[Excerpt] = []
        first = 0
        while first < len(sentences) and (count is None or len(excerpts) < count):
            last = first
            while (
                last + 1 < len(sentences)
                and sentences[last + 1] == sentences[last] + 1
                and self.paragraph_of(sentences[last + 1]) == self.paragraph_of(sentences[first])
                and last + 1 - first < MAX_EXCERPT_SENTENCES
                and self._span_length(sentences[first], sentences[last + 1]) <= MAX_EXCERPT_CHARS
            ):
                last += 1
            excerpts.append(self._excerpt(sentences[first], sentences[last], None))
            first = last + 1
        return excerpts

    def _widen(self, seed: int, scored: Scored, used: set[int]) -> tuple[int, int]:
        row = self.paragraph_of(seed)
        first = last = seed
        while last - first + 1 < MAX_EXCERPT_SENTENCES:
            options = [
                n
                for n in (first - 1, last + 1)
                if 0 <= n < len(self._scorer.sentences)
                and self.paragraph_of(n) == row
                and n not in used
                and (NEIGHBOUR_SHARE <= 0 or scored.total[n] >= NEIGHBOUR_SHARE * scored.total[seed])
                and self._span_length(min(first, n), max(last, n)) <= MAX_EXCERPT_CHARS
            ]
            if not options:
                break
            best = max(options, key=lambda n: scored.total[n])
            first, last = min(first, best), max(last, best)
        return first, last

    def _span_length(self, first: int, last: int) -> int:
        (row, i), (_, j) = self._scorer.sentences[first], self._scorer.sentences[last]
        paragraph = self._scorer.paragraphs[row]
        return paragraph.sentences[j].end - paragraph.sentences[i].start

    def _excerpt(self, first: int, last: int, score: float | None) -> Excerpt:
        (row, i), (_, j) = self._scorer.sentences[first], self._scorer.sentences[last]
        paragraph = self._scorer.paragraphs[row]
        start, end = paragraph.sentences[i].start, paragraph.sentences[j].end
        return Excerpt(
            document=paragraph.document,
            title=self._titles.get(paragraph.document, paragraph.document),
            section=paragraph.section,
            paragraph=paragraph.number,
            start=start,
            end=end,
            text=paragraph.text[start:end],
            score=score,
        )
