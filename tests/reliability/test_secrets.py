"""Secrets: the bot token never reaches the logs, even at DEBUG through reconnects and errors; interaction
tokens in logged URLs are redacted; nothing on disk is ever unpickled."""

import asyncio
import json
import os
import pickle
import signal
from pathlib import Path

import numpy as np
import pytest

from bot.answer_log import AnswerLog
from bot.client import EssayBot
from bot.runner import configure_logging, serve
from bot.runtime import load_engine
from index.answering.engine import Engine
from index.building.build import build_index
from index.errors import IndexCorruptError
from index.storage.store import MANIFEST, PARAGRAPHS, TOKEN_FILES, UNITS, VECTORS, read_index
from tests.conftest import HashingEmbedder, TokenHashingEmbedder
from tests.e2e.conftest import WAIT, endpoints_restored, make_services, make_settings
from tests.fake_discord import FakeDiscord, World

TOKEN = "MTAxODk5.RECOGNISABLE-essaybot-token.Zx9_secret"


async def test_the_token_never_appears_in_debug_logs_through_a_whole_session(
    tmp_path, monkeypatch, capfd, restore_logging
):
    async def at_once(self, shard_id, *, initial=False):
        """No 5 s wait before the second IDENTIFY."""

    monkeypatch.setattr(EssayBot, "before_identify_hook", at_once)
    async with FakeDiscord(World.default(token=TOKEN)) as fake:
        settings = make_settings(fake, tmp_path / "data")
        configure_logging("DEBUG", [TOKEN])
        with endpoints_restored():
            serving = asyncio.create_task(
                serve(settings, make_services(settings), TOKEN, guild_ready_timeout=0.05)
            )
            await fake.wait_until_ready(timeout=WAIT)
            handle = await fake.send_slash_command("ask", {"question": "why did the 1950 alliance fail?"})
            await handle.final_message(timeout=WAIT)
            fake.faults.rate_limit(
                "PATCH /webhooks/{application_id}/{token}/messages/@original", retry_after=0.01
            )
            second = await fake.send_slash_command("ask", {"question": "the 1896 treaty"}, user="bob")
            await second.final_message(timeout=WAIT)
            await fake.reconnect()  # RESUME carries the token
            await fake.wait_for_resume(timeout=WAIT)
            await fake.invalidate_session(resumable=False)  # a second IDENTIFY carries it again
            await fake.notifier.wait_for(
                lambda: True if fake.gateway.identifies == 2 else None,
                timeout=WAIT,
                describe=lambda: "IDENTIFY",
            )
            await fake.wait_until_ready(timeout=WAIT)
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(serving, WAIT) == 0

    log = capfd.readouterr().err
    assert " DEBUG " in log and "RESUME" in log  # the most talkative level really was on
    assert TOKEN not in log
    for interaction_token in (handle.token, second.token):
        assert interaction_token not in log
    assert "/webhooks/" in log and "/[redacted]/messages/@original" in log  # URLs logged, tokens not


# --- never unpickled ------------------------------------------------------------------------------------


class Planted:
    """A pickle that, if ever loaded, creates ``marker``: proof that loading executed it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


@pytest.fixture
def unpickling_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way of unpickling, recorded rather than refused: the test asserts on the list, and a loader
    that swallowed an exception could not hide an attempt."""
    attempts: list[str] = []

    def recording(name: str, real):
        def record(*args, **kwargs):
            attempts.append(name)
            return real(*args, **kwargs)

        return record

    load = np.load

    def numpy_load(*args, **kwargs):
        if kwargs.get("allow_pickle"):
            attempts.append(f"numpy.load({args[0] if args else kwargs.get('file')}, allow_pickle=True)")
        return load(*args, **kwargs)

    monkeypatch.setattr(pickle, "load", recording("pickle.load", pickle.load))
    monkeypatch.setattr(pickle, "loads", recording("pickle.loads", pickle.loads))
    monkeypatch.setattr(pickle, "Unpickler", recording("pickle.Unpickler", pickle.Unpickler))
    monkeypatch.setattr(np, "load", numpy_load)
    return attempts


def test_the_unpickling_recorder_sees_a_pickle_being_loaded(unpickling_attempts, tmp_path):
    path = tmp_path / "object.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)

    np.load(path, allow_pickle=True)
    pickle.loads(pickle.dumps(1))

    assert unpickling_attempts[0].startswith("numpy.load(") and "pickle.loads" in unpickling_attempts


def test_building_loading_and_answering_never_unpickle(
    unpickling_attempts, tmp_path, corpus_copy, fake_settings
):
    embedder = TokenHashingEmbedder()  # token files too: every kind of index file is written and read
    cache = fake_settings.data_dir / "cache"
    engine = load_engine(fake_settings, embedder)  # builds (no index yet), then loads
    build_index(corpus_copy, fake_settings.resolved_index_dir, embedder, cache_dir=cache)  # reads the cache
    reloaded = Engine.load(fake_settings.resolved_index_dir, embedder)
    answers = AnswerLog(tmp_path / "answers.jsonl")
    answers.load()
    answered = reloaded.answer_many(["the 1896 treaty", "the 1950 alliance", ""])

    assert unpickling_attempts == []
    assert engine.answer("the Li-Lobanov treaty").excerpts  # the loaded index was really used
    assert [bool(answer.excerpts) for answer in answered] == [True, True, False]
    assert list(cache.rglob("*.npy")), "the cache was not exercised"


@pytest.fixture
def fake_settings(tmp_path, corpus_copy):
    from bot.settings import Settings

    return Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus_copy)


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", [MANIFEST, PARAGRAPHS, UNITS, VECTORS, *TOKEN_FILES])
def test_a_pickle_planted_as_an_index_file_is_refused_not_executed(tmp_path, corpus_copy, name):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashingEmbedder())
    marker = tmp_path / "executed"
    payload = pickle.dumps(Planted(marker))
    pickle.loads(payload)  # the payload is live: loading it runs code
    assert marker.exists()
    marker.unlink()
    manifest = json.loads((index_dir / MANIFEST).read_text())
    if name in TOKEN_FILES:  # the other token files valid, so the loader gets as far as the planted one
        for other in TOKEN_FILES:
            np.save(
                index_dir / other, np.zeros((1, manifest["dimension"]), dtype=np.float16), allow_pickle=False
            )
    (index_dir / name).write_bytes(payload)
    if name != MANIFEST:  # whoever planted it could also rewrite the manifest's hashes
        for listed in [name, *(TOKEN_FILES if name in TOKEN_FILES else ())]:
            manifest["files"][listed] = sha256(index_dir / listed)
        (index_dir / MANIFEST).write_text(json.dumps(manifest))

    with pytest.raises(IndexCorruptError, match="essaybot index build"):
        read_index(index_dir)

    assert not marker.exists()


def test_a_pickle_planted_in_the_embedding_cache_is_ignored_not_executed(tmp_path, corpus_copy, caplog):
    cache = tmp_path / "cache"
    build_index(corpus_copy, tmp_path / "index", HashingEmbedder(), cache_dir=cache)
    marker = tmp_path / "executed"
    planted = [path for path in cache.rglob("*.npy")]
    assert planted
    for path in planted:
        path.write_bytes(pickle.dumps(Planted(marker)))

    build_index(corpus_copy, tmp_path / "index", HashingEmbedder(), cache_dir=cache)

    assert not marker.exists()
    assert "ignoring unreadable embedding cache" in caplog.text
