"""The index on disk: manifest.json, paragraphs.jsonl, units.jsonl and a FAISS file; no pickle anywhere."""

# A build is written to a fresh sibling folder, fsynced, and renamed over the old one, so a reader
# sees either the old index or the new one, never half of one.

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from index.corpus.documents import Paragraph, Sentence
from index.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from index.scoring.tokens import SentenceTokens
from index.storage.files import file_sha256, fsync_dir

FORMAT_VERSION = 5  # 2: optional sentence token files for MaxSim; 3: token vectors read in paragraph context;
# 4: no sentence-window units (never scored); 5: no sentence-alone token vectors (abstention reads the ranking's)
MANIFEST = "manifest.json"
PARAGRAPHS = "paragraphs.jsonl"
UNITS = "units.jsonl"
VECTORS = "vectors.faiss"
# Optional: written when the embedder gives token vectors (the real model does; test fakes need not).
TOKEN_VECTORS = "token_vectors.npy"
TOKEN_SENTENCES = "token_sentences.npy"
TOKEN_PIECES = "token_pieces.npy"
TOKEN_FILES = (TOKEN_VECTORS, TOKEN_SENTENCES, TOKEN_PIECES)
REBUILD_HINT = "essaybot index build"


@dataclass(frozen=True)
class Unit:
    """One embedded piece of text: sentences ``first..last`` of a paragraph, or a section heading."""

    kind: str  # "sentence", "paragraph" or "heading"
    paragraph: int  # row in the paragraph table (for "heading": its first paragraph)
    first: int = 0
    last: int = 0


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    title: str
    author: str
    date: str
    author_affiliation: str
    publisher: str
    url: str
    sha256: str
    paragraphs: int
    sentences: int
    sections: list[str]
    aliases: list[list[str]]
    examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model_id: str
    model_sha256: str
    dimension: int
    built_at: str
    documents: list[DocumentRecord]
    counts: dict[str, int]
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    # sha256 of the ONNX export that encoded the vectors (over its graph's and weights' hashes, both
    # among ``files``), beside the torch weights it was exported from (model_sha256); empty when
    # torch encoded them.
    encoder_sha256: str = ""

    @property
    def corpus_sha256(self) -> str:
        digest = hashlib.sha256()
        for document in sorted(self.documents, key=lambda record: record.id):
            digest.update(f"{document.id}\0{document.sha256}\n".encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class StoredIndex:
    manifest: Manifest
    paragraphs: list[Paragraph]
    units: list[Unit]
    vectors: faiss.Index
    tokens: SentenceTokens | None = None


def write_index(
    out_dir: Path,
    manifest: Manifest,
    paragraphs: list[Paragraph],
    units: list[Unit],
    vectors: np.ndarray,
    tokens: SentenceTokens | None = None,
    encoder_files: dict[str, tuple[Path, str]] | None = None,
) -> None:
    """Publish an index at ``out_dir`` atomically, replacing any index already there.

    ``encoder_files`` (name -> (path, sha256)) are copied in beside the vectors: the exported model
    that encoded them (index/encoding/onnx_encoder.py), so that serving and the next rebuild find it with the
    index. A copy whose hash is not the one given is refused.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        files = {
            PARAGRAPHS: _write_jsonl(staging / PARAGRAPHS, (_paragraph_json(p) for p in paragraphs)),
            UNITS: _write_jsonl(staging / UNITS, (asdict(unit) for unit in units)),
            VECTORS: _write_vectors(staging / VECTORS, vectors),
        }
        if tokens is not None:
            files[TOKEN_VECTORS] = _write_array(staging / TOKEN_VECTORS, tokens.vectors.astype(np.float16))
            files[TOKEN_SENTENCES] = _write_array(staging / TOKEN_SENTENCES, tokens.sentence.astype(np.int32))
            files[TOKEN_PIECES] = _write_array(staging / TOKEN_PIECES, np.asarray(tokens.pieces, dtype=str))
        for name, (source, expected) in (encoder_files or {}).items():
            files[name] = _copy_file(Path(source), staging / name)
            if files[name] != expected:
                raise IndexCorruptError(
                    f"the exported model's {source} changed while the index was built (sha256 "
                    f"{files[name][:12]}…, encoded with {expected[:12]}…); rebuild with: {REBUILD_HINT}"
                )
        complete = Manifest(**{**asdict(manifest), "documents": manifest.documents, "files": files})
        _write_bytes(staging / MANIFEST, json.dumps(asdict(complete), indent=2, ensure_ascii=False).encode())
        fsync_dir(staging)
        # Read it back as a server will load it: an index that cannot be loaded is never published,
        # so a bad build cannot replace a good one that the next start would have served.
        read_index(staging)
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_manifest(index_dir: Path) -> Manifest:
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index at {index_dir}; build one with: {REBUILD_HINT}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["documents"] = [DocumentRecord(**record) for record in data["documents"]]
        manifest = Manifest(**data)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise IndexCorruptError(
            f"index manifest {path} is unreadable ({type(error).__name__}); rebuild with: {REBUILD_HINT}"
        ) from None
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {index_dir} has format version {manifest.format_version}, this essaybot reads "
            f"version {FORMAT_VERSION}; rebuild with: {REBUILD_HINT}"
        )
    return manifest


def check_model(manifest: Manifest, model_id: str, model_sha256: str, index_dir: Path) -> None:
    """Refuse an index whose vectors came from another model than the one that will encode questions."""
    differences = []
    if manifest.model_id != model_id:
        differences.append(f"model {manifest.model_id!r} (configured: {model_id!r})")
    if manifest.model_sha256 != model_sha256:
        differences.append(f"weights sha256 {manifest.model_sha256[:12]}… (configured: {model_sha256[:12]}…)")
    if differences:
        raise IndexMismatchError(
            f"index at {index_dir} was built with {' and '.join(differences)}; rebuild with: {REBUILD_HINT}"
        )


def read_index(index_dir: Path) -> StoredIndex:
    """Load and verify an index; every file must match the hash its manifest recorded."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    has_tokens = all(name in manifest.files for name in TOKEN_FILES)
    for name in (PARAGRAPHS, UNITS, VECTORS, *(TOKEN_FILES if has_tokens else ())):
        path = index_dir / name
        if not path.is_file():
            raise IndexCorruptError(f"index file {path} is missing; rebuild with: {REBUILD_HINT}")
        if file_sha256(path) != manifest.files.get(name):
            raise IndexCorruptError(
                f"index file {path} does not match its manifest (corrupted or truncated); "
                f"rebuild with: {REBUILD_HINT}"
            )
    try:
        paragraphs = [_paragraph_from_json(row) for row in _read_jsonl(index_dir / PARAGRAPHS)]
        units = [Unit(**row) for row in _read_jsonl(index_dir / UNITS)]
        # Memory-mapped and read-only: processes serving the same index share its pages.
        vectors = faiss.read_index(str(index_dir / VECTORS), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        tokens = _read_tokens(index_dir) if has_tokens else None
    except (ValueError, KeyError, TypeError, RuntimeError) as error:
        raise IndexCorruptError(
            f"index at {index_dir} is unreadable ({error}); rebuild with: {REBUILD_HINT}"
        ) from None
    if vectors.ntotal != len(units) or vectors.d != manifest.dimension:
        raise IndexCorruptError(
            f"index at {index_dir} holds {vectors.ntotal} vectors of dimension {vectors.d}, its manifest "
            f"expects {len(units)} of dimension {manifest.dimension}; rebuild with: {REBUILD_HINT}"
        )
    sentences = sum(len(paragraph.sentences) for paragraph in paragraphs)
    if tokens is not None and (
        tokens.vectors.shape != (len(tokens.sentence), manifest.dimension)
        or len(tokens.pieces) != len(tokens.sentence)
        or (len(tokens.sentence) and int(tokens.sentence.max()) >= sentences)
    ):
        raise IndexCorruptError(
            f"index at {index_dir} has token files that do not match its sentences; rebuild with: {REBUILD_HINT}"
        )
    return StoredIndex(manifest, paragraphs, units, vectors, tokens)


def _read_tokens(index_dir: Path) -> SentenceTokens:
    # Memory-mapped like the FAISS file; never pickled.
    return SentenceTokens(
        vectors=np.load(index_dir / TOKEN_VECTORS, mmap_mode="r", allow_pickle=False),
        sentence=np.load(index_dir / TOKEN_SENTENCES, allow_pickle=False),
        pieces=np.load(index_dir / TOKEN_PIECES, allow_pickle=False),
    )


def _write_array(path: Path, array: np.ndarray) -> str:
    with path.open("wb") as handle:
        np.save(handle, array, allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
    return file_sha256(path)


def _copy_file(source: Path, target: Path) -> str:
    with source.open("rb") as reader, target.open("wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
        writer.flush()
        os.fsync(writer.fileno())
    return file_sha256(target)


def _paragraph_json(paragraph: Paragraph) -> dict:
    return {
        "document": paragraph.document,
        "number": paragraph.number,
        "section": paragraph.section,
        "text": paragraph.text,
        "sentences": [[s.start, s.end] for s in paragraph.sentences],
    }


def _paragraph_from_json(row: dict) -> Paragraph:
    sentences = tuple(Sentence(start, end) for start, end in row["sentences"])
    return Paragraph(row["document"], row["number"], row["section"], row["text"], sentences)


def _write_jsonl(path: Path, rows) -> str:
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    return _write_bytes(path, data)


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _write_vectors(path: Path, vectors: np.ndarray) -> str:
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(flat, str(path))
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())
    return file_sha256(path)


def _write_bytes(path: Path, data: bytes) -> str:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return hashlib.sha256(data).hexdigest()


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging``: rename the old one aside, rename the new one in, then delete the old."""
    retired = None
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        retired.rmdir()
        out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        if retired is not None:
            retired.rename(out_dir)
        raise
    fsync_dir(out_dir.parent)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
