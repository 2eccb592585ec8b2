"""The benchmark suite behind run.py (which sets up the process environment first, as the bot does)."""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import faiss
import numpy as np
import onnxruntime
import torch
from floor import FLOOR_K, Floor, build_floor, load_model
from loadtest import LoadResult, burst, closed_loop, percentile
from report import Row, Series, markdown_table, svg_chart, text_table
from synthetic import edit_one_paragraph, essay_sentences, write_corpus

from bot.engine_holder import EngineHolder
from bot.runtime import load_embedder, load_engine
from bot.settings import Settings
from index.answering.conversation import Conversation
from index.answering.engine import Engine
from index.building.build import build_index
from index.building.units import cut_units
from index.corpus.corpus_files import load_corpus
from index.encoding.embedding import describe, resolve_model_dir
from index.encoding.embedding import load_embedder as load_torch_embedder
from index.encoding.onnx_encoder import load_onnx_embedder
from index.encoding.onnx_export import export_model
from index.evaluation import load_items, score

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
DEV_CHAT_SET = ROOT.parent / "shared" / "eval" / "dev_chat.jsonl"
DOC = ROOT / "docs" / "performance.md"
CONCURRENCY = (1, 2, 4, 8, 16, 32, 64)
BURST = 200
LAG_TARGET_MS = 50
# Not re-measured by each run (it exports twice and answers 798 questions four times, about 3 minutes):
# benchmarks/onnx_quantization.py prints it. Update it when the model, the corpus or onnxruntime change.
INT8_FINDING = [
    "Dynamic int8 quantisation (`onnxruntime.quantization.quantize_dynamic`, int8 weights) was measured",
    "with the export's own parity check by `benchmarks/onnx_quantization.py` (2026-12-06, onnxruntime",
    "1.32.0): the weights shrink from 86 MiB to 22 MiB, but the largest cosine difference to torch over",
    "the corpus texts is 8.6e-02 (token vectors 2.0e-01) and the top-5 answers are identical for only",
    "280 of the 798 calibration and dev questions. It is not shipped: the export stays float32, whose",
    "largest difference is 8.9e-08 with all 798 answers identical.",
]

log = logging.getLogger("benchmark")


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sweep_bot: dict[int, LoadResult] = field(default_factory=dict)
    sweep_floor: dict[int, LoadResult] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        log.info("%s", text_table([row]).splitlines()[-1])


def main(description: str | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=Path, default=DEV_SET, help="eval set (JSON lines) to ask")
    parser.add_argument(
        "--follow-ups",
        type=Path,
        default=DEV_CHAT_SET,
        help="eval set whose follow-up items (with their context) join the answering measurements",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions; does not write the doc")
    parser.add_argument("--out", type=Path, default=DOC, help="Markdown file to (re)write")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    for name in ("sentence_transformers", "index", "bot", "httpx", "faiss"):
        logging.getLogger(name).setLevel(logging.WARNING)
    os.chdir(ROOT)  # Settings read config/essaybot.toml relative to the working folder
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    items = load_items(args.questions)
    questions = [item.question for item in items]
    # Follow-ups are answered in their conversation (two texts scored in one pass): they join the
    # answering measurements, asked with their context on the bot's paths and alone on the floor's.
    follow_ups = (
        [item for item in load_items(args.follow_ups) if item.context] if args.follow_ups.is_file() else []
    )
    contexts = {item.question: Conversation(item.context) for item in follow_ups}
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="essaybot-bench-") as tmp:
        results = run(Path(tmp), questions, items, contexts, quick=args.quick)
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()
    machine = describe_machine(load_before, load_after, elapsed)
    print()
    print(machine)
    print()
    print(text_table(ordered(results.rows)))
    for note in results.notes:
        print(f"- {note}")
    if not (args.quick or args.no_write):
        args.out.write_text(render_doc(results, machine), encoding="utf-8")
        print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


