"""/reindex: refused for non-admins; for admins, rebuilt in the background and swapped in while answers flow."""

import asyncio
import threading

from bot.cogs.admin import ALREADY_RUNNING, NOT_AN_ADMIN
from bot.runner import build_services
from index.answering.engine import Engine
from index.building.build import BuildReport, build_index
from index.errors import CorpusError
from tests.bot_fakes import FakeEngine
from tests.e2e.conftest import WAIT, description, make_settings

QUESTION = "why did the 1950 alliance fail?"


def report(**changes) -> BuildReport:
    values = dict(
        documents=1,
        paragraphs=5,
        sentences=10,
        units=20,
        encoded=3,
        added=1,
        changed=0,
        removed=0,
        unchanged=4,
        seconds=0.1,
    )
    values.update(changes)
    return BuildReport(**values)


class GatedRebuild:
    """A rebuild that waits for the test, so questions can be asked while it runs."""

    def __init__(self, result=None, error: Exception | None = None):
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self.result = result
        self.error = error

    def __call__(self):
        self.calls += 1
        self.started.set()
        self.release.wait(WAIT)
        if self.error is not None:
            raise self.error
        return self.result


async def ask(fake, question=QUESTION, user="alice"):
    handle = await fake.send_slash_command("ask", {"question": question}, user=user)
    return await handle.final_message()


async def test_reindex_is_refused_for_a_member_without_manage_server(fake, start_bot):
    rebuild = GatedRebuild()
    async with start_bot(rebuild=rebuild):
        handle = await fake.send_slash_command("reindex", user="alice")
        event = await handle.response()

    assert event.data["content"] == NOT_AN_ADMIN and event.data["flags"] & 64
    assert rebuild.calls == 0


async def test_an_admin_reindexes_while_answers_keep_flowing_then_the_new_index_serves(fake, start_bot):
    old, new = FakeEngine(name="old"), FakeEngine(name="new")
    rebuild = GatedRebuild(result=(report(added=1, changed=2, removed=3, unchanged=4), new))
    async with start_bot(engine=old, rebuild=rebuild):
        handle = await fake.send_slash_command("reindex", user="olivia")  # the owner: Manage Server
        started = await handle.response()
        await asyncio.to_thread(rebuild.started.wait, WAIT)

        during = await ask(fake)
        rebuild.release.set()
        done = await handle.followup()
        after = await ask(fake, "what was the treaty of 1896?", user="bob")
        about = await (await fake.send_slash_command("about")).response()

    assert started.data["content"].startswith("Rebuilding the index") and started.data["flags"] & 64
    assert "1950" in description(during)
    assert done.content.startswith("Re-indexed: paragraphs added 1, changed 2, removed 3, unchanged 4.")
    assert done.ephemeral
    assert "1896" in description(after)
    assert [call[1] for call in old.calls] == [(QUESTION,)]
    assert [call[1] for call in new.calls] == [("what was the treaty of 1896?",)]
    assert "test/new" in str(about.data["embeds"][0]["fields"])


async def test_a_configured_admin_may_reindex_without_manage_server(fake, start_bot):
    rebuild = GatedRebuild(result=(report(), FakeEngine(name="new")))
    rebuild.release.set()
    async with start_bot(rebuild=rebuild, admin_user_ids=[fake.user("alice").id]):
        handle = await fake.send_slash_command("reindex", user="alice")
        done = await handle.followup()

    assert done.content.startswith("Re-indexed:")


async def test_a_failed_rebuild_keeps_the_old_index_serving_and_says_why(fake, start_bot):
    old = FakeEngine(name="old")
    problem = CorpusError("essay.md: front matter lacks title")
    rebuild = GatedRebuild(error=problem)
    rebuild.release.set()
    async with start_bot(engine=old, rebuild=rebuild) as bot:
        handle = await fake.send_slash_command("reindex", user="olivia")
        failed = await handle.followup()
        after = await ask(fake)

    assert failed.content.startswith("Re-indexing failed: essay.md: front matter lacks title")
    assert "Still answering from the previous index" in failed.content
    assert bot.services.engines.engine is old
    assert "1950" in description(after)


async def test_a_second_reindex_while_one_runs_is_told_to_wait(fake, start_bot):
    rebuild = GatedRebuild(result=(report(), FakeEngine(name="new")))
    async with start_bot(rebuild=rebuild):
        first = await fake.send_slash_command("reindex", user="olivia")
        await first.response()
        await asyncio.to_thread(rebuild.started.wait, WAIT)

        second = await fake.send_slash_command("reindex", user="olivia")
        refused = await second.response()
        rebuild.release.set()
        await first.followup()

    assert refused.data["content"] == ALREADY_RUNNING
    assert rebuild.calls == 1


async def test_reindex_really_rebuilds_the_corpus_and_reports_the_new_paragraph(
    fake, start_bot, tmp_path, corpus_copy, hashing_embedder
):
    settings = make_settings(fake, tmp_path / "data", corpus_dir=corpus_copy)
    build_index(corpus_copy, settings.resolved_index_dir, hashing_embedder)
    engine = Engine.load(settings.resolved_index_dir, hashing_embedder)
    rebuild = build_services(settings, engine, hashing_embedder).rebuild
    essay = next(corpus_copy.glob("*.md"))
    added = "Zebras and giraffes were never part of any treaty between the two countries."
    essay.write_text(essay.read_text(encoding="utf-8") + f"\n\n{added}\n", encoding="utf-8")

    async with start_bot(
        engine=engine, rebuild=rebuild, data_dir=tmp_path / "data", corpus_dir=corpus_copy
    ) as bot:
        handle = await fake.send_slash_command("reindex", user="olivia")
        done = await handle.followup(timeout=60)
        about = await (await fake.send_slash_command("about")).response()

    assert done.content.startswith("Re-indexed: paragraphs added 1, changed 0, removed 0, unchanged 43.")
    assert "(44 paragraphs)" in done.content
    assert bot.services.engines.engine is not engine
    assert bot.services.engines.engine.paragraph(essay.stem, 44).text == added
    assert "44 paragraphs" in str(about.data["embeds"][0]["fields"])
