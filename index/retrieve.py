"""Score every sentence of the corpus against a question, fusing dense, token and lexical signals (pure)."""

import re
from dataclasses import dataclass

import numpy as np

from index.documents import Paragraph
from index.lexical import BM25, AliasTable
from index.question_maps import QuestionMaps
from index.store import StoredIndex
from index.text import QUESTION_WORDS, STOP_WORDS, content_terms, stem, words
from index.tokens import TokenMatcher, TokenScores
from index.units import WINDOW_RADIUS


@dataclass(frozen=True)
class Weights:
    """Linear weights of a sentence's signals; fitted on tests/data/calibration.jsonl (never on the dev set).

    benchmarks/retrieval_ablation.py refits them; the sum is immaterial, only the proportions rank.
    The paragraph signals carry the paragraph as context for each of its sentences.
    """

    sentence: float = 1.74  # cosine of question and sentence vectors, centred (see Centring)
    paragraph: float = 1.19  # cosine of question and the sentence's paragraph vector, centred
    tokens: float = 1.11  # IDF-weighted MaxSim of question pieces over the sentence's pieces (in context)
    paragraph_tokens: float = 1.84  # the same over the paragraph's pieces
    # BM25 fits to 0 once MaxSim is in: MaxSim already rewards exact rare words. Kept for the ablation.
    lexical: float = 0.0


@dataclass(frozen=True)
class Signals:
    """One question's per-sentence signals, before fusion."""

    sentence: np.ndarray
    paragraph: np.ndarray
    tokens: np.ndarray
    paragraph_tokens: np.ndarray
    lexical: np.ndarray


@dataclass(frozen=True)
class Scored:
    """Per-sentence scores for one question, plus what the abstention decision looks at."""

    total: np.ndarray  # fused score per sentence (rows of Retriever.sentences)
    dense: np.ndarray  # cosine of question and sentence
    token: np.ndarray  # token-level MaxSim of question and sentence (the sentence's own pieces, if stored)
    lexical: np.ndarray  # BM25 of the sentence, 0..1 relative to the question's best possible
    unknown_share: float  # share of the question's content terms the corpus lacks (aliases count as known)
    unknown_number: bool  # the question names a number (a year, say) the corpus never mentions
    unknown_name: bool  # the question names a capitalised word the corpus never uses (see Retriever)
    topic: float  # the topic probe's log-odds that the question is off topic; 0 without a probe
    after_corpus: bool  # the question names a year later than every document's date
    heading_scores: dict[str, float]  # section title -> cosine with the question


CENTRED_COMPONENTS = 3  # chosen by cross-validation on the calibration set (benchmarks/retrieval_ablation.py)