def run(tmp: Path, questions: list[str], items, contexts: dict[str, Conversation], *, quick: bool) -> Results:
    results = Results()
    rounds = 2 if quick else 4
    settings = Settings(corpus_dir=ROOT / "corpus", data_dir=tmp / "data", index_dir=tmp / "essay-index")
    model_dir, _ = resolve_model_dir(settings.model)

    log.info("loading the torch model (the floor's, and the one the bot's encoder is exported from)")
    torch_embedder = load_torch_embedder(settings.model, settings.model_sha256)
    floor_model = load_model(model_dir)
    # The export as `essaybot index build` makes it (its parity check is tests' and the build's job;
    # here the dev-set answers are compared below).
    export_dir = tmp / "onnx-export"
    results.extra["export_seconds"] = _timed(export_model, torch_embedder, export_dir)
    exported = load_onnx_embedder(
        export_dir,
        expected=None,
        model_id=torch_embedder.model_id,
        weights_sha256=torch_embedder.weights_sha256,
    )

    measure_essay_build(results, settings, exported, floor_model, repeats=1 if quick else 2)
    embedder = load_embedder(settings)  # as the bot loads it: the export its index carries
    if not getattr(embedder, "encoder_sha256", ""):
        raise RuntimeError(f"the bot would serve on {describe(embedder)}, not on ONNX Runtime")
    engine = load_engine(settings, embedder)
    floor = Floor(floor_model, settings.resolved_index_dir / "vectors.faiss")
    for question in questions[:8]:  # warm both paths (first calls allocate and tune)
        floor.answer(question)
        engine.answer(question)

    # Each part reports what it measured even if a later one fails (the tree may change under a long run).
    guarded(
        results,
        "torch encoder",
        measure_torch_encoder,
        results,
        settings,
        torch_embedder,
        embedder,
        engine,
        floor,
        items,
    )
    guarded(
        results,
        "cold start",
        measure_cold_start,
        results,
        settings,
        model_dir,
        questions[0],
        repeats=2 if quick else 4,
    )
    # The bot runs ONNX Runtime on one thread per pass; this engine has its default pool (one per core).
    pooled = Engine.load(
        settings.resolved_index_dir,
        load_onnx_embedder(
            settings.resolved_index_dir,
            expected=None,
            model_id=embedder.model_id,
            weights_sha256=embedder.weights_sha256,
            threads=0,
        ),
    )
    # The bot keeps what each answer showed (the answer log): a follow-up is asked in its conversation
    # as the bot holds it, each earlier question answered in turn.
    contexts = {question: engine.conversation_after(kept.questions) for question, kept in contexts.items()}
    guarded(
        results,
        "answering",
        lambda: asyncio.run(
            measure_answering(
                results, engine, pooled, floor, [*questions, *contexts], contexts, rounds=rounds, quick=quick
            )
        ),
    )
    guarded(results, "eval", measure_eval, results, engine, items)
    guarded(
        results,
        "synthetic builds",
        measure_synthetic_builds,
        results,
        tmp,
        embedder,
        floor_model,
        questions,
        documents=30 if quick else 100,
    )
    return results


def ordered(rows: list[Row]) -> list[Row]:
    """The bot's own figures first, then references, then proposals (each in the order measured)."""
    return sorted(
        rows, key=lambda row: row.name.startswith("reference:") + 2 * row.name.startswith("proposal:")
    )


