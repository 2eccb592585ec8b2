"""Abstention holds when a document is added: the essay plus an unrelated or a neighbouring document.

The test documents and their questions are in tests/data/documents/ (each with ten questions about it;
offtopic.jsonl holds twelve questions neither document nor the essay addresses). The figures are the
issue's (#13): dev off-topic abstention at least 11 of 12 with at most one false abstention, dev hit@3
at least 0.95, and the new document's questions hit@3 at least 0.875.

The neighbouring document answers three of the dev set's off-topic questions (the essay does not): they
are asked as questions about it, with its own words as gold, and the rest of the off-topic questions
keep the bar of at most one answered.
"""

import shutil

import pytest

from index.evaluation import EvalItem, load_items, score
from tests.conftest import CORPUS_DIR, DEV_SET, REPO

DOCUMENTS = REPO / "tests" / "data" / "documents"

# Dev "off-topic" questions the added document does answer, with the words it answers them in.
ANSWERED_BY = {
    "steppe-partnership-2024": {
        "dev-047": "China became the buyer of first resort",
        "dev-049": "Bilateral trade climbed to an estimated 240 billion dollars in 2023",
        "dev-050": "gives both a forum to manage this overlap without open rivalry",
    },
}

pytestmark = pytest.mark.model


@pytest.fixture(scope="module", params=["river-orchards-2023", "steppe-partnership-2024"])
def added(request, tmp_path_factory, real_embedder, real_embedding_cache):
    from index.answering.engine import Engine
    from index.building.build import build_index

    if not DEV_SET.is_file():
        pytest.skip(f"dev set not found at {DEV_SET}")
    name = request.param
    folder = tmp_path_factory.mktemp(name)
    corpus = folder / "corpus"
    corpus.mkdir()
    for path in [*CORPUS_DIR.glob("*.md"), DOCUMENTS / f"{name}.md"]:
        shutil.copy(path, corpus / path.name)
    build_index(corpus, folder / "index", real_embedder, cache_dir=real_embedding_cache)
    return name, Engine.load(folder / "index", real_embedder)


def _dev(name: str) -> list[EvalItem]:
    answered = ANSWERED_BY.get(name, {})
    return [
        EvalItem(item.id, item.question, (answered[item.id],), "fact") if item.id in answered else item
        for item in load_items(DEV_SET)
    ]


def _report(engine, items):
    return score(items, engine.answer_many([item.question for item in items], k=3))


def test_dev_off_topic_questions_are_still_refused(added):
    name, engine = added
    report = _report(engine, _dev(name))

    off_topic = [result for result in report.results if not result.item.gold]
    answered = [result.item.id for result in off_topic if not result.abstained]
    assert len(answered) <= 1, answered
    assert report.false_abstentions <= 1


def test_dev_questions_are_still_found(added):
    name, engine = added

    assert _report(engine, _dev(name)).hit_at(3) >= 0.95


def test_the_added_documents_questions_are_found(added):
    name, engine = added
    report = _report(engine, load_items(DOCUMENTS / f"{name}.jsonl"))

    assert report.hit_at(3) >= 0.875
    assert report.false_abstentions <= 1


def test_questions_no_document_addresses_are_refused(added):
    _, engine = added
    report = _report(engine, load_items(DOCUMENTS / "offtopic.jsonl"))

    # Measured, not the bar (docs/retrieval.md): 9 and 8 of 12 today (8 and 6 before round 6);
    # the floor leaves one question of room.
    assert report.abstention_rate >= 7 / 12


def test_conversations_over_both_documents(added):
    """112 turns of 40 conversations over the essay and the neighbouring document, written from the two
    documents and the eval README alone (steppe-partnership-2024-conversations.jsonl), replayed as the
    bot keeps them. Read once: questions about the documents 16 of 28 ("what documents do you have?" and
    "which one is newer?" refused, "which paper is that from?" quoted again, "who wrote this?" naming the
    document the reply before quoted last rather than first, "where" after "when was it published" got the
    help text), small talk 10 of 11, content hit@1 0.745 / hit@3 0.843, off topic refused 9 of 22, 1 false
    refusal. After those fixes, and "is he for or against it?" right after a question about the essay
    read as about its author: 27 of 28, 11 of 11, the rest as before ("what about taiwan" after a refused
    "what about north korea" is still refused with it); a development set now."""
    name, engine = added
    if name != "steppe-partnership-2024":
        pytest.skip("written for the essay and the neighbouring document")
    items = load_items(DOCUMENTS / "steppe-partnership-2024-conversations.jsonl")
    conversations = [engine.conversation_after(item.context) for item in items]
    report = score(
        items, engine.answer_many([item.question for item in items], k=3, conversations=conversations)
    )
    meta, meta_total = report.right("meta")
    chat, chat_total = report.right("chat")
    assert meta >= meta_total - 2 and chat == chat_total
    assert report.hit_at(3) >= 0.8 and report.false_abstentions <= 1
