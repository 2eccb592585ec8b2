"""Wiring between Settings and the engine: which encoder, which index folder, build when missing."""

# Serving never imports torch when the index holds an exported ONNX model: only ``build_embedder``
# (``essaybot index build``) and ``ESSAYBOT_ENCODER=torch`` reach for it.

import functools
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings
from index.answering.engine import Engine
from index.building.build import BuildReport, Progress, build_index
from index.encoding.embedding import Embedder, SentenceTransformerEmbedder, describe, model_id_for
from index.encoding.embedding import load_embedder as load_torch_model
from index.encoding.onnx_encoder import BUILD_HINT, ENCODER_FILES, TORCH_HINT, load_onnx_embedder
from index.errors import EssayBotError, ModelError
from index.storage.store import MANIFEST, read_manifest

log = logging.getLogger(__name__)

EXPORT_DIR = "onnx-export"  # under DATA_DIR/cache: the latest export, which a build copies into its index
# The questions an export must answer exactly as torch does, relative to the working folder (the
# project's root, or /app in the image's build stage); each is used when present.
PARITY_QUESTIONS = (Path("data/calibration/questions.jsonl"), Path("../shared/eval/dev.jsonl"))


def load_embedder(settings: Settings) -> Embedder:
    """The encoder that serves questions (and /reindex): ONNX where the serving index holds an export."""
    return _serving_encoder(
        settings.encoder, settings.model, settings.model_sha256 or None, serving_index_dir(settings)
    )


@functools.cache
def _serving_encoder(encoder: str, model: str, sha256: str | None, index_dir: Path) -> Embedder:
    # Loading takes a while and the model files are read-only, so one process loads them once.
    if encoder == "torch":
        embedder = _torch_model(model, sha256)
        log.info("encoder: %s serves (%s)", describe(embedder), TORCH_HINT)
        return embedder
    exported = _exported_files(index_dir)
    if exported is not None:
        embedder = load_onnx_embedder(
            index_dir, expected=exported, model_id=model_id_for(model), weights_sha256=sha256
        )
        log.info("encoder: %s serves, exported beside the index at %s", describe(embedder), index_dir)
        return embedder
    if encoder == "onnx":
        raise ModelError(
            f"ESSAYBOT_ENCODER=onnx, but the index at {index_dir} holds no exported model; export one with: "
            f"{BUILD_HINT} (needs torch once), or set {TORCH_HINT}"
        )
    embedder = _torch_model(model, sha256)
    log.info(
        "encoder: %s serves: the index at %s holds no exported model (%s exports one)",
        describe(embedder),
        index_dir,
        BUILD_HINT,
    )
    return embedder


def build_embedder(settings: Settings) -> Embedder:
    """The encoder for ``essaybot index build``: the export is a build step, made here when needed.

    The serving index's export is reused when it came from the configured weights; otherwise, where
    torch is installed, the model is exported again and checked against torch (index/encoding/onnx_export.py)
    before anything is built with it. ``ESSAYBOT_ENCODER=torch`` builds with torch and exports nothing.
    """
    if settings.encoder == "torch":
        return load_embedder(settings)
    model, sha256 = settings.model, settings.model_sha256 or None
    index_dir = serving_index_dir(settings)
    exported = _exported_files(index_dir)
    torch_installed = importlib.util.find_spec("sentence_transformers") is not None
    if exported is not None:
        try:
            return _serving_encoder(settings.encoder, model, sha256, index_dir)
        except ModelError as error:
            if not torch_installed:
                raise
            log.warning("exporting the model again: %s", error)
    elif not torch_installed:
        raise ModelError(
            f"no exported model to build with (none in {index_dir}), and torch is not installed to export "
            f"one: pip install torch sentence-transformers, or set {TORCH_HINT}"
        )
    from index.encoding.onnx_export import export_checked
    from index.evaluation import load_items

    questions = [item.question for path in PARITY_QUESTIONS if path.is_file() for item in load_items(path)]
    folder = settings.data_dir / "cache" / EXPORT_DIR
    log.info("exporting the model to ONNX in %s and checking it on %d questions", folder, len(questions))
    embedder = export_checked(
        _cached_torch_model(model, sha256),
        folder,
        settings.corpus_dir,
        questions,
        cache_dir=settings.data_dir / "cache",
    )
    log.info("encoder: %s builds the index", describe(embedder))
    return embedder


def _torch_model(model: str, sha256: str | None) -> Embedder:
    return _cached_torch_model(model, sha256)


@functools.cache
def _cached_torch_model(model: str, sha256: str | None) -> SentenceTransformerEmbedder:
    return load_torch_model(model, sha256)


def _exported_files(index_dir: Path) -> dict[str, str] | None:
    """The export's files and hashes as the index's manifest lists them; None when it has no export."""
    try:
        manifest = read_manifest(index_dir)
    except EssayBotError:
        return None  # no index (yet), or one that load_engine will refuse with its own message
    if not manifest.encoder_sha256:
        return None
    return {name: manifest.files.get(name, "") for name in ENCODER_FILES}


def serving_index_dir(settings: Settings) -> Path:
    """The index to serve: the writable one once built, else the read-only seed (a Docker image's)."""
    own = settings.resolved_index_dir
    if (own / MANIFEST).exists() or settings.seed_index_dir is None:
        return own
    if (settings.seed_index_dir / MANIFEST).exists():
        return settings.seed_index_dir
    return own


def rebuild_index(settings: Settings, embedder: Embedder, progress: Progress | None = None) -> BuildReport:
    """Build from the corpus folder into the writable index folder (atomically), with the serving encoder."""
    return build_index(
        settings.corpus_dir,
        settings.resolved_index_dir,
        embedder,
        cache_dir=settings.data_dir / "cache",
        progress=progress,
    )


def load_engine(
    settings: Settings,
    embedder: Embedder,
    *,
    on_build: Callable[[Path], None] | None = None,
    progress: Progress | None = None,
) -> Engine:
    """Load the serving index, building it first when there is none yet."""
    index_dir = serving_index_dir(settings)
    if not (index_dir / MANIFEST).exists():
        if on_build is not None:
            on_build(index_dir)
        log.info("no index at %s yet; building it from %s", index_dir, settings.corpus_dir)
        rebuild_index(settings, embedder, progress)
        index_dir = settings.resolved_index_dir
    return Engine.load(index_dir, embedder)
