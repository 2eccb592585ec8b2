"""CI quality gate: dev-set retrieval quality with the real model must not fall below today's level.

The floors sit just under the figures measured when they were last raised (hit@1 0.800, hit@3 0.975,
MRR 0.883, off-topic abstention 1.00 with no false abstention). The hit@3 and abstention floors are
the issue's gate (0.95, 0.90). The hit@1 floor is below the gate (0.85), which the method does not reach
yet (docs/retrieval.md). Raise the floors with the method.
"""

import pytest

from index.evaluation import load_items, score
from tests.conftest import require_dev_set

MIN_HIT_AT_1 = 0.775
MIN_HIT_AT_3 = 0.95
MIN_MRR = 0.85
MIN_ABSTENTION = 0.90
MAX_FALSE_ABSTENTIONS = 1

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def report(real_engine):
    items = load_items(require_dev_set())  # a missing dev set fails here, saying where it should be
    return score(items, real_engine.answer_many([item.question for item in items], k=5))


def test_right_passage_comes_first_often_enough(report):
    assert report.hit_at(1) >= MIN_HIT_AT_1, f"hit@1 {report.hit_at(1):.3f} < {MIN_HIT_AT_1}"


def test_right_passage_is_in_the_top_three(report):
    assert report.hit_at(3) >= MIN_HIT_AT_3, f"hit@3 {report.hit_at(3):.3f} < {MIN_HIT_AT_3}"


def test_the_right_passage_ranks_high_on_average(report):
    assert report.mrr() >= MIN_MRR, f"MRR {report.mrr():.3f} < {MIN_MRR}"


def test_off_topic_questions_get_no_quotes(report):
    assert report.abstention_rate >= MIN_ABSTENTION, (
        f"abstention {report.abstention_rate:.2f} < {MIN_ABSTENTION}"
    )
    assert report.false_abstentions <= MAX_FALSE_ABSTENTIONS


def test_excerpts_fit_a_chat_message(report):
    assert all(len(result.top_excerpt) <= 400 for result in report.results)
