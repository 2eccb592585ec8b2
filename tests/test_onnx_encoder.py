"""The ONNX Runtime encoder: torch's answers without torch, and a clear line for every unusable export."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import bot.runtime
from bot.runtime import build_embedder, load_embedder, load_engine, rebuild_index
from bot.settings import PACKAGED_MODEL_SHA256, Settings
from index.answering.engine import Engine
from index.building.build import build_index
from index.encoding.onnx_encoder import (
    ENCODER_FILES,
    ENCODER_INFO,
    ENCODER_ONNX,
    ENCODER_WEIGHTS,
    export_sha256,
    load_onnx_embedder,
)
from index.encoding.onnx_export import ParityError, ParityReport, export_checked, export_model
from index.errors import IndexCorruptError, ModelError
from index.evaluation import load_items
from index.storage.store import read_index, read_manifest
from tests.conftest import CORPUS_DIR, DEV_SET, REPO

pytestmark = pytest.mark.model

CALIBRATION = REPO / "data" / "calibration" / "questions.jsonl"
QUESTION = "What did Putin say at the Valdai Club?"


@pytest.fixture(scope="session")
def onnx_export_dir(tmp_path_factory, real_embedder):
    folder = tmp_path_factory.mktemp("onnx") / "export"
    export_model(real_embedder, folder)
    return folder


@pytest.fixture(scope="session")
def onnx_embedder(onnx_export_dir, real_embedder):
    return load_onnx_embedder(
        onnx_export_dir,
        expected=None,
        model_id=real_embedder.model_id,
        weights_sha256=real_embedder.weights_sha256,
    )


@pytest.fixture(scope="session")
def onnx_index_dir(tmp_path_factory, onnx_embedder):
    out = tmp_path_factory.mktemp("onnx-index") / "index"
    build_index(CORPUS_DIR, out, onnx_embedder)
    return out


@pytest.fixture(autouse=True)
def fresh_encoders():
    """Each test loads its own encoder: the runtime keeps one per process."""
    bot.runtime._serving_encoder.cache_clear()
    yield
    bot.runtime._serving_encoder.cache_clear()


def _settings(tmp_path, index_dir, **values) -> Settings:
    return Settings(corpus_dir=CORPUS_DIR, data_dir=tmp_path / "data", index_dir=index_dir, **values)


def _copy(index_dir, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    return target


def test_onnx_vectors_are_the_torch_vectors_pooled_and_per_token(real_embedder, onnx_embedder):
    texts = [QUESTION, "a", "The alliance " * 300]  # one past the model's 256-piece limit

    torch_tokens = real_embedder.encode_with_tokens(texts)
    onnx_tokens = onnx_embedder.encode_with_tokens(texts)

    pooled = np.sum(real_embedder.encode(texts) * onnx_embedder.encode(texts), axis=1)
    assert np.all(pooled > 1 - 1e-5), pooled
    for a, b in zip(torch_tokens, onnx_tokens, strict=True):
        assert a.pieces == b.pieces
        assert np.all(np.sum(a.tokens * b.tokens, axis=1) > 1 - 1e-5)
        assert np.allclose(a.vector, b.vector, atol=1e-5)


def test_onnx_answers_every_calibration_and_dev_question_as_torch_does(
    real_engine, onnx_index_dir, onnx_embedder
):
    questions = [item.question for item in load_items(CALIBRATION)]
    if DEV_SET.is_file():
        questions += [item.question for item in load_items(DEV_SET)]
    onnx_engine = Engine.load(onnx_index_dir, onnx_embedder)

    on_torch = real_engine.answer_many(questions, k=5)
    on_onnx = onnx_engine.answer_many(questions, k=5)

    def ranking(answer):
        return (answer.reason, [(e.document, e.paragraph, e.start, e.end) for e in answer.excerpts])

    differ = [q for q, a, b in zip(questions, on_torch, on_onnx, strict=True) if ranking(a) != ranking(b)]
    assert differ == []


def test_the_index_records_the_export_beside_the_weights_and_carries_it(onnx_index_dir, onnx_embedder):
    manifest = read_manifest(onnx_index_dir)

    assert manifest.encoder_sha256 == onnx_embedder.encoder_sha256
    assert manifest.model_sha256 == PACKAGED_MODEL_SHA256
    assert set(ENCODER_FILES) <= set(manifest.files)
    assert export_sha256(manifest.files) == onnx_embedder.encoder_sha256


def test_the_serving_path_never_imports_torch(onnx_index_dir, tmp_path):
    script = (
        "import json, sys\n"
        "import bot.cli, bot.runner, bot.client, bot.engine_holder\n"
        "from bot.cli import main\n"
        "code = main(['ask', '--json', sys.argv[1]])\n"
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)\n"
        "print(json.dumps({'code': code, 'heavy': heavy}))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "ESSAYBOT_INDEX_DIR": str(onnx_index_dir),
        "ESSAYBOT_DATA_DIR": str(tmp_path / "data"),
        "ESSAYBOT_CORPUS_DIR": str(CORPUS_DIR),
    }

    done = subprocess.run(
        [sys.executable, "-c", script, QUESTION],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == {"code": 0, "heavy": []}, done.stderr
    assert json.loads(lines[-2])["answered"] is True


def test_auto_serves_onnx_where_the_index_holds_an_export_and_says_so(onnx_index_dir, tmp_path, caplog):
    caplog.set_level("INFO", logger="bot.runtime")

    embedder = load_embedder(_settings(tmp_path, onnx_index_dir))

    assert embedder.encoder_sha256 == read_manifest(onnx_index_dir).encoder_sha256
    assert [r.message for r in caplog.records if r.message.startswith("encoder: ONNX Runtime")]


def test_auto_serves_torch_where_the_index_has_no_export(real_index_dir, tmp_path, caplog):
    caplog.set_level("INFO", logger="bot.runtime")

    embedder = load_embedder(_settings(tmp_path, real_index_dir))

    assert not getattr(embedder, "encoder_sha256", "")
    assert any(
        "essaybot index build" in r.message for r in caplog.records if r.message.startswith("encoder: torch")
    )


def test_asking_for_onnx_without_an_export_names_both_fixes(real_index_dir, tmp_path):
    with pytest.raises(ModelError) as raised:
        load_embedder(_settings(tmp_path, real_index_dir, encoder="onnx"))

    assert "essaybot index build" in str(raised.value)
    assert "ESSAYBOT_ENCODER=torch" in str(raised.value)


def test_encoder_torch_serves_torch_even_beside_an_export(onnx_index_dir, tmp_path):
    embedder = load_embedder(_settings(tmp_path, onnx_index_dir, encoder="torch"))

    assert not getattr(embedder, "encoder_sha256", "")
    assert Engine.load(onnx_index_dir, embedder).answer(QUESTION).answered


@pytest.mark.parametrize("damage", ["truncate graph", "truncate weights", "delete", "replace info"])
def test_a_missing_or_corrupt_export_names_both_fixes(onnx_index_dir, tmp_path, damage):
    index_dir = _copy(onnx_index_dir, tmp_path)
    graph = index_dir / ENCODER_ONNX
    if damage.startswith("truncate"):
        damaged = graph if damage == "truncate graph" else index_dir / ENCODER_WEIGHTS
        damaged.write_bytes(damaged.read_bytes()[:1000])
    elif damage == "delete":
        graph.unlink()
    else:
        (index_dir / ENCODER_INFO).write_text("{}")

    with pytest.raises(ModelError) as raised:
        load_embedder(_settings(tmp_path, index_dir))

    assert "essaybot index build" in str(raised.value)
    assert "ESSAYBOT_ENCODER=torch" in str(raised.value)


def test_an_export_from_other_weights_is_refused(onnx_index_dir, tmp_path):
    other = "ab" * 32

    with pytest.raises(ModelError) as raised:
        load_embedder(_settings(tmp_path, onnx_index_dir, model_sha256=other))

    message = str(raised.value)
    assert "abababababab" in message and PACKAGED_MODEL_SHA256[:12] in message
    assert "essaybot index build" in message and "ESSAYBOT_ENCODER=torch" in message


def test_without_onnxruntime_the_error_says_what_to_install_or_set(onnx_index_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError

    with pytest.raises(ModelError) as raised:
        load_embedder(_settings(tmp_path, onnx_index_dir))

    assert "pip install onnxruntime" in str(raised.value)
    assert "ESSAYBOT_ENCODER=torch" in str(raised.value)


def test_reindex_on_onnx_builds_a_new_index_that_carries_the_export(onnx_index_dir, tmp_path):
    settings = Settings(
        corpus_dir=CORPUS_DIR, data_dir=tmp_path / "data", seed_index_dir=onnx_index_dir
    )  # as in the image: a read-only seed until the first /reindex
    embedder = load_embedder(settings)

    report = rebuild_index(settings, embedder)

    rebuilt = read_index(settings.resolved_index_dir)
    assert rebuilt.manifest.encoder_sha256 == embedder.encoder_sha256
    assert "ONNX Runtime" in report.summary()
    # the cache is keyed by the exported graph, not by the weights it came from
    assert (settings.data_dir / "cache" / embedder.encoder_sha256[:16]).is_dir()
    bot.runtime._serving_encoder.cache_clear()
    assert load_embedder(settings).encoder_sha256 == embedder.encoder_sha256
    assert load_engine(settings, embedder).answer(QUESTION).answered


def test_build_reuses_the_indexs_export_without_torch(onnx_index_dir, tmp_path, monkeypatch):
    settings = Settings(corpus_dir=CORPUS_DIR, data_dir=tmp_path / "data", seed_index_dir=onnx_index_dir)
    monkeypatch.setattr(
        bot.runtime.importlib.util, "find_spec", lambda name: None
    )  # as if torch were missing

    embedder = build_embedder(settings)

    assert embedder.encoder_sha256 == read_manifest(onnx_index_dir).encoder_sha256


def test_build_without_an_export_or_torch_names_both_fixes(real_index_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(bot.runtime.importlib.util, "find_spec", lambda name: None)

    with pytest.raises(ModelError) as raised:
        build_embedder(_settings(tmp_path, real_index_dir))

    assert "pip install torch" in str(raised.value) and "ESSAYBOT_ENCODER=torch" in str(raised.value)


def test_an_export_whose_answers_differ_is_not_published(real_embedder, tmp_path, monkeypatch):
    failing = ParityReport(
        texts=1,
        pieces=1,
        questions=2,
        max_cosine_difference=0.0,
        max_token_cosine_difference=0.0,
        rankings_differ=("Who wrote the essay?",),
        seconds=0.0,
    )
    monkeypatch.setattr("index.encoding.onnx_export.check_parity", lambda *args: failing)
    folder = tmp_path / "export"

    with pytest.raises(ParityError, match="identical for 1 of 2 questions"):
        export_checked(real_embedder, folder, CORPUS_DIR, ["Who wrote the essay?", QUESTION])

    assert not folder.exists()


def test_an_export_that_changed_during_the_build_is_not_published(onnx_export_dir, onnx_embedder, tmp_path):
    class Changed:
        """The encoder, but its file on disk no longer the graph that encoded."""

        def __init__(self, inner):
            self._inner = inner
            self.files = {
                **inner.files,
                ENCODER_ONNX: (tmp_path / "other.onnx", inner.files[ENCODER_ONNX][1]),
            }

        def __getattr__(self, name):
            return getattr(self._inner, name)

    (tmp_path / "other.onnx").write_bytes(b"not the graph")

    with pytest.raises(IndexCorruptError, match="changed while the index was built"):
        build_index(CORPUS_DIR, tmp_path / "index", Changed(onnx_embedder))

    assert not (tmp_path / "index").exists()
