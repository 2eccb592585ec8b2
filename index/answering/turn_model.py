"""A second opinion on a message the essay does not answer: was it about the document, or small talk?"""

# The turn reader (index/answering/turns.py) is lexical, and people ask about a document in more ways
# than its patterns list ("sum it up for me", "where's this from", "is this guy a prof or what"). When it
# takes such a message for a content question, the retrieval refuses it, or quotes whatever comes
# nearest. A multinomial logistic regression on the message's pooled vector (the one the retrieval
# computed) is asked what the message was: a confident answer other than "content" replaces a refusal,
# and a very confident one replaces an answer to a message that starts a conversation (mid-conversation,
# "what year was that?" is a follow-up, which the turn reader decides).
#
# Fitted for one model's weights by ``benchmarks/fit_turn_model.py --write`` on labelled turns written
# without sight of the dev sets, and shipped as ``index/answering/fitted/turn_model.npz``. With other
# weights, or without the file, there is no second opinion (one log line).

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.answering.readings import Chat, Facet, Reading, TurnKind

log = logging.getLogger(__name__)

PACKAGED_TURN_MODEL = Path(__file__).with_name("fitted") / "turn_model.npz"
REFIT = "benchmarks/fit_turn_model.py --write"
CONTENT = "content"
# What each class of message is read as; "content" is what the turn reader already said.
READINGS = {
    "author": Reading(TurnKind.ABOUT, facet=Facet.AUTHOR),
    "published": Reading(TurnKind.ABOUT, facet=Facet.PUBLISHED),
    "title": Reading(TurnKind.ABOUT, facet=Facet.TITLE),
    "outline": Reading(TurnKind.ABOUT, facet=Facet.OUTLINE),
    "summary": Reading(TurnKind.ABOUT, facet=Facet.SUMMARY),
    "chat": Reading(TurnKind.CHAT, chat=Chat.ACKNOWLEDGEMENT),
}
CLASSES = (CONTENT, *READINGS)


@dataclass(frozen=True)
class TurnModel:
    weights: np.ndarray  # (dimension + 1, len(CLASSES)): one column per class, the last row the bias
    threshold: float  # the least probability of a class other than content that replaces a refusal
    model_sha256: str  # the weights of the encoder it was fitted for
    overrule: float = 1.0  # the least that replaces an answer (1.0: never)

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        logits = np.r_[np.asarray(vector, dtype=np.float64), 1.0] @ self.weights
        logits -= logits.max()
        odds = np.exp(logits)
        return odds / odds.sum()

    def reading(self, vector: np.ndarray, at_least: float | None = None) -> Reading | None:
        """What the message was, when the model gives a class other than content at least ``at_least``
        (default: ``threshold``, what a refusal needs)."""
        label = label_of(self.probabilities(vector), self.threshold if at_least is None else at_least)
        return None if label == CONTENT else READINGS[label]


def label_of(probabilities: np.ndarray, at_least: float) -> str:
    """The likeliest class other than content if it reaches ``at_least``, else content."""
    best = int(np.argmax(probabilities[1:])) + 1
    return CLASSES[best] if probabilities[best] >= at_least else CONTENT


def save_turn_model(model: TurnModel, path: Path, sources: dict[str, str]) -> None:
    """Write ``model`` with the sha256 of each labelled file it was fitted on (``sources``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:  # np.savez on a handle: no ".npz" appended, no timestamps
        np.savez(
            handle,
            weights=model.weights,
            threshold=np.float64(model.threshold),
            overrule=np.float64(model.overrule),
            model_sha256=np.array(model.model_sha256),
            classes=np.array(CLASSES),
            source_files=np.array(sorted(sources)),
            source_sha256=np.array([sources[name] for name in sorted(sources)]),
        )


def load_turn_model(model_sha256: str, dimension: int, path: Path = PACKAGED_TURN_MODEL) -> TurnModel | None:
    """The shipped second opinion, or None (with one log line) when it does not fit these weights."""
    if not path.is_file():
        log.info("no turn model at %s: refusals stand as they are (%s writes one)", path, REFIT)
        return None
    try:
        with np.load(path) as data:
            model = TurnModel(
                weights=np.asarray(data["weights"], dtype=np.float64),
                threshold=float(data["threshold"]),
                model_sha256=str(data["model_sha256"]),
                overrule=float(data["overrule"]),
            )
            classes = tuple(str(name) for name in data["classes"])
    except (OSError, ValueError, KeyError) as error:
        log.warning("cannot read the turn model %s (%s): no second opinion; rerun %s", path, error, REFIT)
        return None
    if (
        model.model_sha256 != model_sha256
        or classes != CLASSES
        or model.weights.shape != (dimension + 1, len(CLASSES))
    ):
        log.info("the turn model %s was fitted for other model weights or classes: no second opinion", path)
        return None
    return model
