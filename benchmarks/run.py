"""EssayBot's performance benchmark: every figure beside the bare floor, measured in the same run.

    .venv/bin/python benchmarks/run.py            # about 5 minutes on 2 quiet cores; rewrites docs/performance.md
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions, for a smoke test; writes nothing

The floor is one all-MiniLM-L6-v2 encode of the question plus an exact FAISS search (benchmarks/floor.py).
EssayBot's figures go through the bot's real answer path: ``bot.runtime`` wiring, the engine, and the
micro-batcher of ``bot.engine_holder`` on a worker thread, with no Discord. Everything is written to
temporary folders; the repository's var/ and corpus/ are only read. With ``onnxruntime`` installed
(optional), an ONNX Runtime encoder is measured as a proposal too.
"""

import os

# The bot's process runs with this (bot/cli.py sets it before torch and faiss load their OpenMP
# runtimes), so this one does too; it must be set before those imports, hence before the suite's.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from suite import main

if __name__ == "__main__":
    main(__doc__)
