"""Export the torch model to ONNX at build time and refuse an export whose answers differ from torch's."""

# A build step, never a serving one: it needs torch and sentence-transformers. The graph comes from the
# very model the torch embedder loaded (weights verified against their hash), so tuned weights are
# exported as they are. The check encodes the corpus's texts both ways (the largest cosine difference
# of pooled and of token vectors) and answers the parity questions from an index built each way (the
# top-5 excerpts and the kind of answer must be the same for every question).

import logging
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.building.units import cut_units
from index.corpus.corpus_files import load_corpus
from index.encoding.embedding import SentenceTransformerEmbedder
from index.encoding.onnx_encoder import (
    ENCODER_INFO,
    ENCODER_ONNX,
    ENCODER_TOKENIZER,
    ENCODER_WEIGHTS,
    EncoderInfo,
    OnnxEmbedder,
    load_onnx_embedder,
)
from index.errors import ModelError

log = logging.getLogger(__name__)

# Float32 ONNX Runtime and torch differ in summation order only: about 1e-7 measured. A larger
# difference means a broken graph (a mask traced away, a truncation lost), whatever the rankings say.
MAX_COSINE_DIFFERENCE = 1e-4
TOP_K = 5
OPSET = 17


class ParityError(ModelError):
    """The export's answers differ from the torch model's: it is not published."""


@dataclass(frozen=True)
class ParityReport:
    texts: int
    pieces: int
    questions: int
    max_cosine_difference: float  # pooled vectors, over the corpus texts
    max_token_cosine_difference: float  # token vectors of the same pass
    rankings_differ: tuple[str, ...]  # the questions whose top-5 answer differs
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.rankings_differ and self.max_cosine_difference <= MAX_COSINE_DIFFERENCE

    def summary(self) -> str:
        return (
            f"max cosine difference {self.max_cosine_difference:.2e} over {self.texts} corpus texts "
            f"(token vectors {self.max_token_cosine_difference:.2e} over {self.pieces} pieces); "
            f"top-{TOP_K} answers identical for {self.questions - len(self.rankings_differ)} of "
            f"{self.questions} questions"
        )


