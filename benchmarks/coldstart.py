"""One cold start in a fresh process: load, answer one question, print phase times and peak RSS as JSON.

Run by run.py from the repository root as
``python benchmarks/coldstart.py floor|bot|bot-torch|onnx INDEX_DIR QUESTION MODEL_DIR``; ``bot-torch`` is
``bot`` with ESSAYBOT_ENCODER=torch in its environment (run.py sets it).
"""

import json
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
# This checkout's bot/ and index/ first, as in run.py (an editable install may point at another checkout).
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))


def floor(index_dir: Path, question: str, model_dir: Path) -> dict[str, float]:
    phases = {}
    mark = time.perf_counter()
    import faiss  # noqa: F401
    import sentence_transformers  # noqa: F401
    from floor import Floor, load_model

    phases["import"] = time.perf_counter() - mark
    mark = time.perf_counter()
    model = load_model(model_dir)
    phases["model"] = time.perf_counter() - mark
    mark = time.perf_counter()
    bare = Floor(model, index_dir / "vectors.faiss")
    phases["index"] = time.perf_counter() - mark
    mark = time.perf_counter()
    bare.answer(question)
    phases["answer"] = time.perf_counter() - mark
    return phases


def onnx(index_dir: Path, question: str, model_dir: Path) -> dict[str, float]:
    """The floor again, with the bot's ONNX Runtime encoder (the export the index carries) for torch."""
    del model_dir
    phases = {}
    mark = time.perf_counter()
    import faiss
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401
    from floor import FLOOR_K

    from index.encoding.embedding import PACKAGED_MODEL_ID
    from index.encoding.onnx_encoder import load_onnx_embedder

    phases["import"] = time.perf_counter() - mark
    mark = time.perf_counter()
    encoder = load_onnx_embedder(index_dir, expected=None, model_id=PACKAGED_MODEL_ID, weights_sha256=None)
    phases["model"] = time.perf_counter() - mark
    mark = time.perf_counter()
    index = faiss.read_index(str(index_dir / "vectors.faiss"))
    phases["index"] = time.perf_counter() - mark
    mark = time.perf_counter()
    index.search(encoder.encode([question]), FLOOR_K)
    phases["answer"] = time.perf_counter() - mark
    return phases


def bot(index_dir: Path, question: str, model_dir: Path) -> dict[str, float]:
    del model_dir  # the bot finds its model through its settings, as in production
    phases = {}
    mark = time.perf_counter()
    from bot.runtime import load_embedder, load_engine
    from bot.settings import Settings

    settings = Settings(index_dir=index_dir, data_dir=index_dir.parent / "coldstart-data")
    phases["import"] = time.perf_counter() - mark
    mark = time.perf_counter()
    embedder = load_embedder(settings)
    phases["model"] = time.perf_counter() - mark
    mark = time.perf_counter()
    engine = load_engine(settings, embedder)
    phases["index"] = time.perf_counter() - mark
    mark = time.perf_counter()
    answer = engine.answer(question, k=settings.results_per_answer)
    phases["answer"] = time.perf_counter() - mark
    assert answer.answered, answer
    return phases


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM).

    Not ``getrusage``: Linux carries ru_maxrss across execve, so a child of a big parent would report the
    parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    mode, index_dir, question, model_dir = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    phases = {"floor": floor, "bot": bot, "bot-torch": bot, "onnx": onnx}[mode](
        index_dir, question, model_dir
    )
    # The parent times the whole process; these say where the time went, from this script's first line.
    print(
        json.dumps(
            {
                "mode": mode,
                "phases": phases,
                "in_process_seconds": time.perf_counter() - STARTED,
                "peak_rss_mib": peak_rss_mib(),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
