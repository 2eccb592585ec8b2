"""The learned question maps: the query adapter and the topic probe, and when the engine uses them."""

import numpy as np
import pytest

from index.build import build_index
from index.engine import Engine
from index.question_maps import PACKAGED_MAPS, QueryAdapter, QuestionMaps, TopicProbe, load_question_maps
from index.retrieve import Retriever
from index.store import read_index
from tests.conftest import CORPUS_DIR, HashingEmbedder, write_document

DIMENSION = 8


def _maps(sha: str = "a" * 64, rank: int = 2, seed: int = 0) -> QuestionMaps:
    rng = np.random.default_rng(seed)
    adapter = QueryAdapter(u=rng.normal(size=(DIMENSION, rank)), v=rng.normal(size=(DIMENSION, rank)))
    return QuestionMaps(adapter, TopicProbe(rng.normal(size=DIMENSION), 0.5), sha, ("essay",))


def test_the_adapter_returns_unit_vectors_and_is_the_identity_when_empty():
    vectors = np.random.default_rng(1).normal(size=(3, DIMENSION))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    mapped = _maps().adapter.apply(vectors)
    unchanged = QueryAdapter(np.zeros((DIMENSION, 2)), np.zeros((DIMENSION, 2))).apply(vectors)

    assert np.allclose(np.linalg.norm(mapped, axis=1), 1.0)
    assert not np.allclose(mapped, vectors)
    assert np.allclose(unchanged, vectors)


def test_saved_maps_load_back_for_the_same_model(tmp_path):
    maps = _maps()
    path = tmp_path / "maps.npz"
    maps.save(path)

    loaded = load_question_maps(path, "a" * 64, DIMENSION)

    assert loaded is not None
    assert np.allclose(loaded.adapter.u, maps.adapter.u, atol=1e-6)
    assert np.allclose(loaded.probe.weights, maps.probe.weights, atol=1e-6)
    assert loaded.probe.bias == pytest.approx(0.5)


def test_the_probe_is_left_out_for_a_corpus_with_documents_it_was_not_fitted_on():
    maps = _maps()

    assert maps.for_corpus({"essay"}) is maps
    widened = maps.for_corpus({"essay", "another"})
    assert widened.probe is None and widened.adapter is maps.adapter


@pytest.mark.parametrize(("sha", "dimension"), [("b" * 64, DIMENSION), ("a" * 64, DIMENSION + 1)])
def test_maps_fitted_for_other_weights_or_sizes_are_not_used(tmp_path, sha, dimension):
    path = tmp_path / "maps.npz"
    _maps().save(path)

    assert load_question_maps(path, sha, dimension) is None
    assert load_question_maps(tmp_path / "missing.npz", "a" * 64, DIMENSION) is None


def test_the_shipped_maps_refuse_a_model_they_were_not_fitted_for():
    # The engine under a fake embedder must rank as before rather than read a map made for MiniLM.
    embedder = HashingEmbedder()
    assert PACKAGED_MAPS.is_file()
    assert load_question_maps(PACKAGED_MAPS, embedder.weights_sha256, embedder.dimension) is None


@pytest.mark.model
def test_the_shipped_maps_are_loaded_for_the_packaged_model(
    real_index_dir, real_embedder, real_engine, tmp_path, monkeypatch
):
    maps = load_question_maps(PACKAGED_MAPS, real_embedder.weights_sha256, real_embedder.dimension)
    on_topic, near_miss = real_embedder.encode(
        ["What was the Li-Lobanov Treaty?", "What is the population of Russia?"]
    )
    monkeypatch.setattr("index.engine.PACKAGED_MAPS", tmp_path / "no-maps.npz")
    without_maps = Engine.load(real_index_dir, real_embedder)
    question = "would moscow end up as the weaker sidekick?"

    assert maps is not None and maps.probe is not None
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
    assert essay.answered and {e.document for e in essay.excerpts} - {"tea"}
    assert tea.answered and tea.excerpts[0].document == "tea"


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    out = tmp_path_factory.mktemp("names") / "index"
    build_index(CORPUS_DIR, out, HashingEmbedder())
    return Retriever(read_index(out))


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
def test_a_capitalised_word_the_corpus_never_uses_marks_an_unknown_name(retriever, question, named):
    assert retriever.unknown_name(question) is named
