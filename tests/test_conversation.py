"""Answering in a conversation, with the real model: follow-ups, "go on", the document itself, small talk."""

import json

import pytest

from index.answering.answers import Abstention, Answer, AnswerKind, Excerpt
from index.answering.conversation import MAX_QUESTIONS, MAX_SHOWN, Conversation
from index.answering.engine import Engine
from index.building.build import build_index
from index.corpus.documents import parse_document
from index.corpus.text import words
from tests.conftest import CORPUS_DIR, REPO, engine_with, write_document
from tests.test_engine import assert_grounded

pytestmark = pytest.mark.model
LABELLED = REPO / "data" / "conversation"
HELD_OUT_TURNS = REPO / "tests" / "data" / "conversation" / "held_out_turns.jsonl"
HELD_OUT_FOLLOW_UPS = REPO / "tests" / "data" / "conversation" / "held_out_followups.jsonl"


def test_a_follow_up_is_answered_in_context_and_says_what_it_follows(real_engine):
    first = real_engine.answer("What was the Li-Lobanov Treaty?")
    follow_up = real_engine.answer("who proposed it?", conversation=Conversation().after(first))
    assert follow_up.kind is AnswerKind.ANSWER
    assert follow_up.context == ("What was the Li-Lobanov Treaty?",)
    assert_grounded(real_engine, follow_up)
    alone = real_engine.answer("who proposed it?")
    assert [e.id for e in follow_up.excerpts] != [e.id for e in alone.excerpts]


def test_a_follow_up_answered_by_what_was_shown_quotes_it_again_and_nothing_else_shown(real_engine):
    first = real_engine.answer("What was the Li-Lobanov Treaty?")
    shown = [e.id for e in first.excerpts]
    follow_up = real_engine.answer(
        "who proposed it?", conversation=Conversation().then(first.question, shown)
    )
    assert "suggested by Russia" in follow_up.excerpts[0].text, "the answer was shown: it is quoted again"
    assert len(follow_up.excerpts) == 3 and not {e.id for e in follow_up.excerpts[1:]} & set(shown)


@pytest.mark.parametrize("follow_up", ["who signed it?", "how long was it meant to last?"])
def test_a_vague_follow_up_is_answered_from_the_paragraph_the_last_answer_quoted(real_engine, follow_up):
    # "it" is whichever treaty the reader has just read about: the same words, two answers.
    for topic in ("What was the Li-Lobanov Treaty?", "What did the 1950 Sino-Soviet treaty say?"):
        quoted = real_engine.answer(topic).excerpts[0]
        conversation = Conversation(("tell me about the treaty",), shown=(quoted.id,), last=(quoted.id,))
        answer = real_engine.answer(follow_up, conversation=conversation)
        assert answer.excerpts[0].paragraph == quoted.paragraph, topic
        assert_grounded(real_engine, answer)


@pytest.mark.parametrize(
    "earlier", ["What was the Li-Lobanov Treaty?", "When was the Li-Lobanov Treaty signed?"]
)
def test_a_follow_up_naming_a_new_year_leans_on_that_year(real_engine, earlier):
    # The issue's own example: the earlier question names the treaty, not its year, and still "and the
    # 1945 one?" asks about the 1945 treaty.
    answer = real_engine.answer("and the 1945 one?", conversation=Conversation((earlier,)))
    assert "1945" in answer.excerpts[0].text and answer.context == (earlier,)


def test_with_only_the_earlier_questions_the_last_answer_is_the_one_they_get(real_engine):
    # The command line's --context and the eval sets give questions, not what was shown.
    context = ("What was the 1896 secret treaty?", "How long was it meant to run?")
    last = real_engine.answer(context[-1], conversation=Conversation(context[:1]))
    given = Conversation(context, last=tuple(e.id for e in last.excerpts))
    for follow_up in ("did it actually last that long?", "who signed it?"):
        replayed = real_engine.answer(follow_up, conversation=Conversation(context))
        assert [e.id for e in replayed.excerpts] == [
            e.id for e in real_engine.answer(follow_up, conversation=given).excerpts
        ]


def test_the_last_paragraphs_lift_ranks_but_neither_decides_abstention_nor_holds_a_new_year(
    real_index_dir, real_embedder
):
    engine = engine_with(real_index_dir, real_embedder, last_paragraph=100.0)
    quoted = engine.answer("What was the Li-Lobanov Treaty?").excerpts[0]
    conversation = Conversation(("What was the Li-Lobanov Treaty?",), last=(quoted.id,))
    assert (
        engine.answer("how do I bake sourdough bread?", conversation=conversation).kind is AnswerKind.ABSTAIN
    )
    answer = engine.answer("when did the alliance end?", conversation=conversation)
    assert answer.kind is AnswerKind.ANSWER and answer.excerpts[0].paragraph == quoted.paragraph
    # A follow-up naming another year asks about another time than the one just read about.
    assert (
        engine.answer("and the 1950 one?", conversation=conversation).excerpts[0].paragraph
        != quoted.paragraph
    )


