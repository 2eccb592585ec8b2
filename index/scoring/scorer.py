"""Score every sentence of the corpus against a question, fusing dense and token signals (pure)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from index.corpus.documents import Paragraph
from index.corpus.lexical import AliasTable
from index.corpus.text import QUESTION_WORDS, STOP_WORDS, content_terms, stem, words
from index.scoring.parameters import Parameters
from index.scoring.question_maps import document_sha256s
from index.scoring.tokens import TokenMatcher, TokenScores
from index.storage.store import DocumentRecord, StoredIndex


@dataclass(frozen=True)
class Signals:
    """One question's per-sentence signals, before fusion."""

    sentence: np.ndarray
    paragraph: np.ndarray
    tokens: np.ndarray
    paragraph_tokens: np.ndarray


@dataclass(frozen=True)
class DocumentScores:
    """What the abstention model reads about one document, beside the per-sentence scores in Scored."""

    document: str  # the document's id
    rows: np.ndarray  # its sentences (rows of Scorer.sentences)
    unknown_share: float  # share of the question's content terms the document lacks (aliases: known)
    unknown_number: bool  # the question names a number (a year, say) the document never mentions
    unknown_name: bool  # the question names a capitalised word the document never uses (see Lexicon)
    topic: float | None  # the topic probe's log-odds of "off topic"; None: the probe was not fitted on it
    after_date: bool  # the question names a year later than the document's date
    shares_nothing: bool  # it has content words, and none of them nor any number is the document's
    only_names: bool  # its content words are all names the document uses (Lexicon.only_names)


@dataclass(frozen=True)
class Scored:
    """Per-sentence scores for one question, plus what the abstention decision looks at, per document."""

    total: np.ndarray  # fused score per sentence (rows of Scorer.sentences)
    dense: np.ndarray  # cosine of question and sentence
    centred: np.ndarray  # the same, centred and through the query adapter (the ranking's)
    token: np.ndarray  # token-level MaxSim of question and sentence (the ranking's, as abstention reads it)
    documents: tuple[DocumentScores, ...]  # in the manifest's order
    heading_scores: dict[str, float]  # section title -> cosine with the question
    vector: np.ndarray | None = None  # the question's pooled vector, when it had one


class Centring:
    """Cosines after removing what every sentence of the corpus shares (all-but-the-top, fitted per index).

    In a corpus about one subject every sentence's vector leans the same way, so a question that names
    the subject is close to all of them and the pooled cosine says little about which one answers it.
    Subtracting the corpus's mean sentence vector and its leading principal directions, from the question
    and the passages alike, leaves what tells the passages apart.
    """

    def __init__(self, sentence_vectors: np.ndarray, components: int):
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


