import faiss
import numpy as np

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