@pytest.mark.parametrize("go_on", ["tell me more", "go on"])
def test_going_on_gives_the_rest_of_the_quoted_paragraph_then_the_next_excerpts(real_engine, go_on):
    first = real_engine.answer(
        "and the 1945 one?", k=1, conversation=Conversation(("Why did the 1950 alliance fail?",))
    )
    top = first.excerpts[0]
    conversation = Conversation(("Why did the 1950 alliance fail?",)).then(first.question, [top.id])
    more = real_engine.answer(go_on, k=3, conversation=conversation)
    assert more.kind is AnswerKind.ANSWER and more.context[-1] == first.question
    assert_grounded(real_engine, more)
    paragraph = real_engine.paragraph(top.document, top.paragraph)
    assert top.end < len(paragraph.text), "the test needs a quote that leaves some of its paragraph unshown"
    assert (more.excerpts[0].document, more.excerpts[0].paragraph) == (top.document, top.paragraph)
    assert more.excerpts[0].start >= top.end or more.excerpts[0].end <= top.start
    assert top.id not in {e.id for e in more.excerpts}


def test_going_on_past_the_quoted_paragraph_reads_on_into_the_next(real_engine):
    first = real_engine.answer("What was the Li-Lobanov Treaty?")
    top = first.excerpts[0]
    paragraph = real_engine.paragraph(top.document, top.paragraph)
    shown = [e.id for e in first.excerpts] + [f"{top.document}#p{top.paragraph}:0-{len(paragraph.text)}"]
    conversation = Conversation().then(first.question, shown)
    more = real_engine.answer("go on", k=2, conversation=conversation)
    assert_grounded(real_engine, more)
    assert [e.paragraph for e in more.excerpts] == [paragraph.number + 1] * 2
    assert more.excerpts[0].start == 0 and more.excerpts[1].start > more.excerpts[0].end
    # Read on in order, not ranked: no score to show (it printed "score 0.00").
    assert [e.score for e in more.excerpts] == [None, None]
    assert [e.to_json()["score"] for e in more.excerpts] == [None, None]


def test_small_talk_and_questions_about_the_essay_are_not_a_follow_ups_context(real_engine):
    conversation = Conversation(
        ("who wrote this essay?", "Why did the 1950 alliance fail?", "thanks!", "go on")
    )
    answer = real_engine.answer("and the 1945 one?", conversation=conversation)
    assert answer.context == ("Why did the 1950 alliance fail?",)
    assert (
        real_engine.answer("Why did the 1896 alliance fail?", conversation=Conversation(("hi",))).context
        == ()
    )


def test_where_a_topic_is_discussed_names_its_section_and_quotes_the_place(real_engine):
    answer = real_engine.answer("where does the essay discuss the Li-Lobanov Treaty?")
    assert answer.kind is AnswerKind.ABOUT and len(answer.excerpts) == 1
    assert_grounded(real_engine, answer)
    assert "Li-Lobanov" in answer.excerpts[0].text
    assert f"§{answer.excerpts[0].section}" in answer.message.splitlines()[0]


def test_going_on_without_knowing_what_was_shown_skips_the_first_answer(real_engine):
    """The command line's --context names the earlier questions only: their first k excerpts were shown."""
    first = real_engine.answer("Why did the 1950 alliance fail?", k=3)
    more = real_engine.answer("tell me more", k=3, conversation=Conversation((first.question,)))
    assert more.excerpts and not {e.id for e in more.excerpts} & {e.id for e in first.excerpts}


def test_going_on_with_nothing_to_go_on_explains_how_to_ask(real_engine):
    assert real_engine.answer("tell me more").kind is AnswerKind.CHAT


def test_who_wrote_it_is_answered_from_the_front_matter(real_engine):
    answer = real_engine.answer("who wrote this essay?")
    record = real_engine.info.documents[0]
    assert answer.kind is AnswerKind.ABOUT and not answer.excerpts
    assert record.author in answer.message and record.author_affiliation in answer.message
    assert record.date in answer.message and record.publisher in answer.message


def test_the_outline_lists_every_section_with_its_paragraphs(real_engine):
    answer = real_engine.answer("what are the sections of the essay?")
    record = real_engine.info.documents[0]
    assert answer.kind is AnswerKind.ABOUT
    positions = [answer.message.index(f"§{section} (¶") for section in record.sections]
    assert positions == sorted(positions)
    last = real_engine.answer("what's the last section called?")
    assert last.message.startswith(
        f"That is section {len(record.sections)} of {len(record.sections)}: §{record.sections[-1]}"
    )


