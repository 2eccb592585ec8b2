import faiss
import numpy as np
import pytest

from index.scoring.search import FaissSearch, NumpySearch


def unit_rows(count: int, dimension: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_faiss_search_agrees_with_the_brute_force_twin():
    vectors, queries = unit_rows(500, 32, seed=1), unit_rows(20, 32, seed=2)
    flat = faiss.IndexFlatIP(32)
    flat.add(vectors)

    faiss_scores, faiss_ids = FaissSearch(flat).search(queries, 10)
    numpy_scores, numpy_ids = NumpySearch(vectors).search(queries, 10)

    np.testing.assert_array_equal(faiss_ids, numpy_ids)
    np.testing.assert_allclose(faiss_scores, numpy_scores, rtol=1e-5, atol=1e-5)


def test_asking_for_more_rows_than_exist_returns_them_all():
    vectors = unit_rows(5, 8, seed=3)
    flat = faiss.IndexFlatIP(8)
    flat.add(vectors)

    _, ids = FaissSearch(flat).search(vectors[:1], 50)

    assert sorted(ids[0].tolist()) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("queries", [1, 2, 19, 400])  # 400 x 384 is past FAISS's BLAS threshold
def test_every_rows_score_is_the_faiss_search_score_to_the_bit(queries):
    vectors, asked = unit_rows(300, 384, seed=4), unit_rows(queries, 384, seed=5)
    flat = faiss.IndexFlatIP(384)
    flat.add(vectors)
    search = FaissSearch(flat)

    scores = search.scores(asked)

    found, ids = search.search(asked, search.size)
    np.testing.assert_array_equal(scores, np.take_along_axis(found, np.argsort(ids, axis=1), axis=1))
    np.testing.assert_allclose(scores, NumpySearch(vectors).scores(asked), rtol=1e-5, atol=1e-5)


def test_every_rows_score_is_read_from_a_memory_mapped_index(tmp_path):
    vectors, asked = unit_rows(50, 16, seed=6), unit_rows(3, 16, seed=7)
    flat = faiss.IndexFlatIP(16)
    flat.add(vectors)
    faiss.write_index(flat, str(tmp_path / "vectors.faiss"))
    mapped = faiss.read_index(
        str(tmp_path / "vectors.faiss"), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
    )

    np.testing.assert_array_equal(FaissSearch(mapped).scores(asked), FaissSearch(flat).scores(asked))
