"""Mid-conversation, a follow-up to a subject no document covers ("what about india?") is refused: made
only of words no document uses, it does not point back, and it pulls its conversation's best cosine down
by more than the fitted ``subject_drop`` (Abstainer.changes_to_unknown_subject). The figures it buys are
in tests/test_conversation_quality.py."""

import pytest

from index.answering.answers import Abstention, AnswerKind
from index.answering.conversation import Conversation
from index.answering.turns import refers_back
from index.scoring.abstain import Abstainer
from index.scoring.parameters import AbstentionModel
from tests.conftest import HashingEmbedder, engine_with

AFTER_A_QUESTION = Conversation(("What did Putin say at the Valdai Club?",))
NEVER = AbstentionModel(bias=-50.0)  # never abstains, so that only the rule can refuse


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("was it ever used for that?", True),
        ("why did they stop?", True),
        ("and the 1945 one?", True),
        ("does he mention trump?", False),  # the author (or whoever was named) asked about a new subject
        ("what about india?", False),
        ("and the catch?", False),
    ],
)
def test_a_message_refers_back_by_pointing_at_something_but_not_at_a_person(text, points):
    assert refers_back(text) is points


@pytest.fixture
def any_drop_refuses(hashing_index_dir):
    """An engine on which every follow-up the rule may judge is refused (a drop of more than -1)."""
    return engine_with(
        hashing_index_dir, HashingEmbedder(), abstention=Abstainer(NEVER, NEVER, subject_drop=-1.0)
    )


def test_a_follow_up_of_words_no_document_uses_is_judged_by_what_it_does_to_the_conversation(
    any_drop_refuses,
):
    for switch in ("what about taylor swift?", "does he mention trump?"):
        answer = any_drop_refuses.answer(switch, conversation=AFTER_A_QUESTION)
        assert answer.abstention is Abstention.OFF_TOPIC and not answer.excerpts, switch


@pytest.mark.parametrize(
    "follow_up",
    [
        "was it ever used for that?",  # points back: about what was said
        "and the 1945 one?",  # a number the essay names
        "what did wang yi say?",  # words the essay uses
    ],
)
def test_a_follow_up_that_points_back_or_shares_a_word_is_not_judged_by_it(any_drop_refuses, follow_up):
    assert any_drop_refuses.answer(follow_up, conversation=AFTER_A_QUESTION).kind is AnswerKind.ANSWER


def test_without_a_fitted_drop_no_follow_up_is_judged_by_it(hashing_index_dir):
    unfitted = engine_with(hashing_index_dir, HashingEmbedder(), abstention=Abstainer(NEVER, NEVER))
    assert (
        unfitted.answer("what about taylor swift?", conversation=AFTER_A_QUESTION).kind is AnswerKind.ANSWER
    )
