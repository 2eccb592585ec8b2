"""Every fitted number the scorer and the abstention model read, from one versioned file, checked on load."""

# ``index/scoring/fitted/parameters.json`` holds the numbers and the hashes they were fitted against (model
# weights, calibration questions, corpus); ``index/scoring/fitted/question_maps.npz`` holds the query adapter's
# and the topic probe's arrays, and the JSON records its sha256. ``benchmarks/fit_question_maps.py
# --write`` writes both; nothing here is typed in by hand.

import dataclasses
import hashlib
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.corpus.text import clean_question, content_terms
from index.errors import EssayBotError
from index.scoring.question_maps import QueryAdapter, QuestionMaps, TopicProbe

log = logging.getLogger(__name__)

FORMAT_VERSION = (
    3  # 2: last_paragraph, new_number_context and the follow-ups they were fitted on; 3: subject_drop
)
PACKAGED_PARAMETERS = Path(__file__).with_name("fitted") / "parameters.json"
REFIT = "benchmarks/fit_question_maps.py --write"


@dataclass(frozen=True)
class Weights:
    """Linear weights of a sentence's signals (index/scoring/scorer.py); only their proportions rank.

    The paragraph signals carry the paragraph as context for each of its sentences.
    """

    sentence: float  # cosine of question and sentence vectors, centred (see Centring)
    paragraph: float  # cosine of question and the sentence's paragraph vector, centred
    tokens: float  # IDF-weighted MaxSim of question pieces over the sentence's pieces (in context)
    paragraph_tokens: float  # the same over the paragraph's pieces


FEATURES = ("dense", "centred", "token", "best", "unknown_share", "unknown_number", "unknown_name", "topic")


@dataclass(frozen=True)
class AbstentionModel:
    """Logistic weights over FEATURES (index/scoring/abstain.py) and the probability at which to abstain."""

    bias: float = 0.0
    dense: float = 0.0  # best raw sentence cosine
    centred: float = 0.0  # best centred sentence cosine (the ranking's)
    token: float = 0.0  # best sentence MaxSim (the ranking's: content pieces read in paragraph context)
    best: float = 0.0  # best fused ranking score (Scored.total), the query adapter included
    unknown_share: float = 0.0  # share of content terms the document lacks
    unknown_number: float = 0.0  # 1 when the question names a number the document never uses
    unknown_name: float = 0.0  # 1 when it names a capitalised word the document never uses ("India")
    topic: float = 0.0  # the topic probe's log-odds of "off topic" (index/scoring/question_maps.py)
    threshold: float = 0.5  # abstain at or above this probability of "off topic"

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + sum(getattr(self, name) * value for name, value in zip(FEATURES, values, strict=True))
        return 1 / (1 + math.exp(-z))


@dataclass(frozen=True)
class Parameters:
    """The fitted numbers, and what they were fitted against."""

    weights: Weights
    abstention: AbstentionModel  # for documents the topic probe was fitted on
    abstention_without_probe: AbstentionModel  # the same fit with the probe's feature at 0: other documents
    centred_components: int  # principal directions Centring removes (index/scoring/scorer.py)
    near_years: int  # how far from a year a document names a question's year still counts as known
    # Added to a follow-up's scores for the sentences of the paragraph the last answer quoted first:
    # people ask next about what they just read (index/answering/engine.py).
    last_paragraph: float
    # The share of a follow-up's ranking score that comes from the question in its context (the rest:
    # the question alone) when it names a number its conversation has not: it changes the subject.
    new_number_context: float
    # How far a follow-up made only of words no document uses ("what about india?") may pull its
    # conversation's best sentence cosine down before it counts as a change to a subject no document
    # covers (Abstainer.changes_to_unknown_subject). None (until it is fitted): no follow-up is judged so.
    subject_drop: float | None
    model_sha256: str  # the embedding weights the adapter and probe were fitted for
    calibration_sha256: str  # the calibration questions file
    follow_ups_sha256: str  # the calibration follow-ups file the three numbers above were fitted on
    # How the fit read those questions' words (reading_sha256): a change to the stop words or the stemmer
    # changes what was fitted on as surely as an edit to the files does.
    reading_sha256: str
    corpus_sha256: str  # the index's corpus at fit time
    maps: QuestionMaps | None  # None when loaded for other model weights (see load_parameters)
    # The text_sha256 of each document the calibration questions are about, whatever the model weights.
    documents: tuple[str, ...] = ()


def reading_sha256(questions: Sequence[str]) -> str:
    """A digest of how the questions read: each as cleaned, and its content terms."""
    lines = []
    for question in questions:
        cleaned = clean_question(question)
        lines.append(f"{cleaned}\t{' '.join(content_terms(cleaned))}")
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


class ParametersError(EssayBotError):
    """The fitted-parameters file cannot be used: the message names the file, the cause and the fix."""


