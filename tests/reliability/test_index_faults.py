"""The index under trouble: swapped mid-question, rebuilt onto a full disk or from a broken corpus, damaged on
disk, built for another model, asked to rebuild twice at once. The serving index stays; the operator gets one
clear line; /reindex says what failed."""

import asyncio
import errno
import json
import logging
import os
import pathlib
import threading

import pytest

import bot.runtime
from bot.cogs.admin import ALREADY_RUNNING
from bot.runner import EXIT_FAILED, build_services, run
from index.answering.engine import Engine
from index.building.build import build_index
from index.storage.store import MANIFEST, PARAGRAPHS, VECTORS
from tests.bot_fakes import FakeEngine
from tests.conftest import HashingEmbedder
from tests.e2e.conftest import WAIT, description, make_settings
from tests.e2e.test_bot_reindex import GatedRebuild, report
from tests.reliability.conftest import problems

QUESTION = "why did the 1950 alliance fail?"


# --- a swap while questions are in flight ---------------------------------------------------------


async def test_a_question_in_flight_during_a_swap_is_answered_from_the_old_index(fake, start_bot):
    old = FakeEngine(name="old", gate=threading.Event())
    new = FakeEngine(name="new")
    rebuild = GatedRebuild(result=(report(), new))
    rebuild.release.set()
    async with start_bot(engine=old, rebuild=rebuild) as bot:
        held = await fake.send_slash_command("ask", {"question": QUESTION})
        await asyncio.to_thread(old.started.wait, WAIT)

        done = await (await fake.send_slash_command("reindex", user="olivia")).followup(timeout=WAIT)
        after = await (
            await fake.send_slash_command("ask", {"question": QUESTION}, user="bob")
        ).final_message()
        old.gate.set()
        during = await held.final_message(timeout=WAIT)

    assert done.content.startswith("Re-indexed:")
    assert bot.services.engines.engine is new
    assert "1950" in description(during) and "1950" in description(after)
    assert [call[1] for call in old.calls] == [(QUESTION,)]
    assert [call[1] for call in new.calls] == [(QUESTION,)]