def test_a_summary_quotes_the_argument_and_the_conclusion_verbatim(real_engine):
    answer = real_engine.answer("summarize the essay", k=3)
    record = real_engine.info.documents[0]
    assert answer.kind is AnswerKind.ABOUT and record.title in answer.message
    assert len(answer.excerpts) == 3
    assert_grounded(real_engine, answer)
    assert answer.excerpts[0].paragraph == record.paragraphs  # the conclusion, first
    assert any(e.paragraph < record.paragraphs for e in answer.excerpts)


def test_how_it_ends_quotes_the_last_paragraph_in_order(real_engine):
    answer = real_engine.answer("how does the essay end?")
    record = real_engine.info.documents[0]
    assert answer.kind is AnswerKind.ABOUT
    assert {e.paragraph for e in answer.excerpts} == {record.paragraphs}
    assert answer.excerpts[0].start == 0
    assert [e.start for e in answer.excerpts] == sorted(e.start for e in answer.excerpts)
    assert_grounded(real_engine, answer)


@pytest.mark.parametrize("text", ["hi", "thanks!", "help", "what can you do?", "nice work, spot on"])
def test_small_talk_gets_a_friendly_reply_with_examples(real_engine, text):
    answer = real_engine.answer(text)
    assert answer.kind is AnswerKind.CHAT and not answer.excerpts and answer.reason is None
    examples = real_engine.info.documents[0].examples
    assert examples and examples[0] in answer.message


def test_a_content_question_naming_the_author_is_a_content_question(real_engine):
    answer = real_engine.answer("what does the author say about Japan?")
    assert answer.kind is AnswerKind.ANSWER
    assert_grounded(real_engine, answer)


def test_a_follow_up_asking_what_year_is_about_the_conversation_not_the_essays_date(real_engine):
    first = real_engine.answer("Why did the 1896 alliance fail?")
    follow_up = real_engine.answer(
        "what year did that one end?",
        conversation=Conversation().after(first),
    )
    assert follow_up.kind is AnswerKind.ANSWER and follow_up.context == (first.question,)
    assert "2021-01-27" not in (follow_up.message or "")
    assert_grounded(real_engine, follow_up)


def test_which_section_is_that_in_names_the_section_the_last_answer_quoted(real_engine):
    first = real_engine.answer("What did Putin say about an alliance at the Valdai Club?")
    answer = real_engine.answer(
        "which section is that in?",
        conversation=Conversation().after(first),
    )
    assert answer.kind is AnswerKind.ABOUT
    count = len(real_engine.sections)
    assert answer.message.startswith(f"That is section 1 of {count}: §{first.excerpts[0].section}")


def test_asking_the_source_of_a_quote_gives_the_card_and_the_quote(real_engine):
    """ "source? where does it say that" after an answer got the publication card alone; the quote it is
    the source of comes with it now, as the answer showed it or, given only the questions, as found again."""
    first = real_engine.answer("has china allied with russia more than with any other country?")
    for conversation in (Conversation().after(first), Conversation((first.question,))):
        source = real_engine.answer("source? where does it say that", conversation=conversation)
        assert source.kind is AnswerKind.ABOUT and "China Forum" in source.message
        assert [excerpt.id for excerpt in source.excerpts] == [first.excerpts[0].id]
        assert_grounded(real_engine, source)
    # Asked with nothing quoted before it, the card alone.
    assert not real_engine.answer("source?").excerpts


def test_how_long_it_is_is_in_the_outline(real_engine):
    """ "how long is the essay? roughly how many words" got the sections alone."""
    outline = real_engine.answer("how long is the essay? roughly how many words")
    path = next(CORPUS_DIR.glob("*.md"))
    paragraphs = parse_document(path.stem, path.read_bytes()).paragraphs
    count = sum(len(words(paragraph.text)) for paragraph in paragraphs)
    assert f"{len(paragraphs)} paragraphs, {count:,} words" in outline.message


def test_a_section_named_by_a_word_only_its_title_has_is_the_one_pointed_at(real_engine):
    """ "wich part covers the history stuff" pointed at the section of the best excerpt for "history stuff"
    (the last one): a word of one section's title names that section, shown where the topic is in it."""
    count = len(real_engine.sections)
    history = next(n for n, title in enumerate(real_engine.sections) if "History" in title)
    answer = real_engine.answer("wich part covers the history stuff")
    assert answer.kind is AnswerKind.ABOUT
    assert answer.message.startswith(
        f"That is section {history + 1} of {count}: §{real_engine.sections[history]}"
    )
    assert [excerpt.section for excerpt in answer.excerpts] == [real_engine.sections[history]]
    # Its text asked for, by the same word: quoted from the section's start.
    text = real_engine.answer("what does the history section say?")
    assert text.kind is AnswerKind.ABOUT and text.excerpts[0].section == real_engine.sections[history]
    assert text.excerpts[0].start == 0
    # A word that more than one title has names no section: the best excerpt's section, as before.
    treaty = real_engine.answer("which section covers the 1950 alliance?")
    assert treaty.message.startswith(f"That is section {history + 1} of {count}")


