"""From a question to an Answer of cited, verbatim excerpts, over a loaded index."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.abstain import DEFAULT_MODEL, WITHOUT_PROBE_MODEL, AbstentionModel
from index.answers import Abstention, Answer, Excerpt
from index.conversation import Conversation
from index.documents import Paragraph
from index.embedding import Embedder, supports_tokens
from index.errors import EssayBotError
from index.language import is_english
from index.question_maps import PACKAGED_MAPS, load_question_maps
from index.retrieve import Retriever, Scored
from index.search import FaissSearch, VectorSearch, all_scores
from index.store import DocumentRecord, Manifest, check_model, read_index
from index.text import clean_question, words

log = logging.getLogger(__name__)

MAX_EXCERPT_CHARS = 400
MAX_EXCERPT_SENTENCES = 3
MAX_RESULTS = 25


@dataclass(frozen=True)
class IndexInfo:
    documents: tuple[DocumentRecord, ...]
    built_at: str
    model: str
    model_sha256: str
    paragraphs: int
    sentences: int
    corpus_sha256: str


class Engine:
    """Answers questions from one loaded index. Read-only after construction, so safe across threads."""

    def __init__(
        self,
        manifest: Manifest,
        retriever: Retriever,
        search: VectorSearch,
        embedder: Embedder,
        abstention: AbstentionModel = DEFAULT_MODEL,
    ):
        self._manifest = manifest
        self._abstention = abstention
        self._retriever = retriever
        self._search = search
        self._embedder = embedder
        self._titles = {record.id: record.title for record in manifest.documents}
        self._by_location = {(p.document, p.number): p for p in retriever.paragraphs}

    @classmethod
    def load(cls, index_dir: Path, embedder: Embedder) -> "Engine":
        """Load the index at ``index_dir``; refuses one built with another model."""
        stored = read_index(index_dir)
        check_model(stored.manifest, embedder.model_id, embedder.weights_sha256, index_dir)
        maps = load_question_maps(PACKAGED_MAPS, embedder.weights_sha256, embedder.dimension)
        if maps is not None:
            maps = maps.for_corpus({record.id for record in stored.manifest.documents})
        abstention = DEFAULT_MODEL if maps is None or maps.probe else WITHOUT_PROBE_MODEL
        retriever = Retriever(stored, maps=maps)
        return cls(stored.manifest, retriever, FaissSearch(stored.vectors), embedder, abstention)

    @property
    def info(self) -> IndexInfo:
        counts = self._manifest.counts
        return IndexInfo(
            documents=tuple(self._manifest.documents),
            built_at=self._manifest.built_at,
            model=self._manifest.model_id,
            model_sha256=self._manifest.model_sha256,
            paragraphs=counts.get("paragraphs", 0),
            sentences=counts.get("sentences", 0),
            corpus_sha256=self._manifest.corpus_sha256,
        )

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(section for record in self._manifest.documents for section in record.sections)
        )

    def paragraph(self, document: str, number: int) -> Paragraph:
        try:
            return self._by_location[(document, number)]
        except KeyError:
            raise EssayBotError(f"no paragraph {number} in document {document!r}") from None

    def answer(
        self, question: str, k: int = 3, skip: int = 0, conversation: Conversation | None = None
    ) -> Answer:
        return self.answer_many([question], k, skip, [conversation])[0]

    def answer_many(
        self,
        questions: Sequence[str],
        k: int = 3,
        skip: int = 0,
        conversations: Sequence[Conversation | None] | None = None,
    ) -> list[Answer]:
        """Answer several questions, encoding them in one batch; same answers as one at a time.

        ``conversations[n]`` is what question ``n`` follows up (None or empty: a new conversation).
        """
        k = max(1, min(k, MAX_RESULTS))
        cleaned = [clean_question(question) for question in questions]
        answers: list[Answer | None] = [
            _refusal(question, text) for question, text in zip(questions, cleaned, strict=True)
        ]
        pending = [n for n, answer in enumerate(answers) if answer is None]
        if pending:
            texts = [cleaned[n] for n in pending]
            token_scores: list = [None] * len(texts)
            if supports_tokens(self._embedder) and self._retriever.tokens is not None:
                # One forward pass gives both the pooled vector and the token vectors.
                encodings = self._embedder.encode_with_tokens(texts)  # type: ignore[attr-defined]
                vectors = np.stack([encoding.vector for encoding in encodings])
                token_scores = [self._retriever.tokens.scores(e.tokens, e.pieces) for e in encodings]
            else:
                vectors = self._embedder.encode(texts)
            unit_scores = all_scores(self._search, vectors)
            for row, n in enumerate(pending):
                scored = self._retriever.score(cleaned[n], unit_scores[row], token_scores[row], vectors[row])
                answers[n] = self._decide(questions[n], scored, k, skip)
        return [answer for answer in answers if answer is not None]

    def _decide(self, question: str, scored: Scored, k: int, skip: int) -> Answer:
        if self._abstention.off_topic(scored):
            nearest = sorted(scored.heading_scores, key=scored.heading_scores.__getitem__, reverse=True)
            return Answer(question, abstention=Abstention.OFF_TOPIC, suggestions=tuple(nearest[:3]))
        excerpts = self._select(scored, skip + k)
        return Answer(question, excerpts=tuple(excerpts[skip:]))

    def _select(self, scored: Scored, count: int) -> list[Excerpt]:
        """The best non-overlapping excerpts: a top sentence, widened by neighbours that also score well."""
        order = np.argsort(-scored.total, kind="stable")
        used: set[int] = set()
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

    def _widen(self, seed: int, scored: Scored, used: set[int]) -> tuple[int, int]:
        row, _ = self._retriever.sentences[seed]
        first = last = seed
        while last - first + 1 < MAX_EXCERPT_SENTENCES:
            options = [
                n
                for n in (first - 1, last + 1)
                if 0 <= n < len(self._retriever.sentences)
                and self._retriever.sentences[n][0] == row
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
        (row, i), (_, j) = self._retriever.sentences[first], self._retriever.sentences[last]
        paragraph = self._retriever.paragraphs[row]
        return paragraph.sentences[j].end - paragraph.sentences[i].start

    def _excerpt(self, first: int, last: int, score: float) -> Excerpt:
        (row, i), (_, j) = self._retriever.sentences[first], self._retriever.sentences[last]
        paragraph = self._retriever.paragraphs[row]
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


# A neighbour joins an excerpt when it fits (≤ 3 sentences, ≤ 400 characters) and scores at least this
# share of the seed. 0 means "fill the excerpt": answers often sit next to the sentence that names the
# topic ("the 1896 treaty ..." then "its main purpose was ..."), and measured it pays (docs/retrieval.md).
NEIGHBOUR_SHARE = 0.0


def _refusal(question: str, cleaned: str) -> Answer | None:
    """An answer for questions that cannot be searched at all, or None when the question can be."""
    if not cleaned:
        return Answer(question, abstention=Abstention.EMPTY)
    if not is_english(cleaned):
        return Answer(question, abstention=Abstention.NOT_ENGLISH)
    if not words(cleaned):
        return Answer(question, abstention=Abstention.NO_WORDS)
    return None
