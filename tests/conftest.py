"""Shared fixtures: isolated settings, the essay, a fast fake embedder, and the real model and index
(built once per run, only for tests marked ``model``)."""

import hashlib
import logging
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from index.encoding.embedding import TokenEncoding

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "corpus"
SHARED = REPO.parent / "shared"
DEV_SET = SHARED / "eval" / "dev.jsonl"
DEV_CHAT_SET = SHARED / "eval" / "dev_chat.jsonl"
# Read at start-up, before any fixture clears ESSAYBOT_* settings variables: an explicit, local opt-out.
SKIP_DEV_EVAL = "ESSAYBOT_SKIP_DEV_EVAL"
DEV_EVAL_SKIPPED = os.environ.get(SKIP_DEV_EVAL) == "1"

# Fixtures that load the real embedding model; a test using one must be marked ``model``.
REAL_MODEL_FIXTURES = {"real_embedder", "real_index_dir", "real_engine"}
# Modules only the real model imports. `make test-fast` (-m "not model") must never import them.
MODEL_MODULES = ("torch", "sentence_transformers")


def require_dev_set(path: Path = DEV_SET) -> Path:
    """A dev set's path (``dev.jsonl`` unless named). Its absence fails the test that needs it, saying
    where the file should be, unless ESSAYBOT_SKIP_DEV_EVAL=1 opts out (locally; CI must have the file)."""
    if not path.is_file():
        if DEV_EVAL_SKIPPED:
            pytest.skip(f"{SKIP_DEV_EVAL}=1: the dev set at {path} is not checked")
        pytest.fail(
            f"the dev set is missing: expected {path} (the shared eval folder beside the repository); "
            f"without it there is no quality gate. To skip it locally, set {SKIP_DEV_EVAL}=1.",
            pytrace=False,
        )
    return path


def corpus_paragraph_count(corpus_dir: Path = CORPUS_DIR) -> int:
    """How many paragraphs the corpus has, counted by the parser rather than written down in a test."""
    from index.corpus.corpus_files import load_corpus

    return sum(len(document.paragraphs) for document in load_corpus(corpus_dir))


def corpus_sentences(corpus_dir: Path = CORPUS_DIR) -> list[str]:
    """Every sentence of the corpus as the parser cuts it: where a gold span must lie, whole."""
    from index.corpus.corpus_files import load_corpus

    return [
        paragraph.sentence_text(i)
        for document in load_corpus(corpus_dir)
        for paragraph in document.paragraphs
        for i in range(len(paragraph.sentences))
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("model") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests load the real model but are not marked @pytest.mark.model: " + ", ".join(unmarked)
        )


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings see only what a test gives them: never the developer's .env, ESSAYBOT_* variables or
    /run/secrets (a real token or channel ids there would change what the tests check)."""
    from bot import settings

    fields = {f"ESSAYBOT_{name}".upper() for name in settings.Settings.model_fields}
    for name in [name for name in os.environ if name.upper() in fields]:
        monkeypatch.delenv(name)
    monkeypatch.setitem(settings.Settings.model_config, "env_file", None)
    monkeypatch.setattr(settings, "SECRETS_DIR", Path("/nonexistent/essaybot-tests/secrets"))


@pytest.fixture(autouse=True)
def real_model_only_when_marked(request: pytest.FixtureRequest):
    """A test not marked ``model`` must not pay for the model: it would slow `make test-fast`."""
    before = {name for name in MODEL_MODULES if name in sys.modules}
    yield
    if request.node.get_closest_marker("model") is None:
        imported = sorted(name for name in MODEL_MODULES if name in sys.modules and name not in before)
        assert not imported, f"imported {imported} without @pytest.mark.model; mark the test or use a fake"


class HashingEmbedder:
    """A deterministic bag-of-words embedder: fast, no model, same interface as the real one.

    Texts sharing words get similar vectors, which is enough to exercise building, storing and
    searching without the cost of the real model.
    """

    model_id = "test/hashing-embedder"
    weights_sha256 = hashlib.sha256(b"hashing-embedder").hexdigest()
    dimension = 64

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
                vectors[row, bucket % self.dimension] += 1.0
            vectors[row, 0] += 1e-3  # never the zero vector
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class TokenHashingEmbedder(HashingEmbedder):
    """The hashing embedder with word vectors too, so that a build also writes the token files."""

    def encode_with_tokens(self, texts: list[str]) -> list[TokenEncoding]:
        encodings = []
        for text, vector in zip(texts, self.encode(texts), strict=True):
            words = tuple(re.findall(r"[a-z0-9]+", text.lower())) or ("empty",)
            encodings.append(TokenEncoding(vector, self.encode(list(words)), words))
        return encodings


@pytest.fixture
def restore_logging():
    """``runner.run`` and ``configure_logging`` install their own root handler; put the test's back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    from bot.settings import PACKAGED_MODEL_SHA256
    from index.encoding.embedding import PACKAGED_MODEL, load_embedder

    return load_embedder(PACKAGED_MODEL, PACKAGED_MODEL_SHA256)


