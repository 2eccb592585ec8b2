"""The index on disk: plain files checked against the manifest, published atomically, refused when wrong."""

import json
from collections import Counter

import faiss
import numpy as np
import pytest

from index.answering.engine import Engine
from index.building.build import build_index
from index.errors import CorpusError, IndexCorruptError, IndexMismatchError, IndexMissingError
from index.storage import store
from index.storage.store import MANIFEST, PARAGRAPHS, TOKEN_FILES, UNITS, VECTORS, read_index
from tests.conftest import HashingEmbedder, TokenHashingEmbedder, corpus_paragraph_count, write_document

PARAGRAPHS_IN_CORPUS = corpus_paragraph_count()

write_jsonl = store._write_jsonl  # the real writer, kept before a test replaces it


@pytest.fixture
def built(tmp_path, corpus_copy, hashing_embedder):
    out = tmp_path / "index"
    report = build_index(corpus_copy, out, hashing_embedder)
    return out, report


def test_an_index_round_trips_through_its_files(built, corpus_copy):
    out, report = built

    stored = read_index(out)

    assert report.paragraphs == len(stored.paragraphs) == PARAGRAPHS_IN_CORPUS
    assert stored.manifest.model_id == HashingEmbedder.model_id
    assert stored.manifest.counts["paragraphs"] == PARAGRAPHS_IN_CORPUS
    assert stored.vectors.ntotal == len(stored.units)
    assert {record.id for record in stored.manifest.documents} == {p.stem for p in corpus_copy.glob("*.md")}


def test_every_index_file_is_a_plain_format_read_whole_without_pickle(tmp_path, corpus_copy):
    out = tmp_path / "index"
    build_index(corpus_copy, out, TokenHashingEmbedder())
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    files = manifest["files"]

    assert sorted(path.name for path in out.iterdir()) == sorted([MANIFEST, *files])
    assert set(TOKEN_FILES) <= set(files)
    rows = {}
    for name in files:
        path = out / name
        if name.endswith(".jsonl"):
            rows[name] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            assert rows[name] and all(isinstance(row, dict) for row in rows[name]), name
        elif name.endswith(".npy"):
            array = np.load(path, allow_pickle=False)  # refuses object arrays, which would be pickles
            assert array.dtype.kind in "fiuU", (name, array.dtype)
        else:
            assert name == VECTORS
    vectors = faiss.read_index(str(out / VECTORS))
    assert len(rows[PARAGRAPHS]) == manifest["counts"]["paragraphs"] == PARAGRAPHS_IN_CORPUS
    assert vectors.ntotal == len(rows[UNITS]) == manifest["counts"]["units"]
    assert vectors.d == manifest["dimension"]


def test_a_rebuild_reports_what_changed(tmp_path, built, corpus_copy, hashing_embedder):
    out, _ = built
    essay = next(corpus_copy.glob("*.md"))
    text = essay.read_text(encoding="utf-8")
    text = text.replace("The conclusion is simple.", "The conclusion is short.")
    essay.write_text(text + "\nA closing paragraph added for the test.\n", encoding="utf-8")

    report = build_index(corpus_copy, out, hashing_embedder, cache_dir=tmp_path / "cache")

    assert (report.added, report.changed, report.removed) == (1, 1, 0)
    assert report.unchanged == PARAGRAPHS_IN_CORPUS - 1


def test_a_rebuild_with_the_cache_encodes_only_the_changed_text(tmp_path, corpus_copy):
    embedder = CountingEmbedder()
    build_index(corpus_copy, tmp_path / "index", embedder, cache_dir=tmp_path / "cache")
    first = embedder.encoded
    essay = next(corpus_copy.glob("*.md"))
    essay.write_text(essay.read_text(encoding="utf-8").replace("The conclusion is simple.", "It is plain."))

    report = build_index(corpus_copy, tmp_path / "index", embedder, cache_dir=tmp_path / "cache")

    assert 0 < embedder.encoded - first < 10
    assert report.encoded == embedder.encoded - first


