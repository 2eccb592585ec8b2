"""The fitted parameters file (the question maps among them), how it is checked, and when the engine uses the maps."""

import dataclasses
import json
import logging

import numpy as np
import pytest

from index.answering.engine import Engine
from index.building.build import build_index
from index.corpus.corpus_files import load_corpus
from index.scoring.parameters import (
    FORMAT_VERSION,
    PACKAGED_PARAMETERS,
    ParametersError,
    load_parameters,
    save_parameters,
)
from index.scoring.question_maps import QueryAdapter, QuestionMaps, TopicProbe, uncalibrated_documents
from index.scoring.scorer import Scorer
from index.storage.store import read_index
from tests.conftest import CORPUS_DIR, HashingEmbedder, write_document

DIMENSION = 8


def _maps(sha: str = "a" * 64, rank: int = 2, seed: int = 0) -> QuestionMaps:
    rng = np.random.default_rng(seed)
    adapter = QueryAdapter(u=rng.normal(size=(DIMENSION, rank)), v=rng.normal(size=(DIMENSION, rank)))
    return QuestionMaps(adapter, TopicProbe(rng.normal(size=DIMENSION), 0.5), sha, ("f" * 64,))


@pytest.fixture
def saved(tmp_path):
    """A parameters file with small made-up maps, fitted (so it says) for model weights "a" * 64."""
    path = tmp_path / "fitted" / "parameters.json"
    save_parameters(dataclasses.replace(load_parameters(), maps=_maps(), model_sha256="a" * 64), path)
    return path


def test_the_adapter_returns_unit_vectors_and_is_the_identity_when_empty():
    vectors = np.random.default_rng(1).normal(size=(3, DIMENSION))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    mapped = _maps().adapter.apply(vectors)
    unchanged = QueryAdapter(np.zeros((DIMENSION, 2)), np.zeros((DIMENSION, 2))).apply(vectors)

    assert np.allclose(np.linalg.norm(mapped, axis=1), 1.0)
    assert not np.allclose(mapped, vectors)
    assert np.allclose(unchanged, vectors)


def test_saved_parameters_load_back_for_the_same_model(saved):
    loaded = load_parameters("a" * 64, DIMENSION, saved)

    assert loaded.maps is not None
    assert np.allclose(loaded.maps.adapter.u, _maps().adapter.u, atol=1e-6)
    assert np.allclose(loaded.maps.probe.weights, _maps().probe.weights, atol=1e-6)
    assert loaded.maps.probe.bias == pytest.approx(0.5)
    assert loaded.maps.documents == loaded.documents == ("f" * 64,)
    assert loaded.weights == load_parameters().weights
    assert loaded.subject_drop == load_parameters().subject_drop is not None


def test_parameters_for_other_model_weights_keep_no_maps_and_say_so_once(saved, caplog):
    with caplog.at_level(logging.INFO, logger="index.scoring.parameters"):
        loaded = load_parameters("b" * 64, DIMENSION, saved)

    assert loaded.maps is None
    assert loaded.documents == ("f" * 64,)  # which documents have calibration questions holds for any weights
    assert len(caplog.records) == 1 and "other model weights" in caplog.messages[0]


def test_maps_of_the_wrong_size_are_refused(saved):
    with pytest.raises(ParametersError, match="wrong shape"):
        load_parameters("a" * 64, DIMENSION + 1, saved)


def test_an_unknown_format_version_is_refused_with_the_fix(saved):
    document = json.loads(saved.read_text())
    document["format_version"] = FORMAT_VERSION + 1
    saved.write_text(json.dumps(document))

    with pytest.raises(ParametersError, match=r"format version .*fit_question_maps\.py --write"):
        load_parameters("a" * 64, DIMENSION, saved)


@pytest.mark.parametrize("damage", ["truncated json", "missing key", "arrays changed", "arrays missing"])
def test_a_corrupt_parameters_file_is_refused(saved, damage):
    arrays = saved.with_name("question_maps.npz")
    if damage == "truncated json":
        saved.write_text(saved.read_text()[:200])
    elif damage == "missing key":
        document = json.loads(saved.read_text())
        del document["weights"]
        saved.write_text(json.dumps(document))
    elif damage == "arrays changed":
        arrays.write_bytes(arrays.read_bytes()[:-8] + b"\0" * 8)
    else:
        arrays.unlink()

    with pytest.raises(ParametersError, match="cannot be read"):
        load_parameters("a" * 64, DIMENSION, saved)


def test_the_shipped_parameters_keep_no_maps_for_a_model_they_were_not_fitted_for():
    # The engine under a fake embedder must rank as before rather than read a map made for MiniLM.
    embedder = HashingEmbedder()
    assert PACKAGED_PARAMETERS.is_file()
    assert load_parameters(embedder.weights_sha256, embedder.dimension).maps is None