class Lexicon:
    """One document's words, numbers, years, names and date: what "the document never uses" reads.

    Each document judges a question against its own words, so adding a document on another subject
    does not make the essay's near-misses look known.
    """

    def __init__(
        self, paragraphs: list[Paragraph], record: DocumentRecord, aliases: AliasTable, near_years: int
    ):
        self.vocabulary = frozenset(
            term
            for p in paragraphs
            for i in range(len(p.sentences))
            for term in content_terms(p.sentence_text(i))
        )
        self.numbers = frozenset(word for p in paragraphs for word in words(p.text) if word.isdigit())
        self.years = sorted(int(number) for number in self.numbers if _YEAR.fullmatch(number))
        self.year = _year(record.date)  # None: no date rule for this document
        self.aliases = aliases
        self.near_years = near_years
        # The document's own title and author are known words, though its text may never use them.
        self.named = frozenset(content_terms(f"{record.title} {record.author}"))
        # The names it uses: words it capitalises inside a sentence ("Wang Yi", "Port Arthur"), its
        # aliases, its title and author.
        in_sentences = frozenset(
            term
            for p in paragraphs
            for i in range(len(p.sentences))
            for name in _names_in(p.sentence_text(i))
            for term in name
        )
        aliased = frozenset(
            term for group in record.aliases for name in group for term in content_terms(name)
        )
        self.names = self.named | in_sentences | aliased

    def unknown_share(self, question: str, aliased: set[str] | None = None) -> float:
        """The share of the question's content stems the document does not know (aliases count as known)."""
        aliased = set(self.aliases.expand(question)) if aliased is None else aliased
        # Numbers are unknown_number's to judge, not counted twice here.
        words_only = [term for term in content_terms(question) if not term.rstrip("s").isdigit()]
        unknown = [
            term
            for term in words_only
            if term not in self.vocabulary and term not in aliased and term not in self.named
        ]
        return len(unknown) / len(words_only) if words_only else 0.0

    def unknown_number(self, question: str) -> bool:
        """A number the document never uses; "'45" or "90s" are read as the end of a year it may name.

        A year within ``near_years`` of one the document names, or a decade holding one, is not unknown:
        the text may reach it without writing it ("in the second year" of a war that began in 1937 is
        1938; "the 1930s"). A year between named ones but far from them (2001, 1972) stays unknown.
        """
        return any(not known for known in self._numbers_known(question))

    def shares_nothing(self, question: str, aliased: set[str] | None = None) -> bool:
        """Whether the question has content words and none of them, nor any number it names, is the
        document's ("does the essay mention nato", "mussolini?"). Only numbers ("1896?") or no content
        words at all ("why?") share something: there is nothing to judge by."""
        return self.unknown_share(question, aliased) == 1.0 and not any(self._numbers_known(question))

    def only_names(self, question: str) -> bool:
        """Whether the question's content words are all names the document uses, and it names no number
        or year the document does not ("who is wang yi", "south china sea?"): a question about one of
        them, whatever its cosines."""
        terms = [term for term in content_terms(question) if not term.rstrip("s").isdigit()]
        return (
            bool(terms)
            and all(term in self.names for term in terms)
            and all(self._numbers_known(question))
            and not self.after_date(question)
        )

    def _numbers_known(self, question: str) -> Iterator[bool]:
        """For each number the question names, whether the document knows it (unknown_number's rule)."""
        for word in words(question):
            match = re.fullmatch(r"(\d+)(s?)", word)
            if not match:
                continue
            number, decade = match.groups()
            yield any(known.endswith(number) for known in self.numbers) or bool(
                _YEAR.fullmatch(number) and self._near_named_year(int(number), bool(decade))
            )

    def _near_named_year(self, year: int, decade: bool) -> bool:
        if decade:
            return any(year <= named < year + 10 for named in self.years)
        return any(abs(year - named) <= self.near_years for named in self.years)

    def unknown_name(self, question: str, aliased: set[str] | None = None) -> bool:
        """A capitalised word (not the first) the document never uses and no alias covers: a name it never
        mentions ("India", "Biden"), the mark of a near-miss that shares the document's other words."""
        aliased = set(self.aliases.expand(question)) if aliased is None else aliased
        for stems in _names_in(question):
            if not any(s in self.vocabulary or s in aliased or s in self.named for s in stems):
                return True
        return False

    def after_date(self, question: str) -> bool:
        """A year later than the document's date, or anything after its own year: it cannot report on
        it ("in 2022", "did they sign an alliance after 2021?")."""
        if self.year is None:
            return False
        years = (int(match) for match in re.findall(rf"\b({_YEAR.pattern})s?\b", question))
        since = re.findall(rf"\b(?:after|since|post-?|beyond) ?({_YEAR.pattern})\b", question.lower())
        return any(year > self.year for year in years) or any(int(year) >= self.year for year in since)