def test_a_failed_build_leaves_the_published_index_untouched(built, corpus_copy, hashing_embedder):
    out, _ = built
    before = (out / MANIFEST).read_bytes()
    (corpus_copy / "broken.md").write_bytes(b"\xff\xfe not utf-8")

    with pytest.raises(CorpusError, match=r"broken\.md"):
        build_index(corpus_copy, out, hashing_embedder)

    assert (out / MANIFEST).read_bytes() == before
    assert read_index(out).manifest.counts["paragraphs"] == PARAGRAPHS_IN_CORPUS
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


def test_an_index_that_would_not_load_is_never_published(built, corpus_copy, hashing_embedder, monkeypatch):
    out, _ = built
    before = (out / MANIFEST).read_bytes()
    # The paragraphs file is written, but its recorded hash is wrong: as if the disk had corrupted it.
    monkeypatch.setattr(store, "_write_jsonl", lambda path, rows: (write_jsonl(path, rows), "0" * 64)[1])

    with pytest.raises(IndexCorruptError):
        build_index(corpus_copy, out, hashing_embedder)

    assert (out / MANIFEST).read_bytes() == before
    assert read_index(out).manifest.counts["paragraphs"] == PARAGRAPHS_IN_CORPUS
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


def test_a_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexMissingError, match="essaybot index build"):
        read_index(tmp_path / "nowhere")


def test_a_truncated_manifest_is_reported_as_corrupt(built):
    out, _ = built
    manifest = out / MANIFEST
    manifest.write_bytes(manifest.read_bytes()[:50])

    with pytest.raises(IndexCorruptError, match="essaybot index build"):
        read_index(out)


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_a_damaged_index_file_is_detected(built, damage):
    out, _ = built
    path = out / PARAGRAPHS
    data = path.read_bytes()
    if damage == "flip":
        path.write_bytes(data[:100] + bytes([data[100] ^ 0x01]) + data[101:])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.unlink()

    with pytest.raises(IndexCorruptError, match=PARAGRAPHS):
        read_index(out)


def test_an_index_from_another_model_is_refused_with_the_fix(built):
    out, _ = built

    class OtherModel(HashingEmbedder):
        model_id = "someone/else"

    with pytest.raises(IndexMismatchError, match="someone/else") as error:
        Engine.load(out, OtherModel())
    assert "essaybot index build" in str(error.value)


# The previous formats embedded sentence windows (3) or stored sentence-alone token vectors (4), which
# nothing reads now; their units no longer line up with this essaybot's, so they are rebuilt, not served.
@pytest.mark.parametrize("version", [store.FORMAT_VERSION - 1, 999])
def test_an_index_of_another_format_version_is_refused_with_the_rebuild_command(built, version):
    out, _ = built
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["format_version"] = version
    (out / MANIFEST).write_text(json.dumps(manifest))

    with pytest.raises(IndexMismatchError) as error:
        read_index(out)

    message = str(error.value)
    assert f"format version {version}" in message and f"reads version {store.FORMAT_VERSION}" in message
    assert message.endswith("rebuild with: essaybot index build") and "\n" not in message


def test_the_index_embeds_each_sentence_paragraph_and_heading_once(built):
    out, report = built

    stored = read_index(out)

    kinds = Counter(unit.kind for unit in stored.units)
    sentences = sum(len(paragraph.sentences) for paragraph in stored.paragraphs)
    headings = sum(len(record.sections) for record in stored.manifest.documents)
    assert kinds == {"sentence": sentences, "paragraph": len(stored.paragraphs), "heading": headings}
    assert stored.vectors.ntotal == len(stored.units) == stored.manifest.counts["units"] == report.units


def test_a_second_document_is_indexed_and_cited(tmp_path, corpus_copy, hashing_embedder):
    write_document(
        corpus_copy, "zebras", "## Stripes\n\nZebras have black and white stripes.\n", title="On Zebras"
    )
    build_index(corpus_copy, tmp_path / "index", hashing_embedder)
    engine = Engine.load(tmp_path / "index", hashing_embedder)

    stored = read_index(tmp_path / "index")

    assert any(p.document == "zebras" for p in stored.paragraphs)
    assert engine.paragraph("zebras", 1).section == "Stripes"
    assert "On Zebras" in [record.title for record in engine.info.documents]


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        self.encoded = 0

    def encode(self, texts):
        self.encoded += len(texts)
        return super().encode(texts)
