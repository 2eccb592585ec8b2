"""The essaybot command line, run in-process: its JSON contract, exit codes and messages."""

import json
import re
import shutil

import pytest

from bot.cli import EXIT_ERROR, EXIT_OK, EXIT_STALE, EXIT_USAGE, main
from tests.conftest import TokenHashingEmbedder, corpus_paragraph_count, write_document

JSON_KEYS = {"question", "answered", "reason", "kind", "message", "context", "excerpts"}
EXCERPT_KEYS = {"text", "document", "title", "section", "paragraph", "start", "end", "score"}


@pytest.fixture
def workspace(tmp_path, monkeypatch, corpus_copy):
    """A working folder with its own corpus and data folder, as an operator would have."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ESSAYBOT_CORPUS_DIR", str(corpus_copy))
    monkeypatch.setenv("ESSAYBOT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def warm_cache(workspace, real_embedding_cache):
    """The session's embedding cache in the workspace: a build runs for real but encodes nothing new."""
    shutil.copytree(real_embedding_cache, workspace / "data" / "cache")


@pytest.fixture
def shared_index(workspace, monkeypatch, real_index_dir):
    """The session's real index (built from the same corpus), for commands that only read it."""
    monkeypatch.setenv("ESSAYBOT_INDEX_DIR", str(real_index_dir))
    return real_index_dir


def paragraphs_by_citation(corpus_dir) -> dict[tuple[str, str, int], str]:
    from index.corpus.corpus_files import load_corpus

    return {
        (document.title, paragraph.section, paragraph.number): paragraph.text
        for document in load_corpus(corpus_dir)
        for paragraph in document.paragraphs
    }


@pytest.mark.model
def test_ask_builds_the_index_first_and_prints_one_json_object_per_question(workspace, warm_cache, capsys):
    questions = ["What was the Li-Lobanov Treaty?", "who won the 2018 world cup", ""]

    code = main(["ask", "--json", *questions])

    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert "building one" in err
    lines = out.splitlines()
    assert len(lines) == len(questions)
    results = [json.loads(line) for line in lines]
    assert [r["question"] for r in results] == questions
    for result in results:
        assert set(result) == JSON_KEYS
        for excerpt in result["excerpts"]:
            assert set(excerpt) == EXCERPT_KEYS
    answered, off_topic, empty = results
    assert answered["answered"] and answered["reason"] is None and answered["excerpts"]
    assert not off_topic["answered"] and off_topic["excerpts"] == [] and off_topic["reason"]
    assert not empty["answered"] and empty["reason"] == "The question is empty."


@pytest.mark.model
def test_ask_json_excerpts_are_the_corpus_text_at_their_offsets(shared_index, capsys, corpus_copy):
    from index.corpus.corpus_files import load_corpus

    paragraphs = {(p.document, p.number): p.text for d in load_corpus(corpus_copy) for p in d.paragraphs}

    main(["ask", "--json", "-k", "5", "How much did the Soviets lend China for weapons in 1938?"])

    result = json.loads(capsys.readouterr().out)
    assert len(result["excerpts"]) == 5
    for excerpt in result["excerpts"]:
        source = paragraphs[(excerpt["document"], excerpt["paragraph"])]
        assert source[excerpt["start"] : excerpt["end"]] == excerpt["text"]


CITATION_LINE = re.compile(
    r"^     — (?P<title>.+) — §(?P<section>.+) ¶(?P<paragraph>\d+) \(chars (\d+)–(\d+), score"
)


@pytest.mark.model
def test_ask_prints_quotes_and_citations_for_a_terminal(shared_index, capsys, corpus_copy):
    paragraphs = paragraphs_by_citation(corpus_copy)

    main(["ask", "What did Putin say at the Valdai Club?"])

    out = capsys.readouterr().out
    assert out.startswith("Q: What did Putin say at the Valdai Club?\n")
    quotes = re.findall(r"^  \d\. “(.*?)”$\n^     — ", out, flags=re.MULTILINE | re.DOTALL)
    citations = [CITATION_LINE.match(line) for line in out.splitlines() if line.startswith("     — ")]
    assert quotes and len(quotes) == len(citations) and all(citations)
    for quote, citation in zip(quotes, citations, strict=True):
        assert citation is not None
        key = (citation["title"], citation["section"], int(citation["paragraph"]))
        source = paragraphs[key]  # a real paragraph of the corpus, cited as it is titled
        start, end = int(citation[4]), int(citation[5])
        assert "".join(source[start:end].split()) == "".join(quote.split())  # the quote, rewrapped