def guarded(results: Results, label: str, function: Callable, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except Exception as error:  # report the rest of the run all the same
        log.exception("%s failed", label)
        results.notes.append(f"{label}: not measured ({type(error).__name__}: {str(error).splitlines()[0]})")
        return None


# --- answering ------------------------------------------------------------------------------------------


async def measure_answering(
    results: Results,
    engine,
    pooled,
    floor: Floor,
    questions,
    contexts: dict[str, Conversation],
    *,
    rounds: int,
    quick: bool,
):
    k = 3
    results.notes.append(
        f"Answering figures ask {len(questions) - len(contexts)} dev questions and {len(contexts)} follow-ups "
        "(dev_chat), the follow-ups in their conversation on the bot's paths (the question alone and in "
        "context, scored in one pass) and alone on the floor's."
    )
    # The bot's own batcher settings, and others to show what its parameters cost or buy.
    # ``pooled``: the same index with ONNX Runtime's default thread pool instead of one thread a pass.
    # A proxy: __getattr__ gives it the rest of the engine's surface, which a Protocol check cannot see.
    single: Any = OneThreadEach(engine)
    holders: dict[str, Any] = {
        "bot": EngineHolder(engine),
        "onnx pool": EngineHolder(pooled),
        "window=0": EngineHolder(engine, window=0.0),
        "workers=1": EngineHolder(engine, workers=1),
        "1 thread each": EngineHolder(single),
        "1 thread each, window=0": EngineHolder(single, window=0.0),
    }
    # The bot no longer runs torch: only the floor's variant sets torch's (process-wide) pool.
    torch_threads: dict[str, int] = {}
    try:
        asks = {name: _asker(holder, k, contexts) for name, holder in holders.items()}
        for name, ask in asks.items():
            with _torch_threads(torch_threads.get(name)):
                await closed_loop(ask, questions, 16, 64)  # warm the worker threads

        # Single questions, one at a time; every path takes its turn question by question, so that load
        # from elsewhere on the machine falls on all of them alike.
        def engine_one_thread(question: str):
            faiss.omp_set_num_threads(1)  # per calling thread: this thread's FAISS searches only
            try:
                return engine.answer(question, k, conversation=contexts.get(question))
            finally:
                faiss.omp_set_num_threads(os.cpu_count() or 1)

        def floor_one_thread(question: str):
            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                return floor.answer(question)
            finally:
                torch.set_num_threads(threads)

        direct = {
            "floor": floor.answer,
            "floor, torch 1 thread": floor_one_thread,
            "engine": lambda question: engine.answer(question, k, conversation=contexts.get(question)),
            "engine, FAISS 1 thread": engine_one_thread,
        }
        times: dict[str, list[float]] = {name: [] for name in [*direct, *asks]}
        turn = 0
        for _ in range(rounds):
            for question in questions:
                for name in _rotated([*direct, *asks], turn):
                    if name in direct:
                        times[name].append(_timed(direct[name], question))
                        continue
                    with _torch_threads(torch_threads.get(name)):
                        mark = time.perf_counter()
                        await asks[name](question)
                        times[name].append(time.perf_counter() - mark)
                turn += 1
        p50 = {name: percentile(values, 50) for name, values in times.items()}
        floor_p50, floor_p99 = p50["floor"], percentile(times["floor"], 99)
        results.extra["floor_p50"] = floor_p50
        results.add(
            Row(
                "latency p50, one question (bot path)",
                1e3 * p50["bot"],
                1e3 * floor_p50,
                "ms",
                "<= 0.6",
                note="micro-batcher + engine, ONNX Runtime encoder",
            )
        )
        # The same measurements split: questions asked alone, and follow-ups (two texts in one pass).
        asked = [question for _ in range(rounds) for question in questions]
        for label, part in (("dev questions", False), ("follow-ups in context", True)):
            picked = [n for n, question in enumerate(asked) if (question in contexts) == part]
            if picked:
                results.add(
                    Row(
                        f"reference: latency p50, bot path, {label} only",
                        1e3 * percentile([times["bot"][n] for n in picked], 50),
                        1e3 * percentile([times["floor"][n] for n in picked], 50),
                        "ms",
                    )
                )
        results.add(
            Row(
                "latency p99, one question (bot path)",
                1e3 * percentile(times["bot"], 99),
                1e3 * floor_p99,
                "ms",
            )
        )
        results.add(
            Row(
                "latency p50, engine.answer called directly",
                1e3 * p50["engine"],
                1e3 * floor_p50,
                "ms",
                note="no batcher: the engine's own cost",
            )
        )

        # Closed-loop load at each concurrency: the bot through its batcher, and the floor answering one
        # question at a time on one worker thread (what a bot without batching could do at best).
        floor_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="floor")
        loop = asyncio.get_running_loop()

        async def floor_ask(question: str):
            return await loop.run_in_executor(floor_pool, floor.answer, question)

        try:
            for concurrency in CONCURRENCY:
                total = max(64, 4 * concurrency) if not quick else max(32, 2 * concurrency)
                results.sweep_bot[concurrency] = await closed_loop(asks["bot"], questions, concurrency, total)
                results.sweep_floor[concurrency] = await closed_loop(floor_ask, questions, concurrency, total)
                log.info(
                    "concurrency %d: bot %.0f q/s p50 %.1f ms; floor %.0f q/s p50 %.1f ms",
                    concurrency,
                    results.sweep_bot[concurrency].throughput,
                    1e3 * results.sweep_bot[concurrency].p50,
                    results.sweep_floor[concurrency].throughput,
                    1e3 * results.sweep_floor[concurrency].p50,
                )
        finally:
            floor_pool.shutdown()

        # Throughput at 64 concurrent is the figure with a target: the batcher settings take turns,
        # several times, and each keeps its median.
        rates: dict[str, list[float]] = {name: [] for name in asks}
        for _ in range(1 if quick else 3):
            for name, ask in asks.items():
                with _torch_threads(torch_threads.get(name)):
                    result = await closed_loop(ask, questions, 64, 128 if quick else 256)
                rates[name].append(result.throughput)
        rates["bot"].append(results.sweep_bot[64].throughput)
        rate64 = {name: statistics.median(values) for name, values in rates.items()}

        floor_rate = 1 / floor_p50
        for concurrency, target in ((1, ""), (8, ""), (64, ">= 3")):
            value = rate64["bot"] if concurrency == 64 else results.sweep_bot[concurrency].throughput
            results.add(
                Row(
                    f"throughput, {concurrency} concurrent",
                    value,
                    floor_rate,
                    "q/s",
                    target,
                    higher_is_better=True,
                    note="floor: its sequential rate, 1 / floor p50"
                    + (" (median of runs)" if concurrency == 64 else ""),
                )
            )
        results.add(
            Row(
                "reference: floor encoding batches of 32",
                _batched_floor_rate(floor, questions),
                floor_rate,
                "q/s",
                higher_is_better=True,
                note="what batching can reach at best",
            )
        )

        # 200 questions at one instant; the lag monitor ticks every 2 ms on the event loop.
        seconds, monitor = await burst(asks["bot"], questions, BURST)
        results.add(
            Row(
                f"event-loop lag (max), {BURST}-question burst",
                1e3 * monitor.max,
                None,
                "ms",
                f"<= {LAG_TARGET_MS} ms",
                note=f"burst answered in {seconds:.2f} s; lag p99 {1e3 * monitor.p99:.1f} ms",
            )
        )

        async def on_loop_ask(question: str):
            return engine.answer(question, k)  # what a bot that encodes on the event loop does

        naive_seconds, naive = await burst(on_loop_ask, questions, BURST)
        results.add(
            Row(
                "reference: lag when answering on the event loop",
                1e3 * naive.max,
                None,
                "ms",
                note=f"same burst, no worker thread ({naive_seconds:.2f} s)",
            )
        )
        results.extra["variants"] = [
            f"`{label}`: one-question p50 {1e3 * p50[name]:.1f} ms ({p50[name] / floor_p50:.2f}× floor)"
            + (
                f", 64 concurrent {rate64[name]:.0f} q/s ({rate64[name] / floor_rate:.2f}× floor)"
                if name in rate64
                else ""
            )
            for name, label in (
                ("bot", "EngineHolder(engine)"),
                ("window=0", "EngineHolder(engine, window=0.0)"),
                ("workers=1", "EngineHolder(engine, workers=1)"),
                ("onnx pool", "EngineHolder(engine), ONNX Runtime on a thread per core (its default)"),
                ("1 thread each", "EngineHolder(engine), FAISS on 1 thread per worker"),
                ("1 thread each, window=0", "EngineHolder(engine, window=0.0), FAISS on 1 thread per worker"),
                ("engine", "engine.answer, called directly"),
                ("engine, FAISS 1 thread", "engine.answer, directly, faiss.omp_set_num_threads(1)"),
                ("floor, torch 1 thread", "the floor with torch.set_num_threads(1)"),
            )
            if name in p50
        ]
        for line in results.extra["variants"]:
            log.info("%s", line)
    finally:
        for holder in holders.values():
            await holder.aclose()