def test_small_talk_around_a_follow_up_does_not_change_its_answer(real_engine):
    first = real_engine.answer("Why did the 1950 alliance fail?")
    conversation = Conversation().after(first)
    plain = real_engine.answer("and the 1945 one?", conversation=conversation)
    chatty = real_engine.answer("thanks! and the 1945 one?", conversation=conversation)
    assert chatty.kind is AnswerKind.ANSWER and chatty.question == "thanks! and the 1945 one?"
    assert [e.id for e in chatty.excerpts] == [e.id for e in plain.excerpts]


def test_thanks_with_a_question_answers_the_question(real_engine):
    assert real_engine.answer("thanks! and why did the 1950 alliance fail?").kind is AnswerKind.ANSWER


def test_a_refusal_or_small_talk_is_no_context_for_the_next_turn():
    excerpt = Excerpt("doc", "Title", "Section", 4, 0, 5, "Words", 0.5)
    earlier = Conversation().after(Answer("What was the treaty?", excerpts=(excerpt,)))
    refused = Answer("how do I bake bread?", abstention=Abstention.OFF_TOPIC)
    thanks = Answer("thanks!", message="You're welcome!", turn=AnswerKind.CHAT)

    assert earlier == Conversation(("What was the treaty?",), ("doc#p4:0-5",), ("doc#p4:0-5",))
    assert earlier.after(thanks) == earlier
    # The refused question is kept aside, only for a fragment that continues it ("and rye?").
    after_refusal = earlier.after(refused)
    assert after_refusal.questions == earlier.questions and after_refusal.refused == "how do I bake bread?"
    assert (
        after_refusal.after(thanks).refused == ""
        and after_refusal.after(refused).questions == earlier.questions
    )
    assert Conversation.from_json(json.loads(json.dumps(after_refusal.to_json()))) == after_refusal


@pytest.mark.model
@pytest.mark.parametrize("refused", ["what's the population of russia?", "how many people live in russia?"])
def test_a_fragment_after_a_refusal_continues_the_refused_question(real_engine, refused):
    """ "and china's?" after a refusal was answered from the essay ("china" is everywhere in it): a fragment
    is now judged with the question it continues. A question of its own after a refusal is answered,
    even one that leans on the chat ("so how do they back each other up now?")."""
    first = real_engine.answer(refused)
    assert first.abstention is Abstention.OFF_TOPIC
    conversation = Conversation().after(first)

    assert real_engine.answer("and china's?", conversation=conversation).abstention is Abstention.OFF_TOPIC
    back = real_engine.answer("ok, so why did the 1950 alliance fail?", conversation=conversation)
    assert back.answered and back.kind is AnswerKind.ANSWER
    assert real_engine.answer("and china's?").answered  # the same fragment alone: the rule's reason


@pytest.mark.model
def test_a_subject_in_place_of_a_refused_one_is_judged_as_its_own(real_engine):
    """ "what about taiwan" after a refused "what about north korea?" was refused with it, though the essay
    names Taiwan: the refused question was itself only a subject, so nothing of it carries over. A
    fragment pointing back at the refused subject, or continuing a whole refused question, still does."""
    refused = real_engine.answer("what about north korea?")
    assert refused.abstention is Abstention.OFF_TOPIC
    conversation = Conversation().after(refused)

    taiwan = real_engine.answer("what about taiwan", conversation=conversation)
    assert taiwan.kind is AnswerKind.ANSWER and "Taiwan" in " ".join(e.text for e in taiwan.excerpts)
    nukes = real_engine.answer("and its nukes?", conversation=conversation)
    assert nukes.abstention is Abstention.OFF_TOPIC
    population = Conversation().after(real_engine.answer("whats russias population rn"))
    for fragment in ("and chinas?", "ok and chinas?"):
        assert real_engine.answer(fragment, conversation=population).abstention is Abstention.OFF_TOPIC


@pytest.mark.model
def test_a_question_naming_the_author_is_judged_with_the_name_as_the_author_too(real_engine):
    """ "what model does <name> prefer" was refused where "what model does the author prefer" was
    answered: the name is a word the model does not know. What the author did not write about is still
    refused."""
    author = real_engine.info.documents[0].author
    surname = author.split()[0]
    assert real_engine.answer("what model does the author prefer").kind is AnswerKind.ANSWER
    assert real_engine.answer(f"what model does {surname.lower()} prefer").kind is AnswerKind.ANSWER
    refused = real_engine.answer(f"what does {surname} think about bitcoin?")
    assert refused.abstention is Abstention.OFF_TOPIC


