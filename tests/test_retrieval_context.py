"""Round 3: sentence pieces read in their paragraph's context, and cosines centred on the corpus."""

import numpy as np

from index.building.build import _sentence_tokens
from index.corpus.documents import Paragraph, Sentence
from index.encoding.cache import EmbeddingCache
from index.encoding.embedding import TokenEncoding
from index.scoring.scorer import Centring
from tests.conftest import HashingEmbedder


class ContextEmbedder(HashingEmbedder):
    """One piece per word; a piece's vector depends on the whole text, as a transformer's does."""

    def encode_with_tokens(self, texts):
        encodings = []
        for text, pooled in zip(texts, super().encode(texts), strict=True):
            pieces = tuple(text.lower().replace(".", "").split())
            tokens = super().encode([f"{piece} in {text}" for piece in pieces])
            encodings.append(TokenEncoding(pooled, tokens, pieces))
        return encodings


def _paragraph(text: str) -> Paragraph:
    first = text.index(".") + 1
    return Paragraph("doc", 1, "Intro", text, (Sentence(0, first), Sentence(first + 1, len(text))))


def test_sentence_pieces_take_their_vectors_from_the_paragraph_pass():
    embedder = ContextEmbedder()
    paragraph = _paragraph("The treaty was signed. It lasted ten years.")

    tokens = _sentence_tokens([paragraph], EmbeddingCache(None, embedder), _NoProgress(), 8)

    in_context = embedder.encode_with_tokens([paragraph.text])[0].tokens
    np.testing.assert_allclose(tokens.vectors, in_context, atol=1e-3)  # the cache keeps float16
    assert tokens.sentence.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_centring_removes_what_every_sentence_shares():
    rng = np.random.default_rng(0)
    shared = rng.normal(size=16)
    vectors = shared * 5 + rng.normal(size=(40, 16))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    centred = Centring(vectors, components=1).apply(vectors)

    assert abs(float(np.mean(centred @ (shared / np.linalg.norm(shared))))) < 0.1
    np.testing.assert_allclose(np.linalg.norm(centred, axis=1), 1.0)


class _NoProgress:
    def advance(self, count: int) -> None:
        pass