class OneThreadEach:
    """The engine, with FAISS searching on the calling worker thread alone (OpenMP's setting is per thread)."""

    def __init__(self, engine):
        self._engine = engine

    def answer_many(self, questions, k: int = 3, skip: int = 0, conversations=None):
        faiss.omp_set_num_threads(1)
        return self._engine.answer_many(questions, k=k, skip=skip, conversations=conversations)

    def __getattr__(self, name: str):
        return getattr(self._engine, name)


@contextlib.contextmanager
def _torch_threads(count: int | None):
    if count is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _asker(holder: EngineHolder, k: int, contexts: dict[str, Conversation]):
    async def ask(question: str):
        return await holder.answer(question, k=k, conversation=contexts.get(question))

    return ask


def _batched_floor_rate(floor: Floor, questions: Sequence[str], batch: int = 32) -> float:
    texts = (list(questions) * (1 + 128 // len(questions)))[:128]
    mark = time.perf_counter()
    for start in range(0, len(texts), batch):
        floor.answer_many(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - mark)


def _rotated(names: list[str], turn: int) -> list[str]:
    """Each path goes first in turn: a path that runs right after another pays for the thread pools that
    one left spinning, so a fixed order would favour whichever path runs first."""
    offset = turn % len(names)
    return names[offset:] + names[:offset]


def _timed(function: Callable, *args, **kwargs) -> float:
    mark = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - mark


# --- eval -----------------------------------------------------------------------------------------------


def measure_eval(results: Results, engine, items) -> None:
    """Dev-set scores one question at a time and batched through the bot path: they must not differ."""
    one_by_one = [engine.answer(item.question, k=5) for item in items]

    async def batched():
        holder = EngineHolder(engine)
        try:
            return await asyncio.gather(*(holder.answer(item.question, k=5) for item in items))
        finally:
            await holder.aclose()

    together = asyncio.run(batched())
    same = sum(_spans(a) == _spans(b) for a, b in zip(one_by_one, together, strict=True))
    alone, grouped = score(items, one_by_one), score(items, together)
    line = (
        f"dev set ({len(items)} questions): {_figures(alone)} one at a time; batched through the "
        f"micro-batcher: {_figures(grouped)}; identical answers {same}/{len(items)}"
    )
    results.extra["eval"] = line
    results.notes.append(line)
    log.info("%s", line)


def _spans(answer) -> tuple:
    return (answer.reason, tuple((e.document, e.paragraph, e.start, e.end) for e in answer.excerpts))


# --- builds ---------------------------------------------------------------------------------------------


def measure_essay_build(results: Results, settings: Settings, embedder, floor_model, *, repeats: int) -> None:
    texts = cut_units(load_corpus(settings.corpus_dir))[1]
    builds, floors = [], []
    for _ in range(repeats):
        shutil.rmtree(settings.resolved_index_dir, ignore_errors=True)
        builds.append(_timed(build_index, settings.corpus_dir, settings.resolved_index_dir, embedder))
        floors.append(_timed(build_floor, floor_model, texts))
    results.add(
        Row(
            "full index build, the essay",
            statistics.median(builds),
            statistics.median(floors),
            "s",
            note=f"floor: encode its {len(texts)} texts + flat index",
        )
    )


def measure_synthetic_builds(
    results: Results, tmp: Path, embedder, floor_model, questions: list[str], *, documents: int
) -> None:
    corpus = tmp / "synthetic-corpus"
    sentences = essay_sentences(ROOT / "corpus")
    write_corpus(corpus, sentences, documents=documents)
    texts = cut_units(load_corpus(corpus))[1]
    log.info("synthetic corpus: %d documents, %d texts to embed", documents, len(texts))
    floor_seconds = _timed(build_floor, floor_model, texts)
    full = _timed(build_index, corpus, tmp / "synthetic-index", embedder)
    results.add(
        Row(
            f"full index build, {documents} synthetic documents",
            full,
            floor_seconds,
            "s",
            note=f"no cache; floor: encode its {len(texts)} texts + flat index",
        )
    )
    cache = tmp / "synthetic-cache"
    cached_full = _timed(build_index, corpus, tmp / "synthetic-index-cached", embedder, cache_dir=cache)
    unchanged = _timed(build_index, corpus, tmp / "synthetic-index-cached", embedder, cache_dir=cache)
    edit_one_paragraph(sorted(corpus.glob("*.md"))[documents // 2], sentences)
    mark = time.perf_counter()
    report = build_index(corpus, tmp / "synthetic-index-cached", embedder, cache_dir=cache)
    incremental = time.perf_counter() - mark
    results.add(
        Row(
            "incremental rebuild after a one-paragraph edit",
            incremental,
            full,
            "s",
            "<= 0.1",
            note=(
                f"with cache; floor column: the full build; {report.encoded} texts encoded, "
                f"{report.changed} paragraph changed"
            ),
        )
    )
    results.add(
        Row(
            "reference: rebuild with nothing changed",
            unchanged,
            full,
            "s",
            note=f"with cache (first build with an empty cache: {cached_full:.1f} s)",
        )
    )
    # The engine's own per-question work grows with the corpus; the floor's barely does at this size.
    mark = time.perf_counter()
    engine = Engine.load(tmp / "synthetic-index", embedder)
    load_seconds = time.perf_counter() - mark
    floor = Floor(floor_model, tmp / "synthetic-index" / "vectors.faiss")
    times: dict[str, list[float]] = {"floor": [], "engine": []}
    paths = {"floor": floor.answer, "engine": lambda question: engine.answer(question, 3)}
    for turn, question in enumerate(questions * 2):
        for name in _rotated(list(paths), turn):
            times[name].append(_timed(paths[name], question))
    results.add(
        Row(
            f"latency p50, engine.answer over the {documents} documents",
            1e3 * percentile(times["engine"], 50),
            1e3 * percentile(times["floor"], 50),
            "ms",
            note=f"{floor.index.ntotal} vectors, floor searching the same; Engine.load took {load_seconds:.1f} s",
        )
    )


# --- the torch encoder, beside the bot's ONNX Runtime one -----------------------------------------------


def measure_torch_encoder(
    results: Results, settings: Settings, torch_embedder, embedder, engine, floor: Floor, items
) -> None:
    """The bot on torch (ESSAYBOT_ENCODER=torch) and the floor on ONNX Runtime: speed and agreement."""
    torch_engine = Engine.load(settings.resolved_index_dir, torch_embedder)
    questions = [item.question for item in items]
    agreement = float(np.min(np.sum(torch_embedder.encode(questions) * embedder.encode(questions), axis=1)))

    def onnx_floor(question: str):
        return floor.index.search(embedder.encode([question]), FLOOR_K)

    paths = {
        "floor": floor.answer,
        "onnx floor": onnx_floor,
        "engine": lambda question: engine.answer(question, 3),
        "torch engine": lambda question: torch_engine.answer(question, 3),
    }
    for question in questions[:8]:
        for function in paths.values():
            function(question)
    times: dict[str, list[float]] = {name: [] for name in paths}
    for turn, question in enumerate(questions * 2):
        for name in _rotated(list(paths), turn):
            times[name].append(_timed(paths[name], question))
    p50 = {name: percentile(values, 50) for name, values in times.items()}
    results.add(
        Row(
            "reference: engine.answer p50, torch encoder",
            1e3 * p50["torch engine"],
            1e3 * p50["floor"],
            "ms",
            note=f"ESSAYBOT_ENCODER=torch; the same engine on ONNX Runtime: {1e3 * p50['engine']:.1f} ms",
        )
    )
    results.add(
        Row(
            "reference: floor on ONNX Runtime, latency p50",
            1e3 * p50["onnx floor"],
            1e3 * p50["floor"],
            "ms",
            note=f"the bare floor with the bot's encoder; min cosine to torch {agreement:.7f} (dev questions)",
        )
    )
    texts = (questions * 3)[:128]
    torch_rate = len(texts) / _timed(lambda: [floor.encode(texts[i : i + 32]) for i in range(0, 128, 32)])
    onnx_rate = len(texts) / _timed(lambda: [embedder.encode(texts[i : i + 32]) for i in range(0, 128, 32)])
    results.add(
        Row(
            "reference: encoding batches of 32, ONNX Runtime",
            onnx_rate,
            torch_rate,
            "q/s",
            higher_is_better=True,
            note="floor column: torch, batches of 32",
        )
    )
    on_torch = [torch_engine.answer(item.question, k=5) for item in items]
    on_onnx = [engine.answer(item.question, k=5) for item in items]
    same = sum(_spans(a) == _spans(b) for a, b in zip(on_torch, on_onnx, strict=True))
    line = (
        f"ONNX Runtime encoder (exported in {results.extra.get('export_seconds', 0):.0f} s) against torch on the "
        f"dev set: {_figures(score(items, on_onnx))} (torch: {_figures(score(items, on_torch))}); "
        f"identical top-5 answers {same}/{len(items)}"
    )
    results.notes.append(line)
    log.info("%s", line)


# --- cold start -----------------------------------------------------------------------------------------


def measure_cold_start(results: Results, settings: Settings, model_dir: Path, question: str, *, repeats: int):
    """Each mode in fresh processes, taking turns; medians of ``repeats`` after one warm-up each.

    ``bot`` serves as the image does (ONNX Runtime, the export its index carries); ``bot-torch`` is the
    bot with ESSAYBOT_ENCODER=torch; ``onnx`` is the bare floor with the bot's encoder.
    """
    runs: dict[str, list[dict]] = {"floor": [], "bot": [], "bot-torch": [], "onnx": []}
    for attempt in range(repeats + 1):
        for mode in runs:
            outcome = _cold_start(mode, settings.resolved_index_dir, question, model_dir)
            if attempt:  # the first round only warms the page cache
                runs[mode].append(outcome)
            log.info(
                "cold start %s: %.2f s, peak RSS %.0f MiB", mode, outcome["wall"], outcome["peak_rss_mib"]
            )
    wall = {mode: statistics.median(r["wall"] for r in runs[mode]) for mode in runs}
    rss = {mode: statistics.median(r["peak_rss_mib"] for r in runs[mode]) for mode in runs}
    phases = {
        mode: {
            phase: statistics.median(r["phases"][phase] for r in runs[mode])
            for phase in runs[mode][0]["phases"]
        }
        for mode in runs
    }
    results.add(
        Row(
            "cold start to first answer",
            wall["bot"],
            wall["floor"],
            "s",
            "<= 0.3",
            note="fresh processes, prebuilt index; " + _phase_note(phases, ("floor", "bot")),
        )
    )
    results.add(Row("peak RSS", rss["bot"], rss["floor"], "MiB", "<= 0.5", note="same processes (VmHWM)"))
    results.add(
        Row(
            "reference: cold start, bot on torch",
            wall["bot-torch"],
            wall["floor"],
            "s",
            note="ESSAYBOT_ENCODER=torch; " + _phase_note(phases, ("bot-torch",)),
        )
    )
    results.add(
        Row(
            "reference: peak RSS, bot on torch",
            rss["bot-torch"],
            rss["floor"],
            "MiB",
            note="ESSAYBOT_ENCODER=torch",
        )
    )
    results.add(
        Row(
            "reference: cold start, floor on ONNX Runtime",
            wall["onnx"],
            wall["floor"],
            "s",
            note="the bare floor with the bot's encoder; " + _phase_note(phases, ("onnx",)),
        )
    )
    results.add(Row("reference: peak RSS, floor on ONNX Runtime", rss["onnx"], rss["floor"], "MiB"))
    results.extra["cold_phases"] = phases


def _cold_start(mode: str, index_dir: Path, question: str, model_dir: Path) -> dict:
    script = Path(__file__).with_name("coldstart.py")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    # The bot's process gets what `essaybot` sets before torch loads; the floor is a bare script.
    env.pop("OMP_WAIT_POLICY", None)
    env.pop("OPENBLAS_NUM_THREADS", None)
    env.pop("ESSAYBOT_ENCODER", None)
    if mode.startswith("bot"):
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        env["OPENBLAS_NUM_THREADS"] = "1"
    if mode == "bot-torch":
        env["ESSAYBOT_ENCODER"] = "torch"
    mark = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script), mode, str(index_dir), question, str(model_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - mark
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {mode} failed:\n{done.stderr[-2000:]}")
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    outcome["wall"] = wall
    return outcome


def _phase_note(phases: dict[str, dict[str, float]], modes: Sequence[str]) -> str:
    parts = []
    for mode in modes:
        parts.append(
            f"{mode}: " + " + ".join(f"{name} {seconds:.1f}" for name, seconds in phases[mode].items())
        )
    return "; ".join(parts) + " s"


# --- output ---------------------------------------------------------------------------------------------


def describe_machine(load_before, load_after, elapsed: float) -> str:
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; code {_revision()}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, onnxruntime {onnxruntime.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}), "
        f"faiss {faiss.__version__}, numpy {np.__version__}, Python {platform.python_version()}; "
        f"load average {load_before[0]:.1f} at start, {load_after[0]:.1f} at end; run took {elapsed:.0f} s"
    )


def _revision() -> str:
    """The commit measured, and whether the engine or the bot had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "index", "bot"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' with uncommitted changes in index/ or bot/' if dirty else ''}"


def render_doc(results: Results, machine: str) -> str:
    levels = sorted(results.sweep_bot)
    latency = svg_chart(
        [
            Series("bot p50", [(c, 1e3 * results.sweep_bot[c].p50) for c in levels], "#1f77b4"),
            Series("bot p99", [(c, 1e3 * results.sweep_bot[c].p99) for c in levels], "#1f77b4", dashed=True),
            Series("floor p50", [(c, 1e3 * results.sweep_floor[c].p50) for c in levels], "#d62728"),
            Series(
                "floor p99", [(c, 1e3 * results.sweep_floor[c].p99) for c in levels], "#d62728", dashed=True
            ),
        ],
        title="Answer latency vs concurrent questions",
        x_label="concurrent questions (closed loop)",
        y_label="latency (ms, log scale)",
        log_y=True,
    )
    throughput = svg_chart(
        [
            Series("bot", [(c, results.sweep_bot[c].throughput) for c in levels], "#1f77b4"),
            Series(
                "floor, one at a time", [(c, results.sweep_floor[c].throughput) for c in levels], "#d62728"
            ),
        ],
        title="Throughput vs concurrent questions",
        x_label="concurrent questions (closed loop)",
        y_label="questions per second",
    )
    sweep = [
        "| concurrent | bot q/s | bot p50 | bot p99 | floor q/s | floor p50 | floor p99 |",
        "|" + "---:|" * 7,
    ]
    for c in levels:
        b, f = results.sweep_bot[c], results.sweep_floor[c]
        sweep.append(
            f"| {c} | {b.throughput:.0f} | {1e3 * b.p50:.1f} ms | {1e3 * b.p99:.1f} ms | {f.throughput:.0f} | "
            f"{1e3 * f.p50:.1f} ms | {1e3 * f.p99:.1f} ms |"
        )
    variants = cast(list[str], results.extra.get("variants", []))
    return "\n".join(
        [
            "# Performance",
            "",
            "<!-- Generated by benchmarks/run.py; do not edit by hand: run `make bench` "
            "(or `.venv/bin/python benchmarks/run.py`) to regenerate. -->",
            "",
            "Every figure is measured beside the **floor** in the same run, on the same machine: one",
            "all-MiniLM-L6-v2 encode of the question with sentence-transformers (torch) plus an exact FAISS",
            "search over the essay's vectors, nothing else (`benchmarks/floor.py`): what a user would pick",
            "instead. The bot serves the same model on ONNX Runtime, from the export its index carries",
            "(`index/encoding/onnx_encoder.py`, exported and checked against torch at index build); the rows marked",
            "*reference* show the bot on torch (`ESSAYBOT_ENCODER=torch`) and the floor on ONNX Runtime.",
            "Ratios, not absolute times, are what to compare between runs: the machine is shared and its load",
            "moves absolute numbers by tens of percent. The benchmark process runs with",
            "`OMP_WAIT_POLICY=PASSIVE` and `OPENBLAS_NUM_THREADS=1`, as `essaybot` sets them for the bot (so",
            "the in-process floor does too); the floor's cold-start process is a bare script without them.",
            "",
            f"Run: {machine}.",
            "",
            markdown_table(ordered(results.rows)),
            "",
            *[f"- {note}" for note in results.notes],
            "",
            "How each figure is measured:",
            "",
            "- *Latency*: every dev-set question, four rounds; the floor, `engine.answer` and the bot path take",
            "  turns question by question, each going first in turn (a path that runs right after another pays",
            "  for the thread pools that one left busy). The bot path is `EngineHolder.answer` (the",
            "  micro-batcher handing `engine.answer_many` to a worker thread) awaited on an event loop.",
            "- *Throughput*: N askers in a closed loop (each asks again as soon as it is answered) through the",
            "  bot path; the floor's rate is 1 / its p50 latency (one question at a time). The plots' floor",
            "  answers the same closed loop one question at a time on one worker thread. The 64-concurrent",
            "  figure is the median of four runs.",
            f"- *Event-loop lag*: {BURST} questions submitted at the same instant while a task on the loop sleeps",
            "  2 ms again and again; lag is how late it wakes. A Discord heartbeat waits as long.",
            "- *Cold start* and *peak RSS*: fresh processes (`benchmarks/coldstart.py`) over a prebuilt index,",
            "  from process start to the first answer; the floor process imports sentence-transformers and",
            "  FAISS, loads the model and the vectors, and answers; the bot process goes through",
            "  `bot.runtime.load_embedder` and `load_engine` (ONNX Runtime, as the image serves; with",
            "  `ESSAYBOT_ENCODER=torch` for the torch reference). One warm-up round, then the median of the rest.",
            "- *ONNX Runtime against torch*: the bot's engine answers the dev set with each encoder over the",
            "  same index; the export itself is checked at build time on the calibration and dev questions",
            "  (`index/encoding/onnx_export.py`), and `benchmarks/onnx_quantization.py` runs the same check on a",
            "  dynamically quantised int8 graph.",
            "- *Builds*: `index.building.build.build_index` on the essay and on a synthetic corpus of Markdown documents",
            "  made from the essay's sentences (`benchmarks/synthetic.py`, fixed seed); the incremental rebuild",
            "  edits one paragraph and rebuilds with the embedding cache.",
            "",
            "## The ONNX Runtime encoder",
            "",
            "`essaybot index build` (and the image's build stage) exports the model from the same weights",
            "with `torch.onnx`, writes its weights beside the graph (ONNX Runtime maps them rather than",
            "parsing a copy, which saves the model's size in peak memory), and refuses to publish unless the",
            "export matches torch: the largest cosine difference over the corpus texts (pooled and token",
            "vectors) at most 1e-4, and the same top-5 answers for every calibration question",
            "(data/calibration/questions.jsonl) and dev question (../shared/eval/dev.jsonl, when present). The",
            "index carries the export; its hash is in the manifest beside the weights' hash, and the",
            "embedding cache is keyed by it. Serving imports neither torch nor sentence-transformers.",
            "",
            *INT8_FINDING,
            "",
            "## Latency and throughput against concurrency",
            "",
            latency,
            "",
            throughput,
            "",
            *sweep,
            "",
            "## Batcher settings, measured",
            "",
            "The same closed-loop load through `EngineHolder` with other settings than the defaults:",
            "",
            *[f"- {line}" for line in variants],
            "",
        ]
    )


def _figures(report) -> str:
    """An eval report's figures on one line, as the notes quote them."""
    return (
        f"hit@1 {report.hit_at(1):.3f}, hit@3 {report.hit_at(3):.3f}, hit@5 {report.hit_at(5):.3f}, "
        f"MRR {report.mrr():.3f}, abstention {report.abstention_rate:.3f}"
    )
