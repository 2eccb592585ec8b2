"""Build the index from the corpus folder: parse, cut into units, embed, publish atomically."""

import difflib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.building.units import cut_units
from index.corpus.corpus_files import load_corpus
from index.corpus.documents import Document, Paragraph
from index.encoding.cache import EmbeddingCache, text_key
from index.encoding.embedding import Embedder, describe, encoder_sha256, supports_tokens
from index.errors import EssayBotError
from index.scoring.tokens import SentenceTokens
from index.storage.store import FORMAT_VERSION, DocumentRecord, Manifest, read_index, write_index

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (texts encoded so far, texts in all)


@dataclass(frozen=True)
class BuildReport:
    documents: int
    paragraphs: int
    sentences: int
    units: int
    encoded: int  # texts the model had to encode (the rest came from the cache)
    added: int  # paragraphs, compared with the index that was there before
    changed: int
    removed: int
    unchanged: int
    seconds: float
    encoder: str = ""  # which encoder encoded them (its describe())

    def summary(self) -> str:
        return (
            f"{self.documents} document(s), {self.paragraphs} paragraphs, {self.sentences} sentences; "
            f"paragraphs added {self.added}, changed {self.changed}, removed {self.removed}, "
            f"unchanged {self.unchanged}; {self.encoded} of {self.units} texts encoded in {self.seconds:.1f} s"
            + (f" by {self.encoder}" if self.encoder else "")
        )


def build_index(
    corpus_dir: Path,
    out_dir: Path,
    embedder: Embedder,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    batch_size: int = 64,
) -> BuildReport:
    """Build an index of ``corpus_dir`` and publish it at ``out_dir``; the old index stays on failure."""
    started = time.perf_counter()
    documents = load_corpus(corpus_dir)
    paragraphs = [paragraph for document in documents for paragraph in document.paragraphs]
    units, texts = cut_units(documents)
    # Without a cache folder the cache still lives in memory: each text is encoded once per build.
    cache = EmbeddingCache(cache_dir, embedder)
    tokens = None
    if supports_tokens(embedder):
        # Sentences and paragraphs first: their passes give the pooled vectors too, so the unit pass
        # finds them cached.
        sentence_count = sum(len(p.sentences) for p in paragraphs)
        tracker = _Progress(progress, sentence_count + len(paragraphs) + len(texts))
        tokens = _sentence_tokens(paragraphs, cache, tracker, batch_size)
    else:
        tracker = _Progress(progress, len(texts))
    vectors = _encode(texts, embedder, cache, tracker, batch_size)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model_id=embedder.model_id,
        model_sha256=embedder.weights_sha256,
        encoder_sha256=encoder_sha256(embedder),
        dimension=embedder.dimension,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        documents=[_record(document) for document in documents],
        counts={
            "documents": len(documents),
            "paragraphs": len(paragraphs),
            "units": len(units),
            "sentences": sum(len(p.sentences) for p in paragraphs),
        },
    )
    added, changed, removed, unchanged = _compare_with_previous(out_dir, paragraphs)
    # An ONNX encoder's export travels with the index it encoded (a torch encoder has no files).
    encoder_files = getattr(embedder, "files", None) or None
    write_index(out_dir, manifest, paragraphs, units, vectors, tokens, encoder_files)
    cache.save(keep={text_key(text) for text in texts})
    report = BuildReport(
        documents=len(documents),
        paragraphs=len(paragraphs),
        sentences=manifest.counts["sentences"],
        units=len(units),
        encoded=len(cache.encoded),
        added=added,
        changed=changed,
        removed=removed,
        unchanged=unchanged,
        seconds=time.perf_counter() - started,
        encoder=describe(embedder),
    )
    log.info("index built at %s: %s", out_dir, report.summary())
    return report


