"""The all-MiniLM-L6-v2 encoder on ONNX Runtime: serves questions and builds indexes without torch."""

# The exported model lives beside the index it built, in four files the manifest lists with their
# hashes: the graph (``encoder.onnx``) and its weights (``encoder.onnx.data``), the tokenizer
# (``encoder_tokenizer.json``) and what the export recorded (``encoder.json``: the weights it came from
# and the parity it passed). The weights sit in a file of their own because ONNX Runtime then maps
# them instead of parsing a copy out of the graph: the peak resident memory of loading drops by the
# model's size (about 90 MiB). Mean pooling and
# normalisation are done here as the model's sentence-transformers modules do them
# (Transformer → mean Pooling → Normalize). Nothing here imports torch or sentence-transformers;
# ``index.encoding.onnx_export`` writes these files and needs both.

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from index.encoding.embedding import TokenEncoding
from index.errors import ModelError
from index.storage.files import file_sha256

log = logging.getLogger(__name__)

ENCODER_ONNX = "encoder.onnx"
ENCODER_WEIGHTS = "encoder.onnx.data"  # the graph names it as its external data, by this relative name
ENCODER_TOKENIZER = "encoder_tokenizer.json"
ENCODER_INFO = "encoder.json"
ENCODER_FILES = (ENCODER_ONNX, ENCODER_WEIGHTS, ENCODER_TOKENIZER, ENCODER_INFO)
ENCODER_FORMAT = 1
BUILD_HINT = "essaybot index build"
TORCH_HINT = "ESSAYBOT_ENCODER=torch"
TOKEN_BUDGET = 1024  # padded pieces in one forward pass (4 texts of the model's 256-piece maximum)


@dataclass(frozen=True)
class EncoderInfo:
    """What ``encoder.json`` records about one export; the graph's own hash is in the manifest."""

    model_id: str
    weights_sha256: str  # of the torch weights the graph was exported from
    dimension: int
    max_tokens: int  # the model's max_seq_length; longer texts are cut, as sentence-transformers cuts them
    special_ids: list[int]  # left out of token vectors, as the torch embedder leaves them out
    quantized: bool = False
    parity: dict[str, float] = field(default_factory=dict)  # what the export's check measured
    format: int = ENCODER_FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def read(cls, path: Path) -> "EncoderInfo":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != ENCODER_FORMAT:
            raise ValueError(f"encoder format {data.get('format')!r}, this essaybot reads {ENCODER_FORMAT}")
        return cls(**data)