@pytest.mark.model
def test_a_question_naming_the_essay_after_a_refusal_is_its_own(real_engine):
    """ "what does the essay say about japan?" has one content word, so after a refusal it was judged
    with the refused question, and refused: naming the document makes it a question about the corpus."""
    conversation = Conversation(refused="what is the weather in moscow")

    answer = real_engine.answer("what does the essay say about japan?", conversation=conversation)
    assert answer.kind is AnswerKind.ANSWER and "Japan" in answer.excerpts[0].text
    assert real_engine.answer("and tomorrow?", conversation=conversation).abstention is Abstention.OFF_TOPIC


def test_context_is_bounded():
    conversation = Conversation()
    for n in range(MAX_QUESTIONS + 3):
        conversation = conversation.then(f"question {n}", [f"doc#p{n}:{m}-{m + 1}" for m in range(20)])
    assert len(conversation.questions) == MAX_QUESTIONS and conversation.questions[-1].endswith(
        str(MAX_QUESTIONS + 2)
    )
    assert len(conversation.shown) == MAX_SHOWN
    assert Conversation.from_json(conversation.to_json()) == conversation


def _with_bees(tmp_path, embedder, corpus, sentence: str, title: str) -> Engine:
    """An engine over the essay and an eight-paragraph document about bees (``sentence`` with {n})."""
    write_document(corpus, "bees", "\n\n".join(sentence.format(n=n) for n in range(8)), title=title)
    build_index(corpus, tmp_path / "index", embedder)
    return Engine.load(tmp_path / "index", embedder)


def test_with_two_documents_a_question_about_the_essay_answers_for_each_or_for_the_conversations(
    tmp_path, real_embedder, corpus_copy
):
    engine = _with_bees(
        tmp_path,
        real_embedder,
        corpus_copy,
        "Bees in the valley gather nectar from clover number {n}. The hives are tended each spring.",
        "Keeping Bees in the Valley",
    )
    both = engine.answer("who wrote this?")
    assert "Test Author" in both.message and engine.info.documents[1].author in both.message
    bees = engine.answer("how do the hives get tended?")
    follow = engine.answer("who wrote it?", conversation=Conversation().after(bees))
    assert "Test Author" in follow.message and "Zhao" not in follow.message
    # Suggestions are per (document, section): both documents' "Introduction" are offered.
    assert len([section for section in engine.sections if section.startswith("Introduction (")]) == 2
    assert engine.examples and set(engine.info.documents[1].examples) <= set(engine.examples)
    # A paragraph by number: each document's, or the one of the conversation.
    second = engine.answer("what does paragraph 2 say?", k=4)
    assert {excerpt.document for excerpt in second.excerpts} == {
        record.id for record in engine.info.documents
    }
    assert second.message.count("¶2 of ") == 2
    in_bees = engine.answer("what does ¶2 say?", conversation=Conversation().after(bees))
    assert {excerpt.document for excerpt in in_bees.excerpts} == {"bees"}
    # Found in a blind set of conversations over two documents: "what documents do you have?" was refused,
    # "which one is newer?" too, "which paper is that from?" quoted again, and "who wrote that one?" named
    # the document its reply quoted last, not first.
    listed = engine.answer("what documents do you have?")
    assert listed.kind is AnswerKind.ABOUT and all(r.title in listed.message for r in engine.info.documents)
    newer = engine.answer("which one is newer?")
    assert all(r.date in newer.message for r in engine.info.documents)
    assert "Keeping Bees in the Valley" in engine.answer("help").message  # the help names what it holds
    after_bees = Conversation().after(bees)
    assert bees.excerpts[0].document == "bees"
    source = engine.answer("which paper is that from?", conversation=after_bees)
    assert "Keeping Bees in the Valley" in source.message and "Should China" not in source.message
    # The next paragraph after both: each document's ¶3 (it was the essay's alone, the last one quoted).
    third = engine.answer("next paragraph", k=4, conversation=Conversation().after(second))
    assert {(excerpt.document, excerpt.paragraph) for excerpt in third.excerpts} >= {("bees", 3)}
    assert third.message.count("¶3 of ") == 2
    # A suggestion names its document: "Introduction (Keeping Bees in the Valley)" quotes the bees'.
    (essay,) = [record.id for record in engine.info.documents if record.id != "bees"]
    for offered in engine.sections:
        expected = "bees" if offered.endswith("(Keeping Bees in the Valley)") else essay
        assert {excerpt.document for excerpt in engine.answer(offered).excerpts} == {expected}, offered


