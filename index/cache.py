"""An embedding cache keyed by (model weights hash, text hash), so rebuilds re-encode only new text."""

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from index.embedding import Embedder

log = logging.getLogger(__name__)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Plain files per model: ``keys.txt`` (one text hash a line) and ``vectors.npy`` (matching rows)."""

    def __init__(self, cache_dir: Path, embedder: Embedder):
        self._embedder = embedder
        self._dir = Path(cache_dir) / embedder.weights_sha256[:16]
        self._rows: dict[str, np.ndarray] = {}
        self._load()

    def has(self, text: str) -> bool:
        return text_key(text) in self._rows

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts``, encoding only those not seen before with this model."""
        keys = [text_key(text) for text in texts]
        missing = sorted(
            {key: text for key, text in zip(keys, texts, strict=True) if key not in self._rows}.items()
        )
        if missing:
            fresh = self._embedder.encode([text for _, text in missing])
            self._rows.update({key: vector for (key, _), vector in zip(missing, fresh, strict=True)})
        if not texts:
            return np.zeros((0, self._embedder.dimension), dtype=np.float32)
        return np.stack([self._rows[key] for key in keys]).astype(np.float32)

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache (only ``keep``'s keys when given, so it does not grow without bound)."""
        keys = sorted(self._rows if keep is None else keep & self._rows.keys())
        if not keys:
            return
        self._dir.mkdir(parents=True, exist_ok=True)
        vectors = np.stack([self._rows[key] for key in keys]).astype(np.float32)
        # Vectors first, keys last: a crash in between leaves keys that do not match, read as no cache.
        _atomic_write(self._dir / "vectors.npy", lambda handle: np.save(handle, vectors, allow_pickle=False))
        _atomic_write(self._dir / "keys.txt", lambda handle: handle.write("\n".join(keys).encode() + b"\n"))

    def _load(self) -> None:
        keys_path, vectors_path = self._dir / "keys.txt", self._dir / "vectors.npy"
        if not keys_path.is_file() or not vectors_path.is_file():
            return
        try:
            keys = keys_path.read_text(encoding="ascii").split()
            vectors = np.load(vectors_path, allow_pickle=False)
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable embedding cache %s: %s", self._dir, error)
            return
        if vectors.ndim != 2 or len(keys) != len(vectors) or vectors.shape[1] != self._embedder.dimension:
            log.warning("ignoring embedding cache %s: keys and vectors do not match", self._dir)
            return
        self._rows = dict(zip(keys, vectors, strict=True))


def _atomic_write(path: Path, write) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
