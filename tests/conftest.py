"""Shared fixtures: the essay, a fast fake embedder, and the real model and index (built once per run)."""

import hashlib
import logging
import re
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "corpus"
SHARED = REPO.parent / "shared"
DEV_SET = SHARED / "eval" / "dev.jsonl"


class HashingEmbedder:
    """A deterministic bag-of-words embedder: fast, no model, same interface as the real one.

    Texts sharing words get similar vectors, which is enough to exercise building, storing and
    searching without the cost of the real model.
    """

    model_id = "test/hashing-embedder"
    weights_sha256 = hashlib.sha256(b"hashing-embedder").hexdigest()
    dimension = 64

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
                vectors[row, bucket % self.dimension] += 1.0
            vectors[row, 0] += 1e-3  # never the zero vector
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def restore_logging():
    """``runner.run`` and ``configure_logging`` install their own root handler; put the test's back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    from bot.settings import PACKAGED_MODEL_SHA256
    from index.embedding import PACKAGED_MODEL, load_embedder

    return load_embedder(PACKAGED_MODEL, PACKAGED_MODEL_SHA256)


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory, real_embedder) -> Path:
    from index.build import build_index

    out = tmp_path_factory.mktemp("real-index") / "index"
    build_index(CORPUS_DIR, out, real_embedder)
    return out


@pytest.fixture(scope="session")
def real_engine(real_index_dir, real_embedder):
    from index.engine import Engine

    return Engine.load(real_index_dir, real_embedder)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the corpus folder."""
    target = tmp_path / "corpus"
    target.mkdir()
    for path in CORPUS_DIR.glob("*.md"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


def write_document(folder: Path, name: str, body: str, title: str = "A Test Document") -> Path:
    path = folder / f"{name}.md"
    path.write_text(
        f'---\ntitle: "{title}"\nauthor: "Test Author"\ndate: "2024-01-01"\n---\n\n{body}', encoding="utf-8"
    )
    return path