def export_model(embedder: SentenceTransformerEmbedder, folder: Path, *, quantize: bool = False) -> None:
    """Write the encoder files into ``folder`` from the model ``embedder`` has loaded (no parity yet)."""
    import torch

    model: Any = (
        embedder._model
    )  # the SentenceTransformer: its Transformer module holds weights and tokenizer
    transformer = model[0]
    bert = transformer.auto_model.eval()

    class TokenVectors(torch.nn.Module):
        """Three tensors in, token vectors out: the one signature the exported graph needs."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # A padded example: with an all-ones mask the trace could take a path that ignores the mask.
    mask = torch.ones((2, 8), dtype=torch.int64)
    mask[1, 5:] = 0
    example = (torch.ones((2, 8), dtype=torch.int64), mask, torch.zeros((2, 8), dtype=torch.int64))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    folder.mkdir(parents=True, exist_ok=True)
    graph = folder / ENCODER_ONNX
    # The tracer warns about every Python branch it freezes; the parity check is what tells whether
    # the frozen graph answers as the model does, so the warnings are only noise in a build's output.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenVectors(),
            example,
            str(graph),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]},
            opset_version=OPSET,
            dynamo=False,
        )
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        plain = folder / "encoder-float32.onnx"
        graph.rename(plain)
        quantize_dynamic(str(plain), str(graph), weight_type=QuantType.QInt8)
        plain.unlink()
    _move_weights_out(graph)
    tokenizer = transformer.tokenizer
    fast = tokenizer.backend_tokenizer  # the `tokenizers` object: what serving loads, without transformers
    max_tokens = int(model.max_seq_length)
    fast.enable_truncation(max_tokens)
    fast.enable_padding(pad_id=int(tokenizer.pad_token_id), pad_token=str(tokenizer.pad_token))
    (folder / ENCODER_TOKENIZER).write_text(fast.to_str(), encoding="utf-8")
    info = EncoderInfo(
        model_id=embedder.model_id,
        weights_sha256=embedder.weights_sha256,
        dimension=embedder.dimension,
        max_tokens=max_tokens,
        special_ids=sorted(int(i) for i in tokenizer.all_special_ids),
        quantized=quantize,
    )
    (folder / ENCODER_INFO).write_bytes(info.to_json())


def _move_weights_out(graph: Path) -> None:
    """Rewrite ``graph`` with its weights in ENCODER_WEIGHTS beside it (ONNX Runtime maps that file)."""
    import onnx

    model = onnx.load(str(graph))
    onnx.save_model(
        model,
        str(graph),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=ENCODER_WEIGHTS,
        size_threshold=1024,
    )
    # onnx writes the weights owner-only; the image's non-root user must read the baked copy.
    (graph.parent / ENCODER_WEIGHTS).chmod(0o644)


def check_parity(
    reference: SentenceTransformerEmbedder,
    candidate: OnnxEmbedder,
    corpus_dir: Path,
    questions: list[str],
    work_dir: Path,
    cache_dir: Path | None = None,
) -> ParityReport:
    """Compare ``candidate`` with the torch model on the corpus's texts and on ``questions`` (top-5 answers).

    With ``cache_dir`` the two parity builds fill the embedding cache (keyed by each encoder), so the
    build that follows an export encodes nothing again.
    """
    from index.answering.engine import Engine
    from index.building.build import build_index

    started = time.perf_counter()
    documents = load_corpus(corpus_dir)
    paragraphs = [p for document in documents for p in document.paragraphs]
    texts = list(dict.fromkeys(cut_units(documents)[1] + [p.text for p in paragraphs]))
    pooled = _max_difference(reference.encode(texts), candidate.encode(texts))
    token_texts = [p.text for p in paragraphs]
    torch_tokens = reference.encode_with_tokens(token_texts)
    onnx_tokens = candidate.encode_with_tokens(token_texts)
    token_difference, pieces = 0.0, 0
    for a, b in zip(torch_tokens, onnx_tokens, strict=True):
        if a.pieces != b.pieces:
            token_difference = 2.0  # the tokenizers disagree: as far apart as vectors get
            continue
        pieces += len(a.pieces)
        if len(a.pieces):
            token_difference = max(token_difference, _max_difference(a.tokens, b.tokens))
    differ: list[str] = []
    if questions:
        answers = {}
        for name, embedder in (("torch", reference), ("onnx", candidate)):
            index_dir = work_dir / f"parity-{name}"
            build_index(corpus_dir, index_dir, embedder, cache_dir=cache_dir)
            answers[name] = Engine.load(index_dir, embedder).answer_many(questions, k=TOP_K)
        differ = [
            question
            for question, a, b in zip(questions, answers["torch"], answers["onnx"], strict=True)
            if _ranking(a) != _ranking(b)
        ]
    return ParityReport(
        texts=len(texts),
        pieces=pieces,
        questions=len(questions),
        max_cosine_difference=pooled,
        max_token_cosine_difference=token_difference,
        rankings_differ=tuple(differ),
        seconds=time.perf_counter() - started,
    )


def export_checked(
    reference: SentenceTransformerEmbedder,
    folder: Path,
    corpus_dir: Path,
    questions: list[str],
    *,
    quantize: bool = False,
    cache_dir: Path | None = None,
) -> OnnxEmbedder:
    """Export into ``folder`` and check parity there; on failure ``folder`` is removed and ParityError raised."""
    folder = Path(folder)
    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)  # never a mix of an old export's files and a new one's
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".parity-", dir=folder.parent))
    try:
        export_model(reference, folder, quantize=quantize)
        candidate = _load(folder, reference)
        report = check_parity(reference, candidate, corpus_dir, questions, work, cache_dir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("ONNX export checked in %.1f s: %s", time.perf_counter() - started, report.summary())
    if not report.passed:
        shutil.rmtree(folder, ignore_errors=True)
        examples = "; ".join(repr(q) for q in report.rankings_differ[:3])
        raise ParityError(
            f"the ONNX export does not match the torch model ({report.summary()}"
            + (f"; e.g. {examples}" if examples else "")
            + "); nothing was published. Serve with ESSAYBOT_ENCODER=torch, and report this with the "
            "model and onnxruntime versions"
        )
    parity = {
        key: value
        for key, value in asdict(report).items()
        if key in ("texts", "pieces", "questions", "max_cosine_difference", "max_token_cosine_difference")
    }
    (folder / ENCODER_INFO).write_bytes(replace(candidate.info, parity=parity).to_json())
    return _load(folder, reference)


def _load(folder: Path, reference: SentenceTransformerEmbedder) -> OnnxEmbedder:
    return load_onnx_embedder(
        folder, expected=None, model_id=reference.model_id, weights_sha256=reference.weights_sha256
    )


def _max_difference(a: np.ndarray, b: np.ndarray) -> float:
    """The largest 1 - cosine between matching rows (the rows are unit length)."""
    if not len(a):
        return 0.0
    return float(np.max(1.0 - np.sum(np.asarray(a, np.float64) * np.asarray(b, np.float64), axis=1)))


def _ranking(answer) -> tuple:
    return (answer.reason, tuple((e.document, e.paragraph, e.start, e.end) for e in answer.excerpts))
