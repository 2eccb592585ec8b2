"""Does dynamic int8 quantisation keep the answers? The export's parity check, on an int8 graph.

    .venv/bin/python benchmarks/onnx_quantization.py      # about 2 minutes; prints one line per graph

Ships nothing: the image and ``essaybot index build`` export float32 unless this finds int8 answers
every parity question exactly as torch does (docs/performance.md records the finding).
"""

import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.runtime import PARITY_QUESTIONS  # noqa: E402
from index.encoding.embedding import PACKAGED_MODEL, load_embedder  # noqa: E402
from index.encoding.onnx_encoder import ENCODER_ONNX, ENCODER_WEIGHTS, load_onnx_embedder  # noqa: E402
from index.encoding.onnx_export import check_parity, export_model  # noqa: E402
from index.evaluation import load_items  # noqa: E402
from index.storage.files import file_sha256  # noqa: E402


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    questions = [
        item.question
        for path in PARITY_QUESTIONS
        if (ROOT / path).is_file()
        for item in load_items(ROOT / path)
    ]
    reference = load_embedder(PACKAGED_MODEL, None)
    with tempfile.TemporaryDirectory(prefix="essaybot-int8-") as tmp:
        for quantize in (False, True):
            folder = Path(tmp) / ("int8" if quantize else "float32")
            export_model(reference, folder, quantize=quantize)
            candidate = load_onnx_embedder(
                folder, expected=None, model_id=reference.model_id, weights_sha256=reference.weights_sha256
            )
            report = check_parity(reference, candidate, ROOT / "corpus", questions, Path(tmp))
            size = sum((folder / name).stat().st_size for name in (ENCODER_ONNX, ENCODER_WEIGHTS)) / 2**20
            print(
                f"{'int8' if quantize else 'float32'} ({size:.0f} MiB, sha256 {file_sha256(folder / ENCODER_ONNX)[:12]}): "
                f"{report.summary()}; parity {'passed' if report.passed else 'FAILED'}",
                flush=True,
            )
            for question in report.rankings_differ[:5]:
                print(f"    differs: {question}")


if __name__ == "__main__":
    main()