def test_with_two_documents_a_topic_in_the_others_title_does_not_name_it_and_k_is_shared(
    tmp_path, real_embedder, corpus_copy
):
    engine = _with_bees(
        tmp_path,
        real_embedder,
        corpus_copy,
        "Beekeepers in the valley share {n} hives in a partnership. The hives are tended each spring.",
        "A Partnership of Beekeepers",
    )
    # "partnership" is the topic asked about, not a name for the other document: every document's
    # outline is given, and the essay's holds the section (it was the bees' alone).
    where = engine.answer("which part talks about the strategic partnership model")
    assert "The Flexible Strategic Partnership Model is Still Preferred" in where.message
    # k excerpts shared between the documents, not one each whatever k is.
    ending = engine.answer("how does it end", k=4)
    (essay,) = [record.id for record in engine.info.documents if record.id != "bees"]
    assert [excerpt.document for excerpt in ending.excerpts].count(essay) == 2


def test_conversation_calibration_spans_are_verbatim():
    """The follow-up and meta questions written for calibration quote the corpus exactly."""
    essay = "\n".join(path.read_text(encoding="utf-8") for path in CORPUS_DIR.glob("*.md"))
    names = (
        "followups.jsonl",
        "meta.jsonl",
        "conversations_fresh.jsonl",
        "long_conversations.jsonl",
        "who_wrote.jsonl",
    )
    held_out = [
        HELD_OUT_TURNS.with_name(f"held_out_{name}.jsonl") for name in ("long_conversations", "who_wrote")
    ]
    for path in [*(LABELLED / name for name in names), HELD_OUT_TURNS, HELD_OUT_FOLLOW_UPS, *held_out]:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            assert item["kind"] in ("chat", "offtopic") or item["gold"], item["id"]
            assert all(span in essay for span in item["gold"]), item["id"]
            if item["kind"] in ("followup", "switch"):  # a switch changes the subject mid-conversation
                assert 1 <= len(item["context"]) <= 6, item["id"]


@pytest.mark.model
def test_a_question_made_only_of_names_the_essay_uses_is_answered_mid_conversation(real_engine):
    """ "who is wang yi?" was answered on its own but refused after a question about Valdai: the names
    rule held only outside a conversation."""
    conversation = real_engine.conversation_after(["what did putin say at valdai in 2020?"])

    answer = real_engine.answer("who is wang yi?", conversation=conversation)
    assert answer.kind is AnswerKind.ANSWER and "Wang Yi" in answer.excerpts[0].text


@pytest.mark.model
@pytest.mark.parametrize(
    "question", ["what does the essay say about the US?", "what role does the US play?", "what about the us?"]
)
def test_the_us_is_asked_about_not_taken_for_a_pronoun(real_engine, question):
    """ "US" was the stop word "us": the help text, or a refusal for want of known words."""
    answer = real_engine.answer(question)
    assert answer.kind is AnswerKind.ANSWER
    assert any("United States" in excerpt.text or "U.S." in excerpt.text for excerpt in answer.excerpts)


def test_a_paragraph_asked_for_by_its_number_is_quoted_whole_in_order_and_read_on(real_engine):
    """The citations give "¶5": "what does paragraph 5 say?" got the essay's summary instead."""
    answer = real_engine.answer("what does paragraph 5 say?", k=5)
    paragraph = real_engine.paragraph(answer.excerpts[0].document, 5)

    assert answer.kind is AnswerKind.ABOUT and answer.message.startswith("¶5 of 43 ")
    assert "§A Brief History of the China-Russia Alliance" in answer.message
    assert_grounded(real_engine, answer)
    assert [excerpt.paragraph for excerpt in answer.excerpts] == [5] * len(answer.excerpts)
    assert "".join(excerpt.text for excerpt in answer.excerpts).replace(" ", "") == paragraph.text.replace(
        " ", ""
    )
    # "go on" reads on from it, though no content question was asked.
    more = real_engine.answer("go on", conversation=Conversation().after(answer))
    assert more.kind is AnswerKind.ANSWER and more.excerpts[0].paragraph == 6


def test_a_paragraph_number_the_document_does_not_have_is_said_so(real_engine):
    answer = real_engine.answer("show me ¶99")
    assert answer.kind is AnswerKind.ABOUT and not answer.excerpts
    assert "has 43 paragraphs, so there is no ¶99" in answer.message


def test_a_range_of_paragraphs_is_quoted_in_order_from_its_first(real_engine):
    answer = real_engine.answer("paragraphs 11 to 13")
    assert answer.message.startswith("¶11–13 of 43 ")
    assert "§A Brief History of the China-Russia Alliance; §Advantages and Disadvantages" in answer.message
    assert [excerpt.paragraph for excerpt in answer.excerpts] == sorted(e.paragraph for e in answer.excerpts)
    assert answer.excerpts[0].paragraph == 11 and answer.excerpts[0].start == 0
    assert_grounded(real_engine, answer)