class Centring:
    """Cosines after removing what every sentence of the corpus shares (all-but-the-top, fitted per index).

    In a corpus about one subject every sentence's vector leans the same way, so a question that names
    the subject is close to all of them and the pooled cosine says little about which one answers it.
    Subtracting the corpus's mean sentence vector and its leading principal directions, from the question
    and the passages alike, leaves what tells the passages apart.
    """

    def __init__(self, sentence_vectors: np.ndarray, components: int = CENTRED_COMPONENTS):
        vectors = np.asarray(sentence_vectors, dtype=np.float64)
        self.mean = vectors.mean(axis=0) if len(vectors) else np.zeros(vectors.shape[1])
        # Too few sentences to estimate directions from: keep the mean only (or nothing, for one).
        count = max(0, min(components, len(vectors) // 10))
        if count:
            _, _, directions = np.linalg.svd(vectors - self.mean, full_matrices=False)
            self.directions = directions[:count]
        else:
            self.directions = np.zeros((0, vectors.shape[1]))

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Centred, projected and re-normalised copies of ``vectors`` (rows)."""
        centred = np.asarray(vectors, dtype=np.float64) - self.mean
        centred -= (centred @ self.directions.T) @ self.directions
        return centred / np.maximum(np.linalg.norm(centred, axis=-1, keepdims=True), 1e-12)


class Retriever:
    """Holds what scoring needs from a loaded index: unit rows by kind, token vectors, BM25, aliases."""

    def __init__(self, stored: StoredIndex, weights: Weights | None = None, maps: QuestionMaps | None = None):
        self.weights = weights or Weights()
        self.maps = maps  # the query adapter and the topic probe, when fitted for this model
        self.paragraphs: list[Paragraph] = stored.paragraphs
        self.sentences: list[tuple[int, int]] = [
            (row, i) for row, paragraph in enumerate(self.paragraphs) for i in range(len(paragraph.sentences))
        ]
        position = {ref: n for n, ref in enumerate(self.sentences)}
        self._sentence_unit = np.zeros(len(self.sentences), dtype=np.int64)
        self._paragraph_unit = np.zeros(len(self.paragraphs), dtype=np.int64)
        self._heading_unit: dict[tuple[str, str], int] = {}
        for unit_id, unit in enumerate(stored.units):
            paragraph = self.paragraphs[unit.paragraph]
            if unit.kind == "sentence":
                self._sentence_unit[position[(unit.paragraph, unit.first)]] = unit_id
            elif unit.kind == "paragraph":
                self._paragraph_unit[unit.paragraph] = unit_id
            elif unit.kind == "heading":
                self._heading_unit[(paragraph.document, paragraph.section)] = unit_id
        self.sentence_paragraph = np.array([row for row, _ in self.sentences], dtype=np.int64)
        vectors = stored.vectors.reconstruct_n(0, stored.vectors.ntotal) if len(self.sentences) else None
        if vectors is not None and len(self.sentences) > 1:
            self.centring: Centring | None = Centring(vectors[self._sentence_unit])
            self.centred_sentences = self.centring.apply(vectors[self._sentence_unit])
            self.centred_paragraphs = self.centring.apply(vectors[self._paragraph_unit])
        else:
            self.centring = None
        self.tokens = (
            TokenMatcher(stored.tokens, self.sentence_paragraph) if stored.tokens is not None else None
        )
        self._bm25 = BM25([self.paragraphs[row].sentence_text(i) for row, i in self.sentences])
        self.vocabulary = self._bm25.vocabulary
        self._numbers = {word for p in self.paragraphs for word in words(p.text) if word.isdigit()}
        self._years = sorted(int(number) for number in self._numbers if _YEAR.fullmatch(number))
        # The newest document's year; None (no rule) when any document's date has no year to read.
        years = [_year(record.date) for record in stored.manifest.documents]
        known = [year for year in years if year is not None]
        self.latest_year = max(known) if known and len(known) == len(years) else None
        self.aliases = AliasTable(group for record in stored.manifest.documents for group in record.aliases)
        # A document's own title and author are known words, though its text may never use them.
        self.named = frozenset(
            term
            for record in stored.manifest.documents
            for term in content_terms(f"{record.title} {record.author}")
        )

    def window_bounds(self, row: int, i: int) -> tuple[int, int]:
        count = len(self.paragraphs[row].sentences)
        return max(0, i - WINDOW_RADIUS), min(count - 1, i + WINDOW_RADIUS)

    def query_terms(self, question: str, aliased: set[str] | None = None) -> tuple[list[str], float]:
        """The question's content stems and the share of them the corpus does not know.

        Aliases of names in the question count as known but are not added to BM25's query: a long
        alias ("People's Republic of China") would make its one sentence win every question.
        ``aliased`` is ``aliases.expand(question)`` when the caller has it already.
        """
        terms = content_terms(question)
        aliased = set(self.aliases.expand(question)) if aliased is None else aliased
        # Numbers are unknown_number's to judge, not counted twice here.
        words_only = [term for term in terms if not term.rstrip("s").isdigit()]
        unknown = [
            term
            for term in words_only
            if term not in self.vocabulary and term not in aliased and term not in self.named
        ]
        return terms, len(unknown) / len(words_only) if words_only else 0.0

    def unknown_number(self, question: str) -> bool:
        """A number the essay never uses; "'45" or "90s" are read as the end of a year the essay may name.

        A year within NEAR_YEARS of one the corpus names, or a decade holding one, is not unknown: the
        text may reach it without writing it ("in the second year" of a war that began in 1937 is 1938;
        "the 1930s"). A year between named ones but far from them (2001, 1972) stays unknown.
        """
        for word in words(question):
            match = re.fullmatch(r"(\d+)(s?)", word)
            if not match or any(known.endswith(match.group(1)) for known in self._numbers):
                continue
            number, decade = match.groups()
            if not (_YEAR.fullmatch(number) and self._near_named_year(int(number), bool(decade))):
                return True
        return False

    def _near_named_year(self, year: int, decade: bool) -> bool:
        if decade:
            return any(year <= named < year + 10 for named in self._years)
        return any(abs(year - named) <= NEAR_YEARS for named in self._years)

    def unknown_name(self, question: str, aliased: set[str] | None = None) -> bool:
        """A capitalised word (not the first) the corpus never uses and no alias covers: a name it never
        mentions ("India", "Biden"), the mark of a near-miss that shares the essay's other words."""
        aliased = set(self.aliases.expand(question)) if aliased is None else aliased
        for token in _CAPITALISED.findall(question)[1:]:
            stems = [stem(word) for word in words(token) if len(word) > 1 and word not in _NOT_NAMES]
            if (
                token[0].isupper()
                and stems
                and not any(s in self.vocabulary or s in aliased or s in self.named for s in stems)
            ):
                return True
        return False

    def after_corpus(self, question: str) -> bool:
        """A year later than the newest document's date: no document can report on it ("in 2022")."""
        if self.latest_year is None:
            return False
        years = (int(match) for match in re.findall(rf"\b({_YEAR.pattern})s?\b", question))
        return any(year > self.latest_year for year in years)

    def signals(
        self,
        question: str,
        unit_scores: np.ndarray,
        token_scores: TokenScores | None,
        vector: np.ndarray | None = None,
    ) -> Signals:
        """Per-sentence signals; with the question's ``vector`` the dense ones are centred cosines.

        The dense ones read the question's vector through the query adapter, when there is one.
        """
        if vector is not None and self.centring is not None:
            centred = self.centring.apply(self.maps.adapter.apply(vector) if self.maps else vector)
            sentence = self.centred_sentences @ centred
            paragraph = (self.centred_paragraphs @ centred)[self.sentence_paragraph]
        else:
            sentence = unit_scores[self._sentence_unit].astype(np.float64)
            paragraph = unit_scores[self._paragraph_unit][self.sentence_paragraph].astype(np.float64)
        if token_scores is None:  # no token vectors (a test fake, say): pooled cosines stand in
            tokens, paragraph_tokens = sentence, paragraph
        else:
            tokens, per_paragraph = token_scores.sentence, token_scores.paragraph
            paragraph_tokens = per_paragraph[self.sentence_paragraph]
        lexical = _relative(self._bm25.scores(content_terms(question)))
        return Signals(sentence, paragraph, tokens, paragraph_tokens, lexical)

    def score(
        self,
        question: str,
        unit_scores: np.ndarray,
        token_scores: TokenScores | None = None,
        vector: np.ndarray | None = None,
    ) -> Scored:
        """Fuse ``unit_scores`` (cosine with every unit), MaxSim scores and BM25 into sentence scores.

        ``vector`` is the question's pooled vector, for the centred cosines; without it the raw ones stand in.
        """
        w = self.weights
        s = self.signals(question, unit_scores, token_scores, vector)
        total = (
            w.sentence * s.sentence
            + w.paragraph * s.paragraph
            + w.tokens * s.tokens
            + w.paragraph_tokens * s.paragraph_tokens
            + w.lexical * s.lexical
        )
        aliased = set(self.aliases.expand(question))  # read once, for both features below
        _, unknown_share = self.query_terms(question, aliased)
        headings = {section: float(unit_scores[unit]) for (_, section), unit in self._heading_unit.items()}
        probe = self.maps.probe if self.maps else None
        return Scored(
            total=total,
            dense=unit_scores[self._sentence_unit].astype(np.float64),  # raw: abstention reads it
            token=s.tokens if token_scores is None or token_scores.alone is None else token_scores.alone,
            lexical=s.lexical,
            unknown_share=unknown_share,
            unknown_number=self.unknown_number(question),
            unknown_name=self.unknown_name(question, aliased),
            topic=probe.logit(vector) if probe is not None and vector is not None else 0.0,
            after_corpus=self.after_corpus(question),
            heading_scores=headings,
        )


NEAR_YEARS = 2  # how far from a year the corpus names a question's year still counts as known
_YEAR = re.compile(r"1[5-9]\d\d|2\d\d\d")
_CAPITALISED = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NOT_NAMES = STOP_WORDS | QUESTION_WORDS  # "I", "What", "Why" open sentences mid-question too


def _year(date: str) -> int | None:
    match = re.match(r"\s*(\d{4})", date)
    return int(match.group(1)) if match else None


def _relative(scores: np.ndarray) -> np.ndarray:
    best = float(scores.max()) if len(scores) else 0.0
    return scores / best if best > 0 else scores
