"""EssayBot's performance benchmark: every figure beside the bare floor, measured in the same run.

    .venv/bin/python benchmarks/run.py            # about 5 minutes on 2 quiet cores; rewrites docs/performance.md
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions, for a smoke test; writes nothing

The floor is one all-MiniLM-L6-v2 encode of the question with sentence-transformers (torch) plus an exact
FAISS search (benchmarks/floor.py). EssayBot's figures go through the bot's real answer path: ``bot.runtime``
wiring (ONNX Runtime, from the export the index carries), the engine, and the micro-batcher of
``bot.engine_holder`` on a worker thread, with no Discord; reference rows show the bot on torch
(ESSAYBOT_ENCODER=torch) and the floor on ONNX Runtime. Everything is written to temporary folders; the
repository's var/ and corpus/ are only read.
"""

import os
import sys
from pathlib import Path

# This checkout's bot/ and index/ before any installed copy: an editable install made from another
# checkout (a git worktree sharing its .venv) would otherwise be what gets measured.
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

# The bot's process runs with these (bot/cli.py sets them before torch, faiss and numpy load their
# runtimes), so this one does too; it must be set before those imports, hence before the suite's.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from suite import main

if __name__ == "__main__":
    main(__doc__)
