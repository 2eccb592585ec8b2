"""The bare floor: one all-MiniLM-L6-v2 encode of the question and an exact FAISS search, nothing else."""

import os
from pathlib import Path

import faiss
import numpy as np

FLOOR_K = 10


def load_model(model_dir: Path):
    """The sentence-transformers model straight from its folder, as any script would load it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


class Floor:
    """Question in, the ``FLOOR_K`` nearest vectors out: what any retrieval bot has to pay at least."""

    def __init__(self, model, vectors_file: Path):
        self.model = model
        self.index = faiss.read_index(str(vectors_file))

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def answer(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(self.encode([question]), FLOOR_K)

    def answer_many(self, questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(self.encode(questions), FLOOR_K)


def build_floor(model, texts: list[str], batch_size: int = 64) -> faiss.Index:
    """An index build with nothing but encoding every text and adding the vectors to a flat index."""
    vectors = model.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index
