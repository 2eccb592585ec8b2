"""Two small maps of a question's pooled vector, learned from labelled questions (pure)."""

# * ``QueryAdapter``: all-MiniLM-L6-v2 places a question near other questions, and a casual paraphrase
#   ("would moscow end up as the weaker sidekick?") near little of the essay's own wording ("a junior
#   partner"). A map q → q + U Vᵀ q, fitted on question/answer pairs, moves the question's vector
#   towards the statements that answer such questions. It is low-rank (32 directions) and held near the
#   identity by regularisation, so it nudges the model's judgement rather than replacing it; the corpus's
#   vectors and the token matching are untouched.
# * ``TopicProbe``: a logistic regression on the same vector that reads how much a question resembles
#   the questions a document answers rather than its near-misses ("the population of Russia", "the SCO").
#   Its logit is one of the abstention model's features, for the documents it was fitted on only
#   (``QuestionMaps.documents``, by their text): it would take questions about any other document for
#   near-misses.
#
# Both are fitted for one model's weights (``model_sha256``) by ``benchmarks/fit_question_maps.py`` on
# data/calibration/questions.jsonl (never on the dev set), and shipped in index/scoring/fitted/ (index/scoring/parameters.py).

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np

from index.corpus.documents import Paragraph


@dataclass(frozen=True)
class QueryAdapter:
    u: np.ndarray  # (dimension, rank)
    v: np.ndarray  # (dimension, rank)

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Mapped and re-normalised copies of ``vectors`` (one vector or rows)."""
        vectors = np.asarray(vectors, dtype=np.float64)
        mapped = vectors + (vectors @ self.v) @ self.u.T
        return mapped / np.maximum(np.linalg.norm(mapped, axis=-1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class TopicProbe:
    weights: np.ndarray  # (dimension,)
    bias: float

    def logit(self, vector: np.ndarray) -> float:
        """Log-odds that the question is off topic, read from its pooled vector alone."""
        return float(np.asarray(vector, dtype=np.float64) @ self.weights + self.bias)


@dataclass(frozen=True)
class QuestionMaps:
    adapter: QueryAdapter
    probe: TopicProbe
    model_sha256: str  # the weights both were fitted for
    documents: tuple[str, ...]  # the text_sha256 of each document the calibration questions were about


def text_sha256(paragraphs: Iterable[str]) -> str:
    """What the probe knows a document by: its paragraphs' text (not its file name or front matter)."""
    return hashlib.sha256("\n\n".join(paragraphs).encode()).hexdigest()


def document_sha256s(paragraphs: Iterable[Paragraph]) -> dict[str, str]:
    """Each document's ``text_sha256``, by document id, in the order the documents first appear."""
    texts: dict[str, list[str]] = {}
    for paragraph in paragraphs:
        texts.setdefault(paragraph.document, []).append(paragraph.text)
    return {document: text_sha256(parts) for document, parts in texts.items()}


# What a document without calibration questions gets, in the words `index status` and /about use.
UNCALIBRATED = (
    "no calibration questions: ranked by the fit to other documents' questions; "
    "abstention runs without the topic probe"
)


def uncalibrated_documents(paragraphs: Iterable[Paragraph], calibrated: Collection[str]) -> tuple[str, ...]:
    """The ids of the documents no calibration question is about: their text's sha256 is not among
    ``calibrated`` (``Parameters.documents``, what the fit recorded), so the topic probe skips them."""
    return tuple(
        document for document, sha256 in document_sha256s(paragraphs).items() if sha256 not in calibrated
    )
