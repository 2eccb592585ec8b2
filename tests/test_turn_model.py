"""The turn model: a second opinion on refused messages (index/answering/turn_model.py)."""

import hashlib
import logging

import numpy as np
import pytest

from index.answering.answers import AnswerKind
from index.answering.conversation import Conversation
from index.answering.readings import Facet, TurnKind
from index.answering.turn_model import (
    CLASSES,
    PACKAGED_TURN_MODEL,
    TurnModel,
    load_turn_model,
    save_turn_model,
)
from tests.conftest import REPO

DIMENSION = 4


def _leaning_to(name: str, strength: float) -> TurnModel:
    """A model whose bias alone puts ``strength`` of log-odds on one class."""
    weights = np.zeros((DIMENSION + 1, len(CLASSES)))
    weights[-1, CLASSES.index(name)] = strength
    return TurnModel(weights, threshold=0.7, model_sha256="m")


def test_a_confident_reading_other_than_content_is_given():
    reading = _leaning_to("summary", 10.0).reading(np.zeros(DIMENSION))
    assert reading is not None and (reading.kind, reading.facet) == (TurnKind.ABOUT, Facet.SUMMARY)
    assert _leaning_to("chat", 10.0).reading(np.zeros(DIMENSION)).kind is TurnKind.CHAT


def test_an_unsure_or_content_reading_leaves_the_refusal():
    assert _leaning_to("summary", 0.5).reading(np.zeros(DIMENSION)) is None
    assert _leaning_to("content", 10.0).reading(np.zeros(DIMENSION)) is None


def test_replacing_an_answer_takes_more_confidence_than_replacing_a_refusal():
    model = _leaning_to("summary", 3.0)  # about 0.87 on summary
    assert model.reading(np.zeros(DIMENSION)) is not None
    assert model.reading(np.zeros(DIMENSION), at_least=0.9) is None


def test_a_model_for_other_weights_or_a_corrupt_file_gives_no_second_opinion(tmp_path, caplog):
    path = tmp_path / "turn_model.npz"
    save_turn_model(_leaning_to("summary", 10.0), path, {"labels.jsonl": "0" * 64})
    assert load_turn_model("m", DIMENSION, path) is not None
    with caplog.at_level(logging.INFO):
        assert load_turn_model("other weights", DIMENSION, path) is None
        assert load_turn_model("m", DIMENSION + 1, path) is None
        path.write_bytes(b"not an npz")
        assert load_turn_model("m", DIMENSION, path) is None
        assert load_turn_model("m", DIMENSION, tmp_path / "missing.npz") is None
    assert "turn model" in caplog.text


def test_the_shipped_model_was_fitted_on_the_labelled_files_as_they_are():
    """Editing a labelled file without refitting (benchmarks/fit_turn_model.py --write) fails here."""
    with np.load(PACKAGED_TURN_MODEL) as data:
        recorded = dict(zip(map(str, data["source_files"]), map(str, data["source_sha256"]), strict=True))
    assert recorded
    for name, sha256 in recorded.items():
        assert hashlib.sha256((REPO / name).read_bytes()).hexdigest() == sha256, (
            f"{name} changed since the turn model was fitted: run benchmarks/fit_turn_model.py --write"
        )


@pytest.mark.model
def test_the_shipped_model_fits_the_packaged_weights(real_embedder):
    assert load_turn_model(real_embedder.weights_sha256, real_embedder.dimension) is not None


@pytest.mark.model
def test_a_refused_question_about_the_author_is_answered_from_the_front_matter(real_engine):
    answer = real_engine.answer("what research institute does he belong to")
    assert answer.kind is AnswerKind.ABOUT and real_engine.info.documents[0].author in answer.message


@pytest.mark.model
def test_questions_the_essay_does_not_address_are_still_refused(real_engine):
    for question in ("what is the weather like", "how do i center a div in css"):
        assert real_engine.answer(question).kind is AnswerKind.ABSTAIN


@pytest.mark.model
def test_a_question_about_the_document_the_patterns_miss_is_not_answered_from_the_text(real_engine):
    answer = real_engine.answer("When exactly was the article released?")
    assert answer.kind is AnswerKind.ABOUT and real_engine.info.documents[0].date in answer.message


@pytest.mark.model
def test_mid_conversation_the_turn_model_does_not_overrule_a_follow_ups_answer(real_engine):
    first = real_engine.answer("When did the 1950 alliance end?")
    follow_up = real_engine.answer(
        "When exactly was it released?",
        conversation=Conversation().after(first),
    )
    assert follow_up.kind is AnswerKind.ANSWER