async def test_a_burst_of_questions_across_many_swaps_is_all_answered_without_an_error(fake, start_bot):
    engines = [FakeEngine(name=f"gen{n}") for n in range(8)]
    async with start_bot(engine=engines[0], batching={"window": 0.02}) as bot:
        handles = []
        for n in range(40):
            handles.append(
                await fake.send_slash_command(
                    "ask",
                    {"question": f"{n}: what was the treaty of 1896?"},
                    user=("alice", "bob", "olivia")[n % 3],
                )
            )
            if n % 5 == 4:
                bot.services.engines.swap(engines[(n // 5) + 1 if n < 35 else 0])
                await asyncio.sleep(0)
        messages = [await handle.final_message(timeout=WAIT) for handle in handles]

    assert all("1896" in description(message) for message in messages)
    assert sum(len(call[1]) for engine in engines for call in engine.calls) == 40


# --- /reindex failures ---------------------------------------------------------------------------------


@pytest.fixture
def served(fake, tmp_path, corpus_copy):
    """A real index (hashing embedder) built from a corpus copy, its engine serving, and the real rebuild."""
    embedder = HashingEmbedder()
    settings = make_settings(fake, tmp_path / "data", corpus_dir=corpus_copy)
    build_index(corpus_copy, settings.resolved_index_dir, embedder)
    engine = Engine.load(settings.resolved_index_dir, embedder)
    rebuild = build_services(settings, engine, embedder).rebuild
    return settings, engine, rebuild


def damage_after_build(monkeypatch, damage):
    """The rebuild publishes, then its files are damaged before it is loaded (a bad disk, a bad copy)."""
    original = bot.runtime.rebuild_index

    def rebuild_then_damage(settings, embedder, progress=None):
        result = original(settings, embedder, progress)
        damage(settings.resolved_index_dir)
        return result

    monkeypatch.setattr(bot.runtime, "rebuild_index", rebuild_then_damage)


def truncate(name):
    def damage(index_dir):
        path = index_dir / name
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    return damage


def flip_a_byte(index_dir):
    path = index_dir / VECTORS
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def built_for_another_model(index_dir):
    manifest = json.loads((index_dir / MANIFEST).read_text())
    manifest["model_id"] = "someone/else"
    (index_dir / MANIFEST).write_text(json.dumps(manifest))


def full_disk(monkeypatch, corpus):
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)


def unreadable_corpus_file(monkeypatch, corpus):
    essay = next(corpus.glob("*.md"))
    read_bytes = pathlib.Path.read_bytes

    def refuse(self):
        if self.name == essay.name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return read_bytes(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", refuse)


def link_outside_the_corpus(monkeypatch, corpus):
    outside = corpus.parent / "secrets.md"
    outside.write_text("---\ntitle: x\nauthor: y\ndate: 2024\n---\n\nNot for the bot.\n")
    os.symlink(outside, corpus / "linked.md")


FAILURES = {
    "truncated paragraphs file": (
        lambda mp, corpus: damage_after_build(mp, truncate(PARAGRAPHS)),
        "paragraphs.jsonl",
    ),
    "corrupted vectors file": (lambda mp, corpus: damage_after_build(mp, flip_a_byte), "vectors.faiss"),
    "truncated manifest": (lambda mp, corpus: damage_after_build(mp, truncate(MANIFEST)), "manifest"),
    "manifest for another model": (
        lambda mp, corpus: damage_after_build(mp, built_for_another_model),
        "someone/else",
    ),
    "full disk": (full_disk, "No space left on device"),
    "unreadable corpus file": (unreadable_corpus_file, "Permission denied"),
    "corpus link outside the corpus": (link_outside_the_corpus, "links outside the corpus folder"),
}


@pytest.mark.parametrize(("arrange", "cause"), list(FAILURES.values()), ids=list(FAILURES))
async def test_a_failed_reindex_keeps_serving_logs_one_clear_line_and_reports_it(
    fake, start_bot, served, monkeypatch, caplog, arrange, cause
):
    settings, engine, rebuild = served
    manifest_before = (settings.resolved_index_dir / MANIFEST).read_bytes()
    arrange(monkeypatch, settings.corpus_dir)
    caplog.set_level(logging.INFO)

    async with start_bot(
        engine=engine, rebuild=rebuild, data_dir=settings.data_dir, corpus_dir=settings.corpus_dir
    ) as running:
        handle = await fake.send_slash_command("reindex", user="olivia")
        failed = await handle.followup(timeout=WAIT)
        monkeypatch.undo()  # the disk and the corpus recover; answering must not need them anyway
        after = await (
            await fake.send_slash_command("ask", {"question": "Li-Lobanov treaty"})
        ).final_message()

    assert failed.content.startswith("Re-indexing failed: ") and cause in failed.content
    assert "Still answering from the previous index" in failed.content and failed.ephemeral
    assert running.services.engines.engine is engine and running.services.engines.generation == 1
    assert description(after).startswith("> ")  # quoted from the index still serving
    (line,) = problems(caplog)
    assert cause in line.getMessage() and "still serving the previous index" in line.getMessage()
    assert line.exc_info is None  # the host's or the data's trouble, not a bug: no stack trace
    if arrange in (full_disk, unreadable_corpus_file, link_outside_the_corpus):
        assert (settings.resolved_index_dir / MANIFEST).read_bytes() == manifest_before
        assert not [p for p in settings.resolved_index_dir.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    "damage",
    [truncate(PARAGRAPHS), flip_a_byte, truncate(MANIFEST), built_for_another_model],
    ids=["truncated paragraphs", "corrupted vectors", "truncated manifest", "another model"],
)
def test_a_damaged_index_at_start_up_exits_non_zero_with_one_line_naming_the_fix(
    tmp_path, corpus_copy, monkeypatch, capfd, damage, restore_logging
):
    from bot.settings import Settings

    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        corpus_dir=corpus_copy,
        discord_token="start-up.test.token",
        discord_api_url="http://127.0.0.1:9/api/v10",
    )
    build_index(corpus_copy, settings.resolved_index_dir, HashingEmbedder())
    damage(settings.resolved_index_dir)
    monkeypatch.setattr(bot.runtime, "load_embedder", lambda _settings: HashingEmbedder())

    code = run(settings)

    err = capfd.readouterr().err
    assert code == EXIT_FAILED
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and " ERROR " in lines[0], err
    assert "essaybot index build" in lines[0] and "Traceback" not in err


async def test_two_reindexes_arriving_together_run_one_and_tell_the_other(fake, start_bot):
    rebuild = GatedRebuild(result=(report(), FakeEngine(name="new")))
    async with start_bot(rebuild=rebuild):
        # The first acknowledgement is slow, so the second command arrives while the first is still starting.
        fake.faults.slow("POST /interactions/{interaction_id}/{token}/callback", seconds=0.3)
        first, second = await asyncio.gather(
            fake.send_slash_command("reindex", user="olivia"),
            fake.send_slash_command("reindex", user="olivia"),
        )
        responses = [await first.response(timeout=WAIT), await second.response(timeout=WAIT)]
        rebuild.release.set()
        reports = [m for h in (first, second) for m in h.followups]
        done = await (first if first.followups or not second.followups else second).followup(timeout=WAIT)

    contents = sorted(r.data["content"] for r in responses)
    assert contents[0] == ALREADY_RUNNING and contents[1].startswith("Rebuilding the index")
    assert rebuild.calls == 1
    assert done.content.startswith("Re-indexed:") and not reports
