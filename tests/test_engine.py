"""The engine with the real model: verbatim, cited excerpts; refusals; batching gives the same answers."""

import itertools
import json

import pytest

from index.answering.answers import Abstention, AnswerKind
from tests.conftest import DEV_EVAL_SKIPPED, DEV_SET, require_dev_set

MAX_EXCERPT_CHARS = 400


def dev_questions() -> list[str]:
    if DEV_EVAL_SKIPPED and not DEV_SET.is_file():
        return []  # opted out locally: the extra questions below are still checked
    lines = require_dev_set().read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


EXTRA_QUESTIONS = [
    "what year was the li lobanov treaty",
    "tigers fight mountain",
    "Why did the three alliances end badly?",
    "What did the Soviet volunteer pilots do?",
]


def assert_grounded(engine, answer):
    """Every excerpt is the paragraph's own text at the offsets it claims, 1–3 whole sentences."""
    for excerpt in answer.excerpts:
        paragraph = engine.paragraph(excerpt.document, excerpt.paragraph)
        assert paragraph.text[excerpt.start : excerpt.end] == excerpt.text
        assert excerpt.section == paragraph.section
        assert 0 < len(excerpt.text) <= MAX_EXCERPT_CHARS
        starts = {s.start for s in paragraph.sentences}
        ends = {s.end for s in paragraph.sentences}
        assert excerpt.start in starts and excerpt.end in ends, "excerpt cut mid-sentence"
        inside = [s for s in paragraph.sentences if excerpt.start <= s.start and s.end <= excerpt.end]
        assert 1 <= len(inside) <= 3


def assert_no_overlap(answer):
    spans = sorted((e.document, e.paragraph, e.start, e.end) for e in answer.excerpts)
    for (doc_a, par_a, _, end_a), (doc_b, par_b, start_b, _) in itertools.pairwise(spans):
        assert (doc_a, par_a) != (doc_b, par_b) or end_a <= start_b


@pytest.mark.model
def test_every_excerpt_for_every_dev_question_is_verbatim_and_cited(real_engine):
    questions = dev_questions() + EXTRA_QUESTIONS
    for answer in real_engine.answer_many(questions, k=5):
        assert_grounded(real_engine, answer)
        assert_no_overlap(answer)
        assert len(answer.excerpts) <= 5
        if answer.kind is AnswerKind.ANSWER:  # a summary is ordered conclusion first, not by score
            scores = [e.score for e in answer.excerpts]
            assert scores == sorted(scores, reverse=True)


@pytest.mark.model
def test_a_question_about_the_essay_is_answered_with_the_right_passage(real_engine):
    answer = real_engine.answer("What was the name of the treaty China and Russia signed in 1896?")

    assert answer.answered
    assert any("Li-Lobanov Treaty" in e.text for e in answer.excerpts)
    assert all(
        e.citation.startswith("Should China and Russia Form an Alliance? — §") for e in answer.excerpts
    )


@pytest.mark.model
def test_an_unrelated_question_gets_no_excerpts(real_engine):
    answer = real_engine.answer("What is a good recipe for banana bread?")

    assert not answer.answered
    assert answer.excerpts == ()
    assert answer.abstention is Abstention.OFF_TOPIC
    assert answer.reason == "The essay doesn't address that."
    assert answer.suggestions and set(answer.suggestions) <= set(real_engine.sections)


@pytest.mark.model
def test_answering_in_a_batch_gives_the_same_answers_as_one_at_a_time(real_engine):
    questions = dev_questions()[:12] + EXTRA_QUESTIONS + ["", "🙂"]

    batched = real_engine.answer_many(questions, k=3)
    single = [real_engine.answer(question, k=3) for question in questions]

    assert [comparable(a) for a in batched] == [comparable(a) for a in single]
    for one, other in zip(batched, single, strict=True):
        # Padding in a batch moves the model's floats by ~1e-7: rounding would split a score at a boundary.
        assert [e.score for e in one.excerpts] == pytest.approx([e.score for e in other.excerpts], abs=1e-5)


def comparable(answer):
    """An answer without its scores, which the test compares to a tolerance."""
    return (answer.abstention, [(e.id, e.text) for e in answer.excerpts], answer.suggestions)


@pytest.mark.model
def test_skipping_gives_the_next_excerpts_without_repeats(real_engine):
    question = "What pattern does the author see across the three historical alliances?"
    first = real_engine.answer(question, k=3)
    more = real_engine.answer(question, k=3, skip=3)

    assert first.answered and more.excerpts
    assert not {e.id for e in first.excerpts} & {e.id for e in more.excerpts}


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "abstention"),
    [
        ("", Abstention.EMPTY),
        ("   \n\t ", Abstention.EMPTY),
        ("\u200b\u200d\u2060", Abstention.EMPTY),
        ("!!! ??", Abstention.NO_WORDS),
        ("https://example.com/essay", Abstention.NO_WORDS),
        ("中国和俄罗斯应该结盟吗？", Abstention.NOT_ENGLISH),
        ("Почему союз Китая и России распался?", Abstention.NOT_ENGLISH),
        ("¿Por qué China y Rusia no forman una alianza militar?", Abstention.NOT_ENGLISH),
    ],
)
def test_questions_that_cannot_be_searched_get_a_clear_reason(real_engine, question, abstention):
    answer = real_engine.answer(question)

    assert answer.abstention is abstention
    assert answer.excerpts == ()


@pytest.mark.model
def test_hostile_questions_are_answered_safely(real_engine):
    questions = [
        "Li-Lobanov treaty " * 700,  # about 12,000 characters
        "\u202eWhat was the Li-Lobanov Treaty?\u202c",
        "What was the\x00 Li-Lobanov\x07 Treaty?",
        "```python\nprint('x')\n``` @everyone <@123> <t:1700000000:R> **bold**",
    ]
    for answer in real_engine.answer_many(questions):
        assert_grounded(real_engine, answer)
    assert real_engine.answer(questions[1]).answered
