"""Reliability fixtures: the end-to-end harness (imported, not copied), a tiny real index and log helpers."""

import logging
from pathlib import Path

import pytest

from index.answering.engine import Engine
from index.building.build import build_index
from tests.conftest import CORPUS_DIR, HashingEmbedder
from tests.e2e.conftest import (  # noqa: F401  (fixtures are found by name in a conftest)
    essaybot,
    fake,
    no_essaybot_environment,
    no_unhandled_errors,
    start_bot,
)


@pytest.fixture(scope="session")
def tiny_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus indexed with the hashing embedder: the real engine, built in well under a second."""
    out = tmp_path_factory.mktemp("tiny-index") / "index"
    build_index(CORPUS_DIR, out, HashingEmbedder())
    return out


@pytest.fixture(scope="session")
def tiny_engine(tiny_index_dir: Path) -> Engine:
    return Engine.load(tiny_index_dir, HashingEmbedder())


def problems(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[logging.LogRecord]:
    """What the operator would be shown at ``level`` or above, from the bot and the engine."""
    return [r for r in caplog.records if r.levelno >= level and r.name.split(".")[0] in {"bot", "index"}]


LOAD_REPORT: list[str] = []  # lines the load test reports (p95 time to reply), shown in pytest's summary


def pytest_terminal_summary(terminalreporter) -> None:
    for line in LOAD_REPORT:
        terminalreporter.write_line(line)