class OnnxEmbedder:
    """The Embedder protocol on ONNX Runtime; ``encode_with_tokens`` gives pooled and token vectors of one pass."""

    def __init__(
        self, folder: Path, info: EncoderInfo, hashes: dict[str, str], *, session, tokenizer, pad_id: int
    ):
        self.model_id = info.model_id
        self.weights_sha256 = info.weights_sha256
        self.encoder_sha256 = export_sha256(hashes)  # the embedding cache and the manifest key on it
        self.dimension = info.dimension
        self.info = info
        self.batch_size = 32
        # What a build copies into its index, and the hash each copy must have: an index built by
        # this encoder carries it along.
        self.files = {name: (Path(folder) / name, hashes[name]) for name in ENCODER_FILES}
        self._session = session
        self._inputs = {i.name for i in session.get_inputs()}
        self._tokenizer = tokenizer
        self._pad_id = pad_id
        self._special = set(info.special_ids)

    def describe(self) -> str:
        kind = "int8" if self.info.quantized else "float32"
        parity = self.info.parity
        checked = (
            f"; checked against torch: max cosine difference {parity['max_cosine_difference']:.1e}, "
            f"{int(parity['questions'])} questions answered alike"
            if parity
            else ""
        )
        return f"ONNX Runtime ({kind}, export sha256 {self.encoder_sha256[:12]}…{checked})"

    def _passes(self, texts: list[str]):
        """(rows, encodings, mask, token vectors) per forward pass, covering ``texts`` once each.

        Texts go in order of length, and a pass holds at most ``batch_size`` texts and ``TOKEN_BUDGET``
        padded pieces: ONNX Runtime's working memory grows with the pieces in a pass, and a rebuild of
        the essay in passes of 32 texts peaked at 800 MiB (4,096 pieces: 680 MiB; 1,024: 310 MiB).
        Padding is masked, so the vectors do not depend on which texts share a pass.
        """
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda n: len(encodings[n].ids))
        start = 0
        while start < len(order):
            end = start + 1
            while (
                end < len(order)
                and end - start < self.batch_size
                and (end + 1 - start) * len(encodings[order[end]].ids) <= TOKEN_BUDGET
            ):
                end += 1
            rows = order[start:end]
            batch = [encodings[n] for n in rows]
            width = max(len(e.ids) for e in batch)
            ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, encoding in enumerate(batch):
                ids[row, : len(encoding.ids)] = encoding.ids
                mask[row, : len(encoding.ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            (tokens,) = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
            yield rows, batch, mask, tokens
            start = end

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows, _, mask, tokens in self._passes(texts):
            out[rows] = mean_pool(tokens, mask)
        return out

    def encode_with_tokens(self, texts: list[str]) -> list[TokenEncoding]:
        out: list[TokenEncoding | None] = [None] * len(texts)
        for rows, batch, mask, tokens in self._passes(texts):
            pooled = mean_pool(tokens, mask)
            for row, (n, encoding) in enumerate(zip(rows, batch, strict=True)):
                keep = [i for i, piece in enumerate(encoding.ids) if piece not in self._special]
                vectors = tokens[row, keep].astype(np.float32)
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
                out[n] = TokenEncoding(
                    vector=np.ascontiguousarray(pooled[row]),
                    tokens=np.ascontiguousarray(vectors),
                    pieces=tuple(encoding.tokens[i] for i in keep),
                )
        return out  # type: ignore[return-value]  # every slot is filled: each text is in one pass


def mean_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the unmasked token vectors, unit length: sentence-transformers' Pooling + Normalize."""
    weights = mask[..., None].astype(np.float32)
    summed = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    summed = summed.astype(np.float32)
    return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)


def export_sha256(hashes: dict[str, str]) -> str:
    """The export's one hash (the manifest's ``encoder_sha256``): over its graph's and weights' hashes."""
    return hashlib.sha256(f"{hashes[ENCODER_ONNX]} {hashes[ENCODER_WEIGHTS]}".encode()).hexdigest()


def load_onnx_embedder(
    folder: Path,
    *,
    expected: dict[str, str] | None,
    model_id: str,
    weights_sha256: str | None,
    threads: int = 1,
) -> OnnxEmbedder:
    """Load the export in ``folder`` after checking its files and that it came from the configured weights.

    ``expected`` maps each file to its sha256 as the manifest recorded it (None: a fresh export, not yet
    published). Every failure is a ModelError whose message names the fix.
    """
    folder = Path(folder)
    fix = f"rebuild with: {BUILD_HINT} (it exports the model again), or set {TORCH_HINT}"
    for name in ENCODER_FILES:
        if not (folder / name).is_file():
            raise ModelError(f"the exported model in {folder} has no {name}; {fix}")
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as error:
        raise ModelError(
            f"the ONNX encoder needs {error.name or 'onnxruntime'}: pip install onnxruntime tokenizers, "
            f"or set {TORCH_HINT}"
        ) from None
    hashes = {name: file_sha256(folder / name) for name in ENCODER_FILES}
    for name, actual in hashes.items():
        if expected is not None and actual != expected.get(name):
            raise ModelError(
                f"{folder / name} has sha256 {actual[:12]}…, its manifest expects "
                f"{(expected.get(name) or 'none')[:12]}… (corrupted or replaced); {fix}"
            )
    try:
        info = EncoderInfo.read(folder / ENCODER_INFO)
    except (OSError, ValueError, TypeError) as error:
        raise ModelError(f"{folder / ENCODER_INFO} is unreadable ({error}); {fix}") from None
    if info.model_id != model_id or (weights_sha256 and info.weights_sha256 != weights_sha256.lower()):
        raise ModelError(
            f"the exported model in {folder} came from {info.model_id} (weights sha256 "
            f"{info.weights_sha256[:12]}…), not from the configured {model_id} (weights sha256 "
            f"{(weights_sha256 or 'unchecked')[:12]}…); {fix}"
        )
    options = onnxruntime.SessionOptions()
    # One thread per run: a question's pass is too small to split well, and the bot's micro-batcher
    # already runs two passes at once on two worker threads. On a busy two-core machine this measured
    # 5.7 ms a question against 7.0 ms with ONNX Runtime's default of one thread per core.
    if threads:
        options.intra_op_num_threads = threads
    # Idle pool threads would otherwise spin after each run, taking the cores from FAISS and from the
    # event loop on a small machine.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = onnxruntime.InferenceSession(
            str(folder / ENCODER_ONNX), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(folder / ENCODER_TOKENIZER))
    except Exception as error:  # onnxruntime and tokenizers raise their own types for a bad file
        raise ModelError(f"cannot load the exported model in {folder}: {error}; {fix}") from None
    # The export wrote the tokenizer with the model's truncation and its padding token; passes are
    # padded here, each to its own longest text.
    tokenizer.enable_truncation(info.max_tokens)
    if tokenizer.padding is None:
        raise ModelError(f"{folder / ENCODER_TOKENIZER} names no padding token; {fix}")
    pad_id = int(tokenizer.padding["pad_id"])
    tokenizer.no_padding()
    return OnnxEmbedder(folder, info, hashes, session=session, tokenizer=tokenizer, pad_id=pad_id)
