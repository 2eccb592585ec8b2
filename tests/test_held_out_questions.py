"""300 questions no fit has read (tests/data/questions/held_out.jsonl): 240 on topic, 60 off topic.

They were written like the calibration set, without sight of the dev sets, but in the framings people
use on a bot that quotes a text: false premises, a quote asked for a slide, political-science words the
essay never uses, hypotheticals. Added to the calibration set, the refit gained one dev question and lost
one to abstention, and lost four multi-part first answers (docs/retrieval-history.md, round 7), so they
are kept out of it: the one held-out measurement larger than dev. Never fit on them.

The floors sit a little under the figures measured when the set was written: hit@1 0.604, hit@3 0.767,
MRR 0.689, 12 of 240 on-topic questions refused, 50 of 60 off-topic ones refused.
"""

import json

import pytest

from index.answering.conversation import Conversation
from index.evaluation import load_items, score
from tests.conftest import REPO, corpus_sentences

HELD_OUT = REPO / "tests" / "data" / "questions" / "held_out.jsonl"
CALIBRATION = REPO / "data" / "calibration" / "questions.jsonl"


def test_every_gold_span_is_verbatim_inside_one_sentence():
    sentences = corpus_sentences()
    items = [json.loads(line) for line in HELD_OUT.read_text(encoding="utf-8").splitlines()]
    assert len({item["id"] for item in items}) == len(items)
    for item in items:
        if item["kind"] == "offtopic":
            assert item["gold"] == [], item["id"]
            continue
        assert item["gold"], item["id"]
        for span in item["gold"]:
            assert any(span in sentence for sentence in sentences), (item["id"], span)


@pytest.mark.model
def test_held_out_questions_are_answered_and_refused_about_as_well_as_when_they_were_written(real_engine):
    items = load_items(HELD_OUT)
    report = score(items, real_engine.answer_many([item.question for item in items], k=5))
    assert report.hit_at(1) >= 0.58
    assert report.hit_at(3) >= 0.74
    assert report.false_abstentions <= 15
    assert report.abstention_rate >= 0.8


@pytest.mark.model
def test_short_off_topic_chat_messages_are_not_quoted_at_alone_or_mid_conversation(real_engine):
    """250 short messages people throw at a chat bot ("what's the capital of australia?", "tell me a
    joke", "population of japan"), written without sight of the code or the dev sets
    (tests/data/questions/held_out_chat_offtopic.jsonl; never fit on them). Measured when written: 221
    not quoted at alone; each asked after an on-topic question, 174, and 201 once a message of two
    content words stands on its own (turns.leans_on_context). Alone, 231 once a question asked on its own
    that shares no word with the essay is refused ("define serendipity", Abstainer.document_off_topic)."""
    items = load_items(HELD_OUT.with_name("held_out_chat_offtopic.jsonl"))
    assert all(not item.gold and item.kind == "offtopic" for item in items)
    asked = [item.question for item in items]
    on_topic = [item.question for item in load_items(CALIBRATION) if item.on_topic]
    after = [Conversation((on_topic[(n * 7919) % len(on_topic)],)) for n in range(len(asked))]

    alone = real_engine.answer_many(asked)
    mid_conversation = real_engine.answer_many(asked, conversations=after)

    assert sum(not answer.answered for answer in alone) >= 0.9 * len(asked)
    assert sum(not answer.answered for answer in mid_conversation) >= 0.78 * len(asked)


@pytest.mark.model
def test_short_questions_about_names_and_terms_are_found(real_engine):
    """150 lookups of two to seven words about the essay's people, places, treaties and terms ("who is
    wang yi", "port arthur?", "what happened in 1980"), written without sight of the code or the dev sets
    (tests/data/questions/held_out_short.jsonl; never fit on them: as calibration questions they cost a
    dev false abstention, docs/retrieval-history.md round 9). Measured when written: hit@1 0.793, hit@3
    0.887, 6 refused; 8 once a question asked on its own that shares no word with the essay is refused
    ("where's vladivostock", misspelt; "what if things get worse")."""
    items = load_items(HELD_OUT.with_name("held_out_short.jsonl"))
    sentences = corpus_sentences()
    assert all(any(span in sentence for sentence in sentences) for item in items for span in item.gold)

    report = score(items, real_engine.answer_many([item.question for item in items], k=5))

    assert report.hit_at(1) >= 0.76 and report.hit_at(3) >= 0.86
    assert report.false_abstentions <= 8