def test_a_counted_section_is_quoted_from_its_start_with_every_section_named(real_engine):
    """ "what does section 3 say?" got only the outline: now the section's opening, and "go on" reads on."""
    answer = real_engine.answer("what does section 3 say?")
    assert answer.kind is AnswerKind.ABOUT
    assert (
        "Section 3, §Advantages and Disadvantages of an Alliance (¶12–26), from its start:" in answer.message
    )
    assert "2. §A Brief History of the China-Russia Alliance (¶3–11)" in answer.message
    assert answer.excerpts[0].paragraph == 12 and answer.excerpts[0].start == 0
    assert_grounded(real_engine, answer)
    more = real_engine.answer("go on", conversation=Conversation().after(answer))
    assert more.excerpts[0].paragraph >= answer.excerpts[-1].paragraph
    assert not {e.id for e in more.excerpts} & {e.id for e in answer.excerpts}


def test_after_a_question_about_the_essay_he_is_its_author(
    real_engine,
):
    """Found in the two-document conversations: "so is he for or against an alliance" right after "how
    does the zhao essay end" was read as a follow-up about whoever came before."""
    conversation = Conversation().after(real_engine.answer("why did the 1950 alliance fail?"))
    conversation = conversation.after(real_engine.answer("how does the essay end?"))
    stance = real_engine.answer("so is he for or against an alliance", conversation=conversation)
    assert stance.kind is AnswerKind.ABOUT and stance.excerpts[0].paragraph == 43
    # Small talk in front of a question does not make it a fragment of a refused one.
    refused = real_engine.answer("how do i cook buckwheat")
    assert refused.abstention is Abstention.OFF_TOPIC
    tigers = real_engine.answer(
        "lol. what's the tigers thing about", conversation=Conversation().after(refused)
    )
    assert tigers.answered
    # Chat filler is no topic: "whats the tigers thing lol" was refused for its unknown words "what" and "lol".
    russians = Conversation().after(
        real_engine.answer("why are some russians against an alliance with china")
    )
    assert real_engine.answer("whats the tigers thing lol", conversation=russians).answered


def test_a_question_word_alone_after_a_front_matter_answer_is_answered_by_it(real_engine):
    """ "where" after "when was it published" got the help text."""
    published = Conversation().after(real_engine.answer("when was it published"))
    where = real_engine.answer("where", conversation=published)
    assert where.kind is AnswerKind.ABOUT and "China Forum" in where.message
    # "why?" is not what the front matter answers.
    author = Conversation().after(real_engine.answer("who wrote it"))
    assert real_engine.answer("why?", conversation=author).kind is AnswerKind.CHAT
    # "and when?" after "who wrote it" asks the date: the card is headed by it, not by the author again.
    when = real_engine.answer("and when?", conversation=author)
    assert when.message.startswith("When and where it was published")


def test_go_on_after_the_end_of_the_document_says_so(real_engine):
    ending = real_engine.answer("how does it end?", k=5)
    after = real_engine.answer("go on", conversation=Conversation().after(ending))
    assert after.kind is AnswerKind.ABOUT and not after.excerpts
    assert after.message == "That is where “Should China and Russia Form an Alliance?” ends."
    # What an index rebuilt since no longer holds is not "the end": "go on" gets help.
    stale = Conversation(questions=(), shown=("gone#p1:0-5",), last=("gone#p1:0-5",))
    assert real_engine.answer("go on", conversation=stale).kind is AnswerKind.CHAT


def test_the_next_or_previous_place_counts_from_what_was_just_quoted(real_engine):
    """ "next section" and "and the next one?" after a section got the outline or a content answer."""
    section = real_engine.answer("what does section 3 say?")
    after = Conversation().after(section)
    for asked in ("what does the next section say?", "and the next one?"):
        following = real_engine.answer(asked, conversation=after)
        assert "Section 4, §" in following.message, asked
        assert following.excerpts[0].paragraph == 27 and following.excerpts[0].start == 0
        assert_grounded(real_engine, following)
    # From there, "the one before" is section 3 again, and "the next one" is past the end: the outline.
    fourth = Conversation().after(section).after(real_engine.answer("and the next one?", conversation=after))
    assert "Section 3, §" in real_engine.answer("the one before?", conversation=fourth).message
    past_the_end = real_engine.answer("next section", conversation=fourth)
    assert not past_the_end.excerpts and "has 4 sections" in past_the_end.message

    # Counted from the range asked for, though three excerpts showed only part of it.
    paragraph = Conversation().after(real_engine.answer("paragraphs 11 to 13"))
    following = real_engine.answer("next paragraph", conversation=paragraph)
    assert following.message.startswith("¶14 of 43 ") and {e.paragraph for e in following.excerpts} == {14}
    before = real_engine.answer("and the previous para?", conversation=paragraph)
    assert before.message.startswith("¶10 of 43 ")
    # `ask --context` does not know what was quoted: the earlier question quotes the same again.
    unknown = real_engine.answer(
        "and the next one?", conversation=Conversation(("what does section 3 say?",))
    )
    assert "Section 4, §" in unknown.message
    # Counted from a section the message counts: "the section after the intro" is section 2.
    after_intro = real_engine.answer("the section right after the intro")
    assert "Section 2, §" in after_intro.message and after_intro.excerpts[0].paragraph == 3
    # Nothing quoted yet: nothing to count from, so the sections to choose from.
    assert "has 4 sections" in real_engine.answer("the next section").message