def save_parameters(parameters: Parameters, path: Path, notes: dict[str, str] | None = None) -> None:
    """Write ``path`` (JSON) and its arrays beside it (``question_maps.npz``); the maps are required."""
    maps = parameters.maps
    if maps is None or maps.probe is None:
        raise ValueError("only parameters with the query adapter and the topic probe are saved")
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = path.with_name("question_maps.npz")
    with arrays.open("wb") as out:
        np.savez(
            out,
            u=maps.adapter.u.astype(np.float32),
            v=maps.adapter.v.astype(np.float32),
            probe_weights=maps.probe.weights.astype(np.float32),
        )
    document = {
        "format_version": FORMAT_VERSION,
        "written_by": REFIT,
        "notes": notes or {},
        "model_sha256": parameters.model_sha256,
        "calibration_sha256": parameters.calibration_sha256,
        "follow_ups_sha256": parameters.follow_ups_sha256,
        "reading_sha256": parameters.reading_sha256,
        "corpus_sha256": parameters.corpus_sha256,
        "weights": dataclasses.asdict(parameters.weights),
        "abstention": dataclasses.asdict(parameters.abstention),
        "abstention_without_probe": dataclasses.asdict(parameters.abstention_without_probe),
        "centred_components": parameters.centred_components,
        "near_years": parameters.near_years,
        "last_paragraph": parameters.last_paragraph,
        "new_number_context": parameters.new_number_context,
        "subject_drop": parameters.subject_drop,  # null: not fitted
        "probe": {"bias": maps.probe.bias, "documents": list(maps.documents)},
        "arrays": {"file": arrays.name, "sha256": _sha256(arrays)},
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_parameters(
    model_sha256: str | None = None, dimension: int | None = None, path: Path = PACKAGED_PARAMETERS
) -> Parameters:
    """The parameters at ``path``; the query adapter and the topic probe only for ``model_sha256``.

    A missing, corrupt or unknown-version file raises ParametersError (an engine without its fitted
    numbers would answer wrongly). With other model weights the adapter and probe, which live in that
    model's vector space, are left out with one log line; the weights and abstention models stay.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        version = document.get("format_version")
        if version != FORMAT_VERSION:
            raise ParametersError(
                f"{path} has format version {version!r}, this EssayBot reads {FORMAT_VERSION}: "
                f"reinstall EssayBot or refit with {REFIT}"
            )
        parameters = Parameters(
            weights=Weights(**document["weights"]),
            abstention=AbstentionModel(**document["abstention"]),
            abstention_without_probe=AbstentionModel(**document["abstention_without_probe"]),
            centred_components=int(document["centred_components"]),
            near_years=int(document["near_years"]),
            last_paragraph=float(document["last_paragraph"]),
            new_number_context=float(document["new_number_context"]),
            subject_drop=None if document["subject_drop"] is None else float(document["subject_drop"]),
            model_sha256=str(document["model_sha256"]),
            calibration_sha256=str(document["calibration_sha256"]),
            follow_ups_sha256=str(document["follow_ups_sha256"]),
            reading_sha256=str(document.get("reading_sha256", "")),
            corpus_sha256=str(document["corpus_sha256"]),
            maps=None,
            documents=tuple(str(d) for d in document["probe"]["documents"]),
        )
        if model_sha256 is None or parameters.model_sha256 != model_sha256:
            if model_sha256 is not None:
                log.info(
                    "%s was fitted for other model weights; ranking and abstaining without its query "
                    "adapter and topic probe (refit with %s)",
                    path.name,
                    REFIT,
                )
            return parameters
        maps = _load_maps(path.with_name(document["arrays"]["file"]), document, dimension)
    except ParametersError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
        raise ParametersError(
            f"{path} cannot be read ({type(error).__name__}: {error}): reinstall EssayBot or refit with {REFIT}"
        ) from error
    return dataclasses.replace(parameters, maps=maps)


def _load_maps(arrays: Path, document: dict, dimension: int | None) -> QuestionMaps:
    if _sha256(arrays) != document["arrays"]["sha256"]:
        raise ValueError(f"{arrays.name} does not match the sha256 the parameters record")
    with np.load(arrays, allow_pickle=False) as data:
        u, v = np.asarray(data["u"], np.float64), np.asarray(data["v"], np.float64)
        probe_weights = np.asarray(data["probe_weights"], np.float64)
    if u.shape != v.shape or {u.shape[0], probe_weights.shape[0]} != {dimension or u.shape[0]}:
        raise ValueError(f"{arrays.name} holds arrays of the wrong shape for a {dimension}-dimensional model")
    return QuestionMaps(
        adapter=QueryAdapter(u=u, v=v),
        probe=TopicProbe(probe_weights, float(document["probe"]["bias"])),
        model_sha256=str(document["model_sha256"]),
        documents=tuple(str(d) for d in document["probe"]["documents"]),
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