class Scorer:
    """Holds what scoring needs from a loaded index: unit rows by kind, token vectors, each document's words."""

    def __init__(self, stored: StoredIndex, parameters: Parameters):
        self.weights = parameters.weights
        self.maps = parameters.maps  # the query adapter and the topic probe, when fitted for this model
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
            self.centring: Centring | None = Centring(
                vectors[self._sentence_unit], parameters.centred_components
            )
            self.centred_sentences = self.centring.apply(vectors[self._sentence_unit])
            self.centred_paragraphs = self.centring.apply(vectors[self._paragraph_unit])
        else:
            self.centring = None
        self.tokens = (
            TokenMatcher(stored.tokens, self.sentence_paragraph) if stored.tokens is not None else None
        )
        records = stored.manifest.documents
        self.document_rows = {
            record.id: np.array(
                [
                    n
                    for n, (row, _) in enumerate(self.sentences)
                    if self.paragraphs[row].document == record.id
                ],
                dtype=np.int64,
            )
            for record in records
        }
        self.lexicons = {
            record.id: Lexicon(
                [p for p in self.paragraphs if p.document == record.id],
                record,
                AliasTable(record.aliases),
                parameters.near_years,
            )
            for record in records
        }
        self._texts = document_sha256s(self.paragraphs)
        self.vocabulary = frozenset().union(*(lexicon.vocabulary for lexicon in self.lexicons.values()))
        self.aliases = AliasTable(group for record in records for group in record.aliases)

    def signals(
        self,
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
        return Signals(sentence, paragraph, tokens, paragraph_tokens)

    def score(
        self,
        question: str,
        unit_scores: np.ndarray,
        token_scores: TokenScores | None = None,
        vector: np.ndarray | None = None,
    ) -> Scored:
        """Fuse ``unit_scores`` (cosine with every unit) and MaxSim scores into sentence scores, and read
        each document's abstention signals.

        ``vector`` is the question's pooled vector, for the centred cosines; without it the raw ones stand in.
        """
        w = self.weights
        s = self.signals(unit_scores, token_scores, vector)
        total = (
            w.sentence * s.sentence
            + w.paragraph * s.paragraph
            + w.tokens * s.tokens
            + w.paragraph_tokens * s.paragraph_tokens
        )
        headings = {section: float(unit_scores[unit]) for (_, section), unit in self._heading_unit.items()}
        # Without maps (other model weights) the probe term is silent for every document, as it always was;
        # with them, documents the probe was not fitted on have no topic (the model without it judges).
        topic = self.maps.probe.logit(vector) if self.maps is not None and vector is not None else 0.0
        return Scored(
            total=total,
            dense=unit_scores[self._sentence_unit].astype(np.float64),  # raw: abstention reads it
            centred=s.sentence,
            token=s.tokens,
            documents=tuple(self._document_scores(question, topic)),
            heading_scores=headings,
            vector=vector,
        )

    def _document_scores(self, question: str, topic: float):
        probed = set(self.maps.documents) if self.maps is not None else set(self._texts.values())
        for document, lexicon in self.lexicons.items():
            aliased = set(lexicon.aliases.expand(question))  # read once, for both features below
            yield DocumentScores(
                document=document,
                rows=self.document_rows[document],
                unknown_share=lexicon.unknown_share(question, aliased),
                unknown_number=lexicon.unknown_number(question),
                unknown_name=lexicon.unknown_name(question, aliased),
                topic=topic if self._texts.get(document) in probed else None,
                after_date=lexicon.after_date(question),
                shares_nothing=lexicon.shares_nothing(question, aliased),
                only_names=lexicon.only_names(question),
            )


_YEAR = re.compile(r"1[5-9]\d\d|2\d\d\d")
_CAPITALISED = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NOT_NAMES = STOP_WORDS | QUESTION_WORDS  # "I", "What", "Why" open sentences mid-question too


def _names_in(text: str) -> Iterator[list[str]]:
    """The stems of each capitalised word of ``text`` but the first: the names a question asks about
    ("India", "Biden"), or a document uses ("... Foreign Minister Wang Yi, saying")."""
    for token in _CAPITALISED.findall(text)[1:]:
        stems = [stem(word) for word in words(token) if len(word) > 1 and word not in _NOT_NAMES]
        if token[0].isupper() and stems:
            yield stems


def _year(date: str) -> int | None:
    match = re.match(r"\s*(\d{4})", date)
    return int(match.group(1)) if match else None