@pytest.mark.model
def test_the_shipped_maps_are_loaded_for_the_packaged_model(
    real_index_dir, real_embedder, real_engine, monkeypatch
):
    maps = load_parameters(real_embedder.weights_sha256, real_embedder.dimension).maps
    on_topic, near_miss = real_embedder.encode(
        ["What was the Li-Lobanov Treaty?", "What is the population of Russia?"]
    )
    monkeypatch.setattr(
        "index.answering.engine.load_parameters",
        lambda *args: dataclasses.replace(load_parameters(), maps=None),
    )
    without_maps = Engine.load(real_index_dir, real_embedder)
    question = "would moscow end up as the weaker sidekick?"

    assert maps is not None
    assert maps.probe.logit(near_miss) > maps.probe.logit(on_topic)  # the logit is "off topic"
    assert _ranking(real_engine.answer(question)) != _ranking(without_maps.answer(question))


def _ranking(answer):
    return [(excerpt.id, round(excerpt.score, 4)) for excerpt in answer.excerpts]


@pytest.mark.model
def test_with_another_document_off_topic_questions_still_get_no_excerpts(
    corpus_copy, tmp_path, real_embedder, real_embedding_cache
):
    write_document(
        corpus_copy,
        "tea",
        "## Arrival\n\nTea reached Britain in the seventeenth century, through Portuguese and Dutch traders."
        "\n\nIt became popular at court after Catherine of Braganza married Charles II.",
        title="A Short History of Tea",
    )
    build_index(corpus_copy, tmp_path / "index", real_embedder, cache_dir=real_embedding_cache)
    engine = Engine.load(tmp_path / "index", real_embedder)

    off_topic = engine.answer("What is a good recipe for banana bread?")
    essay = engine.answer("What did Putin say at the Valdai Club?")
    tea = engine.answer("When did tea reach Britain?")

    assert not off_topic.answered and off_topic.excerpts == ()
    assert essay.answered and {e.document for e in essay.excerpts} == {"zhao-2021-china-russia-alliance"}
    assert tea.answered and {e.document for e in tea.excerpts} == {"tea"}


@pytest.mark.model
def test_the_probe_judges_only_the_document_it_was_fitted_on(
    corpus_copy, tmp_path, real_embedder, real_embedding_cache
):
    write_document(
        corpus_copy, "tea", "Tea reached Britain in the seventeenth century.\n\nIt became popular."
    )
    build_index(corpus_copy, tmp_path / "index", real_embedder, cache_dir=real_embedding_cache)
    engine = Engine.load(tmp_path / "index", real_embedder)
    question = "What did Putin say at the Valdai Club?"

    scored = engine._score_texts([question])[question]

    topics = {document.document: document.topic for document in scored.documents}
    assert topics["tea"] is None and topics["zhao-2021-china-russia-alliance"] is not None
    assert engine.info.uncalibrated == ("tea",)  # what `index status` and /about report


def test_a_document_no_calibration_question_is_about_is_uncalibrated(corpus_copy):
    write_document(
        corpus_copy, "tea", "Tea reached Britain in the seventeenth century.\n\nIt became popular."
    )
    paragraphs = [paragraph for document in load_corpus(corpus_copy) for paragraph in document.paragraphs]

    recorded = uncalibrated_documents(paragraphs, load_parameters().documents)
    none = uncalibrated_documents(paragraphs, ())

    assert recorded == ("tea",)  # the essay's text is the one the shipped fit records
    assert set(none) == {"tea", "zhao-2021-china-russia-alliance"}


def test_an_edited_document_is_no_longer_the_one_its_questions_were_about(corpus_copy):
    essay = next(corpus_copy.glob("*.md"))
    essay.write_text(essay.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    paragraphs = [paragraph for document in load_corpus(corpus_copy) for paragraph in document.paragraphs]

    assert uncalibrated_documents(paragraphs, load_parameters().documents) == (essay.stem,)


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory):
    out = tmp_path_factory.mktemp("names") / "index"
    build_index(CORPUS_DIR, out, HashingEmbedder())
    (lexicon,) = Scorer(read_index(out), load_parameters()).lexicons.values()
    return lexicon


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What does the author say about India?", True),
        ("How did the Biden administration react?", True),
        ("What role does the Shanghai Cooperation Organisation play?", True),
        ("What did Putin say at the Valdai Club?", False),
        ("Did the Kremlin want it?", False),  # an alias of Russia, from the front matter
        ("What did Tokyo do in 1945?", False),
        ("I think the U.S. is the threat. What does Zhao say?", False),  # pronouns, initials, the author
        ("what about india", False),  # no capital: not read as a name
    ],
)
def test_a_capitalised_word_the_document_never_uses_marks_an_unknown_name(lexicon, question, named):
    assert lexicon.unknown_name(question) is named