@pytest.mark.model
def test_index_status_tells_fresh_from_stale(workspace, warm_cache, capsys, corpus_copy):
    assert main(["index", "build"]) == EXIT_OK
    assert f"{corpus_paragraph_count(corpus_copy)} paragraphs" in capsys.readouterr().out

    assert main(["index", "status"]) == EXIT_OK
    assert "fresh" in capsys.readouterr().out

    essay = next(corpus_copy.glob("*.md"))
    essay.write_text(essay.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert main(["index", "status"]) == EXIT_STALE
    out = capsys.readouterr().out
    assert "stale" in out and essay.stem in out and "essaybot index build" in out


def test_index_status_names_a_document_without_calibration_questions(workspace, corpus_copy, capsys):
    from index.building.build import build_index
    from index.scoring.question_maps import UNCALIBRATED

    write_document(
        corpus_copy, "tea", "Tea reached Britain in the seventeenth century.\n\nIt became popular."
    )
    build_index(corpus_copy, workspace / "data" / "index", TokenHashingEmbedder())  # status reads no model

    assert main(["index", "status"]) == EXIT_OK
    out = capsys.readouterr().out

    assert f"document: tea — A Test Document (2 paragraphs, 2 sentences)\n  {UNCALIBRATED}\n" in out
    assert out.count(UNCALIBRATED) == 1  # the essay's questions are in the shipped fit
    assert "calibration: giving tea the topic probe" in out and "data/calibration/questions.jsonl" in out


@pytest.mark.model
def test_eval_prints_the_scores(workspace, shared_index, capsys):
    eval_file = workspace / "mini.jsonl"
    items = [
        {
            "id": "a",
            "question": "What treaty was signed in 1896?",
            "gold": ["the Li-Lobanov Treaty"],
            "kind": "fact",
        },
        {"id": "b", "question": "best pizza dough recipe", "gold": [], "kind": "offtopic"},
    ]
    eval_file.write_text("".join(json.dumps(item) + "\n" for item in items))

    assert main(["eval", str(eval_file)]) == EXIT_OK

    out = capsys.readouterr().out  # the figures are the quality gate's business; here, that they print
    assert re.search(r"^on-topic 1: hit@1 [01]\.\d{3}  hit@3 [01]\.\d{3}", out, flags=re.MULTILINE)
    assert re.search(r"^off-topic 1: abstention [01]\.\d{3}$", out, flags=re.MULTILINE)


def test_status_without_an_index_says_how_to_build_one(workspace, capsys):
    assert main(["index", "status"]) == EXIT_ERROR
    assert "essaybot index build" in capsys.readouterr().err


@pytest.mark.model  # `index build` loads the model before it looks for the corpus folder
def test_a_missing_corpus_folder_is_one_clear_error(workspace, capsys, monkeypatch):
    monkeypatch.setenv("ESSAYBOT_CORPUS_DIR", str(workspace / "no-such-folder"))

    assert main(["index", "build"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "no-such-folder" in err and "Traceback" not in err


def test_an_unreadable_eval_file_is_one_clear_error(workspace, capsys):
    (workspace / "bad.jsonl").write_text("not json\n")

    assert main(["eval", str(workspace / "bad.jsonl")]) == EXIT_ERROR
    assert "bad.jsonl:1" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["run", "--token", "abc.def"], ["run", "--discord-token=abc.def"]])
def test_a_token_on_the_command_line_is_refused(argv, capsys):
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "refusing a token on the command line" in err and "abc.def" not in err


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["ask", "-k", "0", "question"])
    assert exit_info.value.code == EXIT_USAGE


@pytest.mark.model
def test_ask_with_context_answers_a_follow_up_and_says_what_it_followed(workspace, shared_index, capsys):
    earlier = "What was the Li-Lobanov Treaty?"

    code = main(
        ["ask", "--json", "--context", earlier, "who proposed it?", "who wrote this essay?", "thanks!"]
    )

    follow_up, about, chat = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert code == EXIT_OK
    assert (
        follow_up["kind"] == "answer" and follow_up["context"] == [earlier] and follow_up["message"] is None
    )
    assert about["kind"] == "about" and about["excerpts"] == [] and "Zhao Huasheng" in about["message"]
    assert chat["kind"] == "chat" and chat["answered"] is False and chat["reason"] is None and chat["message"]


@pytest.mark.model
def test_eval_scores_follow_ups_questions_about_the_document_and_small_talk(workspace, shared_index, capsys):
    eval_file = workspace / "chat.jsonl"
    items = [
        {
            "id": "f",
            "context": ["What was the Li-Lobanov Treaty?"],
            "question": "who proposed it?",
            "gold": ["The Treaty was suggested by Russia"],
            "kind": "followup",
        },
        {
            "id": "m",
            "question": "who wrote it and when?",
            "gold": ["Zhao Huasheng", "2021-01-27"],
            "kind": "meta",
            "all": True,
        },
        {
            "id": "x",
            "question": "who wrote it?",
            "gold": ["Zhao Huasheng", "not in the reply"],
            "kind": "meta",
            "all": True,
        },
        {"id": "c", "question": "hello!", "gold": [], "kind": "chat"},
    ]
    eval_file.write_text("".join(json.dumps(item) + "\n" for item in items))

    assert main(["eval", str(eval_file)]) == EXIT_OK

    out = capsys.readouterr().out
    assert "followup" in out and "on-topic 1:" in out
    assert "meta 2: right 1/2" in out and "chat 1: right 1/1" in out
    assert "x [meta] wrong reply" in out
