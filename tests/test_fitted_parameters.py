"""The fit and the engine agree: the calibration questions are well formed, and the fit's score is the engine's."""

import dataclasses
import hashlib
import importlib
import json
import sys

import numpy as np
import pytest
import torch

from index.building.build import build_index
from index.evaluation import load_items
from index.scoring.parameters import PACKAGED_PARAMETERS, Weights, load_parameters, reading_sha256
from index.scoring.question_maps import QueryAdapter, QuestionMaps, TopicProbe
from index.scoring.scorer import Scorer
from index.scoring.search import FaissSearch, all_scores
from index.storage.store import read_index
from tests.conftest import REPO, corpus_sentences, write_document
from tests.test_retrieval_context import ContextEmbedder

CALIBRATION = REPO / "data" / "calibration" / "questions.jsonl"
KINDS = {"fact", "keyword", "paraphrase", "argument", "offtopic"}


def _calibration() -> list[dict]:
    return [json.loads(line) for line in CALIBRATION.read_text(encoding="utf-8").splitlines()]


def test_every_calibration_question_has_the_eval_format():
    questions = _calibration()

    assert len({q["id"] for q in questions}) == len(questions)
    for question in questions:
        assert set(question) == {"id", "question", "gold", "kind"}, question["id"]
        assert question["kind"] in KINDS and question["question"].strip(), question["id"]
        assert isinstance(question["gold"], list) and all(isinstance(g, str) and g for g in question["gold"])
        assert bool(question["gold"]) == (question["kind"] != "offtopic"), question["id"]


def test_every_calibration_gold_span_is_verbatim_in_one_sentence_of_the_corpus():
    # The fit scores a question by its gold sentences: a span must be the essay's own words, in one sentence.
    sentences = corpus_sentences()
    missing = [
        (question["id"], span)
        for question in _calibration()
        for span in question["gold"]
        if not any(span in sentence for sentence in sentences)
    ]

    assert missing == []


def test_the_shipped_parameters_record_the_calibration_set_they_were_fitted_on():
    # Edit the calibration questions, then refit: benchmarks/fit_question_maps.py --write.
    recorded = json.loads(PACKAGED_PARAMETERS.read_text(encoding="utf-8"))["calibration_sha256"]

    assert recorded == hashlib.sha256(CALIBRATION.read_bytes()).hexdigest()


def test_the_shipped_parameters_record_the_follow_ups_they_were_fitted_on():
    # last_paragraph is fitted on them: edit the follow-ups, then refit (benchmarks/fit_question_maps.py --write).
    recorded = json.loads(PACKAGED_PARAMETERS.read_text(encoding="utf-8"))["follow_ups_sha256"]

    assert (
        recorded
        == hashlib.sha256((REPO / "data" / "conversation" / "followups.jsonl").read_bytes()).hexdigest()
    )


def test_the_shipped_parameters_record_how_the_fit_read_its_questions():
    # The stop words or the stemmer changed how calibration questions read ("lol", "tho" as stop words
    # changed 23 of them; the refit then differed from the shipped file): refit, and measure dev again.
    recorded = json.loads(PACKAGED_PARAMETERS.read_text(encoding="utf-8"))["reading_sha256"]
    follow_ups = load_items(REPO / "data" / "conversation" / "followups.jsonl")
    questions = [item.question for item in (*load_items(CALIBRATION), *follow_ups)]

    assert recorded == reading_sha256(questions)


@pytest.mark.model
def test_the_shipped_subject_drop_is_the_one_the_fit_reads_off_the_engine(real_index_dir, real_embedder):
    # subject_drop is read off the shipped engine's follow-ups (benchmarks/fit_question_maps.py): a change
    # to how follow-ups are scored, or to the follow-ups, needs a refit.
    fit = _benchmark("fit_question_maps")
    shipped = load_parameters(real_embedder.weights_sha256, real_embedder.dimension)
    items = load_items(REPO / "data" / "conversation" / "followups.jsonl")

    refitted = fit._fit_subject_drop(shipped, read_index(real_index_dir), real_embedder, items)

    assert shipped.subject_drop == pytest.approx(refitted, abs=1e-5)


def test_the_fits_torch_score_is_the_engines_fused_score(tmp_path):
    fit = _benchmark("fit_question_maps")
    embedder = ContextEmbedder()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "\n\n".join(
        " ".join(f"The {word} treaty of {1890 + n} was signed by envoy {n}." for n in range(first, first + 5))
        for first, word in ((0, "northern"), (5, "border"), (10, "loan"), (15, "naval"))
    )
    write_document(corpus, "treaties", body)
    build_index(corpus, tmp_path / "index", embedder)
    stored = read_index(tmp_path / "index")
    rng = np.random.default_rng(0)
    dimension, rank = embedder.dimension, 4
    maps = QuestionMaps(
        QueryAdapter(rng.normal(size=(dimension, rank)) * 0.1, rng.normal(size=(dimension, rank)) * 0.1),
        TopicProbe(np.zeros(dimension), 0.0),
        embedder.weights_sha256,
        (),
    )
    weights = Weights(sentence=1.7, paragraph=1.2, tokens=1.1, paragraph_tokens=1.8)
    scorer = Scorer(stored, dataclasses.replace(load_parameters(), weights=weights, maps=maps))
    model = fit.FusedScore(dimension, rank, list(dataclasses.astuple(weights))).double()
    with torch.no_grad():
        model.u.copy_(torch.tensor(maps.adapter.u))
        model.v.copy_(torch.tensor(maps.adapter.v))
    question = "When was the loan treaty signed by the envoy?"
    encoding = embedder.encode_with_tokens([question])[0]
    assert scorer.tokens is not None and scorer.centring is not None
    pieces, piece_weights = scorer.tokens.question_pieces(encoding.tokens, encoding.pieces)

    engine = scorer.score(
        question,
        all_scores(FaissSearch(stored.vectors), encoding.vector[None, :])[0],
        scorer.tokens.scores(encoding.tokens, encoding.pieces),
        encoding.vector,
    ).total
    with torch.no_grad():
        fitted = model(
            {
                "vector": torch.tensor(encoding.vector, dtype=torch.float64),
                "pieces": torch.tensor(pieces, dtype=torch.float64),
                "weights": torch.tensor(piece_weights, dtype=torch.float64),
            },
            fit.FusionCorpus(scorer, dtype=torch.float64),
        )

    assert len(scorer.centring.directions) == 2  # 20 sentences: the centring is really exercised
    np.testing.assert_allclose(fitted.numpy() / 10, engine, atol=1e-5)


def _benchmark(name: str):
    """A script of benchmarks/ as a module (they import each other by bare name)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