@pytest.fixture(scope="session")
def real_embedding_cache(tmp_path_factory) -> Path:
    """The real model's embedding cache: a test building a corpus that differs a little encodes only that."""
    return tmp_path_factory.mktemp("real-cache")


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory, real_embedder, real_embedding_cache) -> Path:
    """The corpus indexed with the real model, once per session, for tests that only read it."""
    from index.building.build import build_index

    out = tmp_path_factory.mktemp("real-index") / "index"
    build_index(CORPUS_DIR, out, real_embedder, cache_dir=real_embedding_cache)
    return out


@pytest.fixture(scope="session")
def real_engine(real_index_dir, real_embedder):
    from index.answering.engine import Engine

    return Engine.load(real_index_dir, real_embedder)


@pytest.fixture(scope="session")
def hashing_index_dir(tmp_path_factory) -> Path:
    """The corpus indexed with the hashing embedder, once per session, for tests that only read it."""
    from index.building.build import build_index

    out = tmp_path_factory.mktemp("hashing-index") / "index"
    build_index(CORPUS_DIR, out, HashingEmbedder())
    return out


@pytest.fixture(scope="session")
def essay_lexicon(hashing_index_dir):
    """The essay's words, numbers and date (a scorer takes about half a second to read them)."""
    from index.scoring.parameters import load_parameters
    from index.scoring.scorer import Scorer
    from index.storage.store import read_index

    (lexicon,) = Scorer(read_index(hashing_index_dir), load_parameters()).lexicons.values()
    return lexicon


def engine_with(index_dir: Path, embedder, *, abstention=None, last_paragraph: float | None = None):
    """The engine Engine.load gives for ``index_dir``, without the turn model's second opinion on refusals,
    and with its abstention or its lift for the paragraph the last answer quoted replaced."""
    from index.answering.engine import Engine
    from index.scoring.abstain import Abstainer
    from index.scoring.parameters import load_parameters
    from index.scoring.question_maps import uncalibrated_documents
    from index.scoring.scorer import Scorer
    from index.scoring.search import FaissSearch
    from index.storage.store import read_index

    stored = read_index(index_dir)
    parameters = load_parameters(embedder.weights_sha256, embedder.dimension)
    return Engine(
        stored.manifest,
        Scorer(stored, parameters),
        FaissSearch(stored.vectors),
        embedder,
        abstention or Abstainer.of(parameters),
        uncalibrated=uncalibrated_documents(stored.paragraphs, parameters.documents),
        last_paragraph=parameters.last_paragraph if last_paragraph is None else last_paragraph,
        new_number_context=parameters.new_number_context,
    )


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the corpus folder."""
    target = tmp_path / "corpus"
    target.mkdir()
    for path in CORPUS_DIR.glob("*.md"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


def write_document(folder: Path, name: str, body: str, title: str = "A Test Document") -> Path:
    path = folder / f"{name}.md"
    path.write_text(
        f'---\ntitle: "{title}"\nauthor: "Test Author"\ndate: "2024-01-01"\n---\n\n{body}', encoding="utf-8"
    )
    return path
