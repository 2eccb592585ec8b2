"""Two small maps of a question's pooled vector, learned from labelled questions (pure apart from load).

* ``QueryAdapter``: all-MiniLM-L6-v2 places a question near other questions, and a casual paraphrase
  ("would moscow end up as the weaker sidekick?") near little of the essay's own wording ("a junior
  partner"). A map q → q + U Vᵀ q, fitted on question/answer pairs, moves the question's vector
  towards the statements that answer such questions. It is low-rank (32 directions) and held near the
  identity by regularisation, so it nudges the model's judgement rather than replacing it; the corpus's
  vectors and the token matching are untouched.
* ``TopicProbe``: a logistic regression on the same vector that reads how much a question resembles
  the questions the essay answers rather than its near-misses ("the population of Russia", "the SCO").
  Its logit is one of the abstention model's features. It knows only the documents it was fitted
  for: on a corpus with others the engine leaves it out and abstains with a model fitted without it.

Both are fitted for one model's weights (``model_sha256``); with any other model the engine ranks and
abstains without them. ``benchmarks/fit_question_maps.py`` fits them on tests/data/calibration.jsonl
(never on the dev set).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PACKAGED_MAPS = Path(__file__).with_name("question_maps.npz")


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
    probe: TopicProbe | None  # None when the corpus holds documents the probe was not fitted on
    model_sha256: str  # the weights both were fitted for
    documents: tuple[str, ...]  # the ids of the documents the calibration questions were about

    def for_corpus(self, document_ids: set[str]) -> "QuestionMaps":
        """These maps for a corpus of ``document_ids``: without the probe when it holds other documents.

        The probe has learned what this corpus's questions look like, so it would take questions about
        an added document for near-misses. The adapter only moves questions towards statements.
        """
        if document_ids <= set(self.documents):
            return self
        return QuestionMaps(self.adapter, None, self.model_sha256, self.documents)

    def save(self, path: Path) -> None:
        if self.probe is None:
            raise ValueError("only maps with a probe are saved")
        np.savez(
            path,
            u=self.adapter.u.astype(np.float32),
            v=self.adapter.v.astype(np.float32),
            probe_weights=self.probe.weights.astype(np.float32),
            probe_bias=np.array(self.probe.bias),
            model_sha256=np.array(self.model_sha256),
            documents=np.array(self.documents),
        )


def load_question_maps(path: Path, model_sha256: str, dimension: int) -> QuestionMaps | None:
    """The maps at ``path`` if they were fitted for these weights; None (with a log line) otherwise."""
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        probe = TopicProbe(np.asarray(data["probe_weights"], np.float64), float(data["probe_bias"]))
        maps = QuestionMaps(
            adapter=QueryAdapter(u=np.asarray(data["u"], np.float64), v=np.asarray(data["v"], np.float64)),
            probe=probe,
            model_sha256=str(data["model_sha256"]),
            documents=tuple(str(document) for document in data["documents"]),
        )
    shapes = {maps.adapter.u.shape[0], maps.adapter.v.shape[0], probe.weights.shape[0]}
    if (
        maps.model_sha256 != model_sha256
        or shapes != {dimension}
        or maps.adapter.u.shape != maps.adapter.v.shape
    ):
        log.info("%s was fitted for other model weights; ranking and abstaining without it", path.name)
        return None
    return maps