def test_paragraphs_counted_from_the_end_or_in_words_are_quoted(real_engine):
    """ "the last two paragraphs" got the summary; "paragraph twenty" was refused."""
    last_two = real_engine.answer("what do the last two paragraphs say", k=10)
    assert last_two.message.startswith("¶42–43 of 43 ")
    assert [e.paragraph for e in last_two.excerpts][:1] == [42] and last_two.excerpts[-1].paragraph == 43
    assert real_engine.answer("the penultimate paragraph").message.startswith("¶42 of 43 ")
    assert real_engine.answer("gimme paragraph twenty").message.startswith("¶20 of 43 ")


def test_a_question_after_quotes_it_did_not_ask_for_follows_them(real_engine):
    """ "why does he think so?" after the gist, "why?" after the ending: the help text, as if nothing had
    been said. They now lean on the first quote, and the reply says what it follows. (Questions with
    words of their own stay as they were: with the quote as context they lost more than they gained.)"""
    gist = real_engine.answer("what's the gist?")
    following = real_engine.answer("why does he think so?", conversation=Conversation().after(gist))
    assert following.kind is AnswerKind.ANSWER and following.context == ("what's the gist?",)
    assert_grounded(real_engine, following)
    ending = Conversation().after(real_engine.answer("how does it end?"))
    why = real_engine.answer("why?", conversation=ending)
    assert why.kind is AnswerKind.ANSWER and why.excerpts[0].paragraph == 43
    # `ask --context` does not know what was quoted: the same question quotes the same.
    assert [
        e.id for e in real_engine.answer("why?", conversation=Conversation(("how does it end?",))).excerpts
    ] == [e.id for e in why.excerpts]
    # A question with words of its own is asked on its own, as before.
    own = real_engine.answer("what did wang yi say", conversation=Conversation().after(gist))
    assert own.context == () and own.excerpts == real_engine.answer("what did wang yi say").excerpts
    # Something no document says is still refused, and small talk and "go on" read as before.
    refused = real_engine.answer("and elon musk?", conversation=Conversation().after(gist))
    assert refused.abstention is Abstention.OFF_TOPIC
    assert real_engine.answer("thanks!", conversation=ending).kind is AnswerKind.CHAT
    assert real_engine.answer("go on", conversation=ending).message.startswith("That is where ")


def test_every_suggestion_the_bot_offers_is_answered(real_engine):
    """/ask's autocomplete offers the section titles: choosing "§ Introduction" asked "Introduction", and
    the bot said the essay doesn't address it. A title alone now quotes its section from the start."""
    for offered in (*real_engine.sections, *real_engine.examples):
        answer = real_engine.answer(offered)
        assert answer.answered and answer.excerpts, offered
    introduction = real_engine.answer("§ Introduction")
    assert introduction.kind is AnswerKind.ABOUT and introduction.excerpts[0].paragraph == 1
    assert "Section 1, §Introduction (¶1–2), from its start:" in introduction.message


def test_more_excerpts_of_a_section_read_on_page_by_page(real_engine):
    """**More excerpts** asks again past what was shown: a section quoted from its start pages on in
    reading order, without repeats, and says when it is done."""
    pages = [real_engine.answer("what does section 3 say?", k=3, skip=skip) for skip in (0, 3, 6)]
    ids = [excerpt.id for page in pages for excerpt in page.excerpts]
    assert len(ids) == len(set(ids)) == 9 and all(page.pages_on for page in pages)
    paragraphs = [excerpt.paragraph for page in pages for excerpt in page.excerpts]
    assert paragraphs == sorted(paragraphs) and paragraphs[0] == 12
    assert not real_engine.answer("what does section 3 say?", k=3, skip=300).excerpts
    ending = [real_engine.answer("how does it end?", k=1, skip=skip).excerpts for skip in (0, 1)]
    assert ending[0][0].paragraph == ending[1][0].paragraph == 43 and ending[0] != ending[1]
