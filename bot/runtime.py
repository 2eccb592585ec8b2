"""Wiring between Settings and the engine: which model, which index folder, build when missing."""

import functools
import logging
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings
from index.build import BuildReport, Progress, build_index
from index.embedding import Embedder
from index.embedding import load_embedder as load_model
from index.engine import Engine
from index.store import MANIFEST

log = logging.getLogger(__name__)


def load_embedder(settings: Settings) -> Embedder:
    return _cached_model(settings.model, settings.model_sha256 or None)


@functools.cache
def _cached_model(model: str, sha256: str | None) -> Embedder:
    # Loading takes seconds and the weights are read-only, so one process loads them once.
    return load_model(model, sha256)


def serving_index_dir(settings: Settings) -> Path:
    """The index to serve: the writable one once built, else the read-only seed (a Docker image's)."""
    own = settings.resolved_index_dir
    if (own / MANIFEST).exists() or settings.seed_index_dir is None:
        return own
    if (settings.seed_index_dir / MANIFEST).exists():
        return settings.seed_index_dir
    return own


def rebuild_index(settings: Settings, embedder: Embedder, progress: Progress | None = None) -> BuildReport:
    """Build from the corpus folder into the writable index folder (atomically)."""
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
