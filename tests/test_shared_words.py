"""A question asked on its own that shares no word or number with a document is off topic for it; one
made only of names the document uses is on topic."""

import pytest

from index.answering.answers import Abstention, AnswerKind
from index.answering.conversation import Conversation
from index.scoring.abstain import Abstainer
from index.scoring.parameters import AbstentionModel
from tests.conftest import HashingEmbedder, engine_with


@pytest.mark.parametrize(
    ("question", "shares_nothing"),
    [
        ("does the essay mention nato", True),
        ("mussolini?", True),
        ("what happened in 1850", True),  # a year the essay does not reach either
        ("what happened in 1969", False),  # a year it names
        ("what happened in the 1890s", False),  # a decade holding years it names
        ("who is wang yi", False),
        ("what did the PRC want", False),  # an alias of a name it uses
        ("what else has zhao written", False),  # the author, named in the front matter only
        ("why?", False),  # no content words: nothing to judge by
        ("1896?", False),
    ],
)
def test_a_question_shares_nothing_when_no_word_or_number_of_it_is_the_documents(
    essay_lexicon, question, shares_nothing
):
    assert essay_lexicon.shares_nothing(question) is shares_nothing


@pytest.mark.parametrize(
    ("question", "only_names"),
    [
        ("who is wang yi", True),
        ("tell me about president putin", True),
        ("port arthur?", True),
        ("what did the PRC want", False),  # "want" is no name
        ("how many people live in china right now?", False),
        ("xi jinping?", False),  # names the essay never uses
        ("wang yi in 2023", False),  # a year after the essay's date
        ("why?", False),
    ],
)
def test_a_question_of_names_the_document_uses_is_only_names(essay_lexicon, question, only_names):
    assert essay_lexicon.only_names(question) is only_names


def test_a_question_of_its_names_is_on_topic_on_its_own_and_in_a_conversation(hashing_index_dir):
    """ "who is wang yi?" after a question about Valdai was refused: the rule held only on its own."""
    # A model that always abstains, so that only the rule can answer.
    always = Abstainer.always(AbstentionModel(bias=50.0))
    engine = engine_with(hashing_index_dir, HashingEmbedder(), abstention=always)
    assert engine.answer("who is wang yi").kind is AnswerKind.ANSWER
    asked_after = Conversation(("What did Putin say at the Valdai Club?",))
    assert engine.answer("who is wang yi", conversation=asked_after).kind is AnswerKind.ANSWER
    assert engine.answer("how many people live there?", conversation=asked_after).kind is AnswerKind.ABSTAIN


def test_the_rule_refuses_a_question_asked_on_its_own_but_not_in_a_conversation(hashing_index_dir):
    # A model that never abstains, so that only the rule can refuse.
    never = Abstainer.always(AbstentionModel(bias=-50.0))
    engine = engine_with(hashing_index_dir, HashingEmbedder(), abstention=never)
    alone = engine.answer("does the essay mention nato")
    assert alone.abstention is Abstention.OFF_TOPIC and not alone.excerpts
    # A follow-up leans on words said before ("anyone more senior weigh in?"): the rule is not applied.
    follow_up = engine.answer(
        "anyone more senior weigh in?",
        conversation=Conversation(("How did the Chinese foreign ministry spokesman react?",)),
    )
    assert follow_up.kind is AnswerKind.ANSWER and follow_up.excerpts
    assert engine.answer("who is wang yi").kind is AnswerKind.ANSWER
