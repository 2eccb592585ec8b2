"""The ``essaybot`` command line: build and inspect the index, ask, evaluate, run the bot."""

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings
from index.errors import EssayBotError

log = logging.getLogger("essaybot")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_STALE = 3
_TOKEN_FLAGS = ("--token", "--discord-token", "--discord_token")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # torch and faiss each bring their own OpenMP runtime; with the default spin-waiting, one's idle
    # threads starve the other's on a small machine (a 13 ms encode took 400 ms after a search).
    # Only effective before either library is imported, which is why it is set here, first.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # numpy's BLAS work per question is tiny (the token match, the centring at load); split over two
    # busy cores it waited seconds (a 183 x 384 SVD at load: 0.15 s on one thread, up to 3 s on two).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if any(arg.split("=", 1)[0] in _TOKEN_FLAGS for arg in argv):
        # Command lines are visible to every user of the machine (ps, /proc) and end up in shell history.
        print(
            "essaybot: refusing a token on the command line; set ESSAYBOT_DISCORD_TOKEN in the environment, "
            ".env or /run/secrets/essaybot_discord_token",
            file=sys.stderr,
        )
        return EXIT_USAGE
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValueError as error:
        print(f"essaybot: invalid settings: {error}", file=sys.stderr)
        return EXIT_USAGE
    _configure_logging(settings.log_level, serving=args.handler is _run)
    try:
        return args.handler(args, settings)
    except EssayBotError as error:
        print(f"essaybot: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _configure_logging(level_name: str, serving: bool) -> None:
    """Our own loggers at the configured level; libraries' chatter only from WARNING up.

    One-shot commands print their results on stdout, so their logs stay quiet below WARNING unless
    DEBUG is asked for; the bot (``run``) logs at the configured level.
    """
    level = getattr(logging, str(level_name).upper(), logging.INFO)
    if not serving and level > logging.DEBUG:
        level = max(level, logging.WARNING)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for name in ("bot", "index", "essaybot"):
        logging.getLogger(name).setLevel(level)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="essaybot", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="build or inspect the index")
    index_commands = index.add_subparsers(required=True, metavar="ACTION")
    build = index_commands.add_parser("build", help="build the index from the corpus folder")
    build.add_argument("--corpus", type=Path, help="corpus folder (default: settings' CORPUS_DIR)")
    build.add_argument("--out", type=Path, help="index folder (default: DATA_DIR/index)")
    build.set_defaults(handler=_index_build)
    status = index_commands.add_parser("status", help="say whether the index matches the corpus")
    status.set_defaults(handler=_index_status)

    ask = commands.add_parser("ask", help="answer questions from the index")
    ask.add_argument("questions", nargs="+", metavar="QUESTION")
    ask.add_argument("-k", type=_positive, default=None, help="excerpts per answer (default: settings)")
    ask.add_argument("--json", action="store_true", help="one JSON object per line per question")
    ask.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="EARLIER",
        help="an earlier question of the same conversation (repeat, oldest first); the questions follow it up",
    )
    ask.set_defaults(handler=_ask)

    chat = commands.add_parser(
        "chat", help="talk with the essay in the terminal (/new starts over, Ctrl-D quits)"
    )
    chat.add_argument("-k", type=_positive, default=None, help="excerpts per answer (default: settings)")
    chat.set_defaults(handler=_chat)

    evaluate = commands.add_parser("eval", help="score an eval set (JSON lines: id, question, gold, kind)")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("-k", type=_positive, default=5, help="excerpts retrieved per question")
    evaluate.set_defaults(handler=_eval)

    run = commands.add_parser("run", help="run the Discord bot")
    run.set_defaults(handler=_run)
    health = commands.add_parser("health", help="exit 0 when a running bot is connected and serving")
    health.set_defaults(handler=_health)
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 25:
        raise argparse.ArgumentTypeError("must be between 1 and 25")
    return number


def _index_build(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import build_embedder
    from index.building.build import build_index

    corpus = args.corpus or settings.corpus_dir
    out = args.out or settings.resolved_index_dir
    embedder = build_embedder(settings)  # exports the ONNX model first when the index has none yet
    with _ProgressBar("encoding") as bar:
        report = build_index(
            corpus, out, embedder, cache_dir=settings.data_dir / "cache", progress=bar.update
        )
    print(f"index written to {out}: {report.summary()}")
    return EXIT_OK


def _index_status(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import serving_index_dir
    from index.building.freshness import check_freshness
    from index.scoring.parameters import REFIT, load_parameters
    from index.scoring.question_maps import UNCALIBRATED, uncalibrated_documents
    from index.storage.store import read_index

    index_dir = serving_index_dir(settings)
    stored = read_index(index_dir)  # verifies every file against the manifest
    manifest = stored.manifest
    freshness = check_freshness(manifest, settings.corpus_dir)
    uncalibrated = uncalibrated_documents(stored.paragraphs, load_parameters().documents)
    print(f"index: {index_dir}")
    print(f"built: {manifest.built_at} with {manifest.model_id} (weights {manifest.model_sha256[:12]}…)")
    for record in manifest.documents:
        print(
            f"document: {record.id} — {record.title} ({record.paragraphs} paragraphs, {record.sentences} sentences)"
        )
        if record.id in uncalibrated:
            print(f"  {UNCALIBRATED}")
    if uncalibrated:
        print(
            f"calibration: giving {', '.join(uncalibrated)} the topic probe takes questions about "
            f"{'it' if len(uncalibrated) == 1 else 'each'} in "
            f"data/calibration/questions.jsonl and a fit over several documents, which {REFIT} "
            "does not do yet (docs/retrieval.md)"
        )
    print(f"corpus sha256: {manifest.corpus_sha256}")
    print(freshness.describe() + ("" if freshness.fresh else "; rebuild with: essaybot index build"))
    return EXIT_OK if freshness.fresh else EXIT_STALE


def _load_for_questions(settings: Settings):
    """The engine, building the index first (with a progress bar) when there is none."""
    from bot.runtime import load_embedder, load_engine

    embedder = load_embedder(settings)
    with _ProgressBar("encoding") as bar:
        return load_engine(
            settings,
            embedder,
            on_build=lambda path: print(
                f"essaybot: no index yet; building one at {path} first", file=sys.stderr
            ),
            progress=bar.update,
        )


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.terminal import render_answer
    from index.answering.conversation import Conversation

    engine = _load_for_questions(settings)
    conversation = Conversation(tuple(args.context)) if args.context else None
    answers = engine.answer_many(
        args.questions,
        k=args.k or settings.results_per_answer,
        conversations=[conversation] * len(args.questions),
    )
    for answer in answers:
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            print(render_answer(answer))
            print()
    return EXIT_OK


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import load_embedder, load_engine
    from bot.terminal import render_report
    from index.answering.conversation import Conversation
    from index.evaluation import load_items, score

    items = load_items(args.file)
    engine = load_engine(settings, load_embedder(settings))
    answers = engine.answer_many(
        [item.question for item in items],
        k=args.k,
        conversations=[Conversation(item.context) for item in items],
    )
    print(render_report(score(items, answers)))
    return EXIT_OK


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.terminal import chat

    engine = _load_for_questions(settings)
    return chat(engine, k=args.k or settings.results_per_answer)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import run

    return run(settings)


def _health(args: argparse.Namespace, settings: Settings) -> int:
    from bot.health import check

    return check(settings)


class _ProgressBar:
    """A tqdm bar on stderr that appears only once there is progress to show."""

    def __init__(self, label: str):
        self._label = label
        self._bar = None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self._label, unit="text", file=sys.stderr, leave=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> "_ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(main())
