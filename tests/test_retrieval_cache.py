"""The embedding cache keeps token vectors too: a rebuild after a small edit encodes only the edited text."""

import re

import numpy as np

from index.building.build import build_index
from index.building.units import cut_units
from index.corpus.corpus_files import load_corpus
from index.encoding.cache import EmbeddingCache
from index.encoding.embedding import TokenEncoding
from index.storage.store import read_index
from tests.conftest import HashingEmbedder


class CountingTokenEmbedder(HashingEmbedder):
    """A fake with token vectors (one per word), recording every text it is asked to encode."""

    def __init__(self):
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts.extend(texts)
        return super().encode(texts)

    def encode_with_tokens(self, texts):
        self.texts.extend(texts)
        pooled = super().encode(texts)
        encodings = []
        for vector, text in zip(pooled, texts, strict=True):
            pieces = tuple(re.findall(r"[a-z0-9]+", text.lower())) or ("empty",)
            encodings.append(TokenEncoding(vector, super().encode(list(pieces)), pieces))
        return encodings


def _paragraph_texts(corpus_dir, needle: str) -> set[str]:
    """Every embedded text (sentences, paragraph, heading) of the paragraph holding ``needle``."""
    documents = load_corpus(corpus_dir)
    units, texts = cut_units(documents)
    paragraphs = [p for d in documents for p in d.paragraphs]
    row = next(n for n, p in enumerate(paragraphs) if needle in p.text)
    return {text for unit, text in zip(units, texts, strict=True) if unit.paragraph == row}


def test_rebuild_after_one_paragraph_edit_encodes_only_that_paragraph(corpus_copy, tmp_path):
    embedder = CountingTokenEmbedder()
    build_index(corpus_copy, tmp_path / "index", embedder, cache_dir=tmp_path / "cache")
    essay = next(corpus_copy.glob("*.md"))
    essay.write_text(essay.read_text(encoding="utf-8").replace("The conclusion is simple.", "It is plain."))
    embedder.texts.clear()

    report = build_index(corpus_copy, tmp_path / "index", embedder, cache_dir=tmp_path / "cache")

    edited = _paragraph_texts(corpus_copy, "It is plain.")
    assert embedder.texts, "the edited paragraph must be encoded"
    assert set(embedder.texts) <= edited
    assert len(embedder.texts) == len(set(embedder.texts)), "no text may be encoded twice"
    assert report.encoded == len(embedder.texts)


def test_unchanged_rebuild_encodes_nothing_and_gives_the_same_token_vectors(corpus_copy, tmp_path):
    embedder = CountingTokenEmbedder()
    build_index(corpus_copy, tmp_path / "first", embedder, cache_dir=tmp_path / "cache")
    embedder.texts.clear()

    report = build_index(corpus_copy, tmp_path / "second", embedder, cache_dir=tmp_path / "cache")

    assert embedder.texts == [] and report.encoded == 0
    first, second = read_index(tmp_path / "first").tokens, read_index(tmp_path / "second").tokens
    np.testing.assert_array_equal(first.vectors, second.vectors)
    np.testing.assert_array_equal(first.sentence, second.sentence)
    np.testing.assert_array_equal(first.pieces, second.pieces)


def test_a_build_without_cache_folder_encodes_each_sentence_once(corpus_copy, tmp_path):
    embedder = CountingTokenEmbedder()

    build_index(corpus_copy, tmp_path / "index", embedder)

    assert len(embedder.texts) == len(set(embedder.texts))


def test_token_cache_files_are_plain_npy_without_pickle(corpus_copy, tmp_path):
    embedder = CountingTokenEmbedder()
    build_index(corpus_copy, tmp_path / "index", embedder, cache_dir=tmp_path / "cache")

    arrays = list((tmp_path / "cache").rglob("*.npy"))

    assert {path.name for path in arrays} >= {"offsets.npy", "vectors.npy", "pieces.npy"}
    for path in arrays:
        assert np.load(path, allow_pickle=False).dtype != object


def test_a_token_cache_with_mismatched_files_is_ignored(corpus_copy, tmp_path):
    embedder = CountingTokenEmbedder()
    build_index(corpus_copy, tmp_path / "index", embedder, cache_dir=tmp_path / "cache")
    offsets = next((tmp_path / "cache").rglob("offsets.npy"))
    np.save(offsets, np.load(offsets)[:-5], allow_pickle=False)

    cache = EmbeddingCache(tmp_path / "cache", embedder)
    embedder.texts.clear()
    cache.encode_with_tokens(["China and Russia."])

    assert embedder.texts == ["China and Russia."]