class _Progress:
    """Reports (texts done, texts in all) across the build's passes."""

    def __init__(self, report: Progress | None, total: int):
        self._report, self._total, self._done = report, total, 0

    def advance(self, count: int) -> None:
        self._done += count
        if self._report is not None:
            self._report(min(self._done, self._total), self._total)


def _encode(
    texts: list[str], embedder: Embedder, cache: EmbeddingCache, progress: _Progress, batch_size: int
) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), batch_size):
        parts.append(cache.encode(texts[start : start + batch_size]))
        progress.advance(len(parts[-1]))
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dimension), dtype=np.float32)


def _sentence_tokens(
    paragraphs: list[Paragraph], cache: EmbeddingCache, progress: _Progress, batch_size: int
) -> SentenceTokens:
    """Word-piece vectors of every sentence, in sentence order, read in the context of its paragraph.

    Late chunking: the paragraph is encoded once and each sentence takes its own pieces' vectors from
    that pass, so "it" or "this alliance" carry what they refer to. A sentence whose pieces cannot be
    found in the paragraph's pass (cut off by the model's 256-piece limit, say) keeps the vectors of
    its own encoding.
    """
    sentences = [[p.sentence_text(i) for i in range(len(p.sentences))] for p in paragraphs]
    own = _encode_tokens([text for texts in sentences for text in texts], cache, progress, batch_size)
    in_context = _encode_tokens([p.text for p in paragraphs], cache, progress, batch_size)
    vectors, owners, pieces = [], [], []
    n = 0
    for texts, context in zip(sentences, in_context, strict=True):
        position = 0
        for _ in texts:
            width = len(own[n].pieces)
            if context.pieces[position : position + width] == own[n].pieces:
                vectors.append(context.tokens[position : position + width])
            else:
                vectors.append(own[n].tokens)
                position = len(context.pieces)  # out of step: the rest of the paragraph keeps its own
            position += width
            owners.extend([n] * width)
            pieces.extend(own[n].pieces)
            n += 1
    return SentenceTokens(
        vectors=np.concatenate(vectors).astype(np.float32),
        sentence=np.asarray(owners, dtype=np.int32),
        pieces=np.asarray(pieces, dtype=str),
    )


def _encode_tokens(texts: list[str], cache: EmbeddingCache, progress: _Progress, batch_size: int) -> list:
    encodings = []
    for start in range(0, len(texts), batch_size):
        encodings.extend(cache.encode_with_tokens(texts[start : start + batch_size]))
        progress.advance(len(texts[start : start + batch_size]))
    return encodings


def _record(document: Document) -> DocumentRecord:
    return DocumentRecord(
        id=document.id,
        title=document.title,
        author=document.author,
        date=document.date,
        author_affiliation=document.author_affiliation,
        publisher=document.publisher,
        url=document.url,
        sha256=document.sha256,
        paragraphs=len(document.paragraphs),
        sentences=sum(len(p.sentences) for p in document.paragraphs),
        sections=list(document.sections),
        aliases=[list(group) for group in document.aliases],
        examples=list(document.examples),
    )


def _compare_with_previous(out_dir: Path, paragraphs: list[Paragraph]) -> tuple[int, int, int, int]:
    """(added, changed, removed, unchanged) paragraphs against the index now at ``out_dir``, per document."""
    try:
        previous = read_index(out_dir).paragraphs
    except EssayBotError:
        previous = []
    added = changed = removed = unchanged = 0
    for document in sorted({p.document for p in paragraphs} | {p.document for p in previous}):
        old = [p.text for p in previous if p.document == document]
        new = [p.text for p in paragraphs if p.document == document]
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
            if tag == "equal":
                unchanged += i2 - i1
            elif tag == "replace":
                changed += min(i2 - i1, j2 - j1)
                removed += max(0, (i2 - i1) - (j2 - j1))
                added += max(0, (j2 - j1) - (i2 - i1))
            elif tag == "delete":
                removed += i2 - i1
            else:
                added += j2 - j1
    return added, changed, removed, unchanged
