"""An embedding cache keyed by (encoder hash, text hash), so rebuilds re-encode only new text."""

# The encoder hash is the ONNX export's (graph and weights) when one encodes, else the torch weights'.
#
# Pooled vectors live in ``keys.txt`` + ``vectors.npy``. Token vectors (for MaxSim) live in a generation
# folder ``tokens/<generation>/`` of plain .npy files, named by ``tokens/CURRENT``, which is replaced
# last: a crash mid-save leaves the previous generation in force, never a mix of two. No pickle anywhere.

import hashlib
import logging
import shutil
import uuid
from pathlib import Path

import numpy as np

from index.encoding.embedding import Embedder, TokenEncoding, cache_key
from index.storage.files import atomic_write

log = logging.getLogger(__name__)

_TOKENS = "tokens"
_CURRENT = "CURRENT"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Encodes through the embedder only what it has not seen; ``cache_dir=None`` keeps it in memory.

    Even in memory it pays: a build asks for a sentence's token vectors and later for its pooled
    vector, and the one forward pass that gave the first already gave the second.
    """

    def __init__(self, cache_dir: Path | None, embedder: Embedder):
        self._embedder = embedder
        self._dir = Path(cache_dir) / cache_key(embedder)[:16] if cache_dir is not None else None
        self._rows: dict[str, np.ndarray] = {}
        # Token vectors: key -> (float16 piece vectors, pieces); loaded ones are views of memory maps.
        self._tokens: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._saved_keys: set[str] = set()  # what the files on disk hold, to skip rewriting them
        self._saved_token_keys: set[str] = set()
        self.encoded: set[str] = set()  # keys of the texts the model encoded through this cache
        if self._dir is not None:
            self._load(self._dir)
            self._load_tokens(self._dir)

    def has(self, text: str) -> bool:
        return text_key(text) in self._rows

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts``, encoding only those not seen before with this model."""
        keys = [text_key(text) for text in texts]
        missing = _missing(keys, texts, self._rows)
        if missing:
            fresh = self._embedder.encode([text for _, text in missing])
            self._rows.update({key: vector for (key, _), vector in zip(missing, fresh, strict=True)})
            self.encoded.update(key for key, _ in missing)
        if not texts:
            return np.zeros((0, self._embedder.dimension), dtype=np.float32)
        return np.stack([self._rows[key] for key in keys]).astype(np.float32)

    def encode_with_tokens(self, texts: list[str]) -> list[TokenEncoding]:
        """Pooled and token vectors for ``texts`` (the embedder must support tokens), encoding only new ones."""
        keys = [text_key(text) for text in texts]
        missing = _missing(keys, texts, self._tokens)
        if missing:
            fresh = self._embedder.encode_with_tokens([text for _, text in missing])  # type: ignore[attr-defined]
            for (key, _), encoding in zip(missing, fresh, strict=True):
                self._rows[key] = encoding.vector
                self._tokens[key] = (
                    encoding.tokens.astype(np.float16),
                    np.asarray(encoding.pieces, dtype=str),
                )
            self.encoded.update(key for key, _ in missing)
        encodings = []
        for key in keys:
            tokens, pieces = self._tokens[key]
            encodings.append(
                TokenEncoding(
                    vector=np.asarray(self._rows[key], dtype=np.float32),
                    tokens=np.asarray(tokens, dtype=np.float32),
                    pieces=tuple(pieces.tolist()),
                )
            )
        return encodings

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache (only ``keep``'s keys when given, so it does not grow without bound)."""
        if self._dir is None:
            return
        keys = sorted(self._rows if keep is None else keep & self._rows.keys())
        if keys and set(keys) != self._saved_keys:
            self._save_vectors(self._dir, keys)
        self._save_tokens(self._dir, keep)

    def _save_vectors(self, folder: Path, keys: list[str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        vectors = np.stack([self._rows[key] for key in keys]).astype(np.float32)
        # Vectors first, keys last: a crash in between leaves keys that do not match, read as no cache.
        atomic_write(folder / "vectors.npy", lambda handle: np.save(handle, vectors, allow_pickle=False))
        atomic_write(folder / "keys.txt", lambda handle: handle.write("\n".join(keys).encode() + b"\n"))
        self._saved_keys = set(keys)

    def _save_tokens(self, cache_dir: Path, keep: set[str] | None) -> None:
        keys = sorted(self._tokens if keep is None else keep & self._tokens.keys())
        if not keys or set(keys) == self._saved_token_keys:
            return  # nothing new: an unchanged rebuild rewrites no token files
        root = cache_dir / _TOKENS
        root.mkdir(parents=True, exist_ok=True)
        generation = uuid.uuid4().hex
        folder = root / generation
        folder.mkdir()
        lengths = np.array([len(self._tokens[key][1]) for key in keys], dtype=np.int64)
        arrays = {
            "offsets.npy": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            "vectors.npy": np.concatenate([self._tokens[key][0] for key in keys]).astype(np.float16),
            "pieces.npy": np.concatenate([self._tokens[key][1] for key in keys]).astype(str),
        }
        for name, array in arrays.items():
            atomic_write(folder / name, lambda handle, a=array: np.save(handle, a, allow_pickle=False))
        atomic_write(folder / "keys.txt", lambda handle: handle.write("\n".join(keys).encode() + b"\n"))
        atomic_write(root / _CURRENT, lambda handle: handle.write(generation.encode() + b"\n"))
        self._saved_token_keys = set(keys)
        # Older generations are unreachable now. Memory maps of them stay valid until closed (POSIX).
        for old in root.iterdir():
            if old.is_dir() and old.name != generation:
                shutil.rmtree(old, ignore_errors=True)

    def _load(self, folder: Path) -> None:
        keys_path, vectors_path = folder / "keys.txt", folder / "vectors.npy"
        if not keys_path.is_file() or not vectors_path.is_file():
            return
        try:
            keys = keys_path.read_text(encoding="ascii").split()
            vectors = np.load(vectors_path, allow_pickle=False)
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable embedding cache %s: %s", folder, error)
            return
        if vectors.ndim != 2 or len(keys) != len(vectors) or vectors.shape[1] != self._embedder.dimension:
            log.warning("ignoring embedding cache %s: keys and vectors do not match", folder)
            return
        self._rows = dict(zip(keys, vectors, strict=True))
        self._saved_keys = set(keys)

    def _load_tokens(self, cache_dir: Path) -> None:
        root = cache_dir / _TOKENS
        try:
            folder = root / (root / _CURRENT).read_text(encoding="ascii").strip()
            keys = (folder / "keys.txt").read_text(encoding="ascii").split()
            offsets = np.load(folder / "offsets.npy", allow_pickle=False)
            vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
            pieces = np.load(folder / "pieces.npy", allow_pickle=False)
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable token cache %s: %s", root, error)
            return
        total = int(offsets[-1]) if len(offsets) else -1
        if (
            len(offsets) != len(keys) + 1
            or vectors.ndim != 2
            or vectors.shape != (total, self._embedder.dimension)
            or len(pieces) != total
        ):
            log.warning("ignoring token cache %s: its files do not match", root)
            return
        # A text's token vectors are only usable with its pooled vector (one forward pass gave both).
        for n, key in enumerate(keys):
            if key in self._rows:
                start, end = int(offsets[n]), int(offsets[n + 1])
                self._tokens[key] = (vectors[start:end], pieces[start:end])
        self._saved_token_keys = set(self._tokens)


def _missing(keys: list[str], texts: list[str], known: dict) -> list[tuple[str, str]]:
    """(key, text) of the distinct texts not in ``known``, in a fixed order."""
    return sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in known}.items())
