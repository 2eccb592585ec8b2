"""The answer log keeps what each answer showed, so its buttons work after a restart."""

import json
from dataclasses import replace

from bot.answer_log import IN_DM, IN_THREAD, AnswerLog, AnswerRecord, new_key
from bot.answer_view import ACTIONS, AnswerButton
from index.answering.answers import Abstention, Excerpt
from index.answering.conversation import MAX_QUESTIONS, MAX_SHOWN, Conversation


def record(n: int = 1) -> AnswerRecord:
    excerpt = Excerpt("doc", "Title", "Section", n, 0, 5, "Words", 0.5)
    return AnswerRecord(
        new_key(), f"question {n}?", skip=3, excerpts=(excerpt,), abstention=None, ephemeral=True
    )


def test_a_record_survives_a_restart(tmp_path):
    path = tmp_path / "answers.jsonl"
    before = AnswerLog(path)
    sent = record()
    before.remember(sent)
    before.append(sent)

    after = AnswerLog(path)
    after.load()

    assert after.get(sent.key) == sent
    assert after.get(sent.key).next_skip == 4


def test_keys_fit_the_button_template():
    keys = [new_key() for _ in range(100)]

    for key in keys:
        for action in ACTIONS:
            button = AnswerButton(action, key)
            match = button.template.fullmatch(button.custom_id)  # how discord.py dispatches a click
            assert match is not None, button.custom_id
            assert (match["action"], match["key"]) == (action, key)
            assert len(button.custom_id) <= 100  # Discord's limit for a custom id
    assert len(set(keys)) == len(keys)


def test_a_torn_last_line_costs_only_that_answer(tmp_path):
    path = tmp_path / "answers.jsonl"
    log = AnswerLog(path)
    kept = record(1)
    log.append(kept)
    with path.open("a", encoding="utf-8") as file:
        file.write('{"key": "abc", "quest')

    reloaded = AnswerLog(path)
    reloaded.load()

    assert reloaded.get(kept.key) == kept


def test_only_the_latest_answers_are_kept_in_memory_and_on_disk(tmp_path):
    path = tmp_path / "answers.jsonl"
    log = AnswerLog(path, keep=3)
    records = [record(n) for n in range(10)]
    for each in records:
        log.remember(each)
        log.append(each)

    reloaded = AnswerLog(path, keep=3)
    reloaded.load()

    assert [reloaded.get(r.key) for r in records[-3:]] == records[-3:]
    assert reloaded.get(records[0].key) is None
    assert log.get(records[0].key) is None
    assert len(path.read_text(encoding="utf-8").splitlines()) < 2 * 3  # cut back while running


def test_a_file_grown_by_an_older_version_is_cut_back_at_load(tmp_path):
    path = tmp_path / "answers.jsonl"
    AnswerLog(path, keep=100).append(record(0))
    writer = AnswerLog(path, keep=100)
    for n in range(1, 10):
        writer.append(record(n))

    small = AnswerLog(path, keep=2)
    small.load()

    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


def test_without_a_path_the_log_is_memory_only(tmp_path):
    log = AnswerLog(None)
    sent = record()

    log.remember(sent)
    log.append(sent)
    log.load()

    assert log.get(sent.key) == sent


def test_a_records_conversation_and_place_survive_a_restart(tmp_path):
    path = tmp_path / "answers.jsonl"
    sent = replace(
        record(),
        conversation=Conversation(("why did it fail?",), ("doc#p1:0-5",), last=("doc#p1:0-5",)),
        channel_id=42,
        place=IN_DM,
        at=1000.0,
    )
    before = AnswerLog(path)
    before.remember(sent)
    before.append(sent)

    after = AnswerLog(path)
    after.load()

    assert after.get(sent.key) == sent
    assert after.latest_in(42) == sent


def test_a_line_written_before_conversations_loads_as_a_fresh_question(tmp_path):
    path = tmp_path / "answers.jsonl"
    old = {
        k: v for k, v in record().to_json().items() if k not in {"conversation", "channel_id", "place", "at"}
    }
    path.write_text(json.dumps(old) + "\n", encoding="utf-8")

    log = AnswerLog(path)
    log.load()

    loaded = log.get(old["key"])
    assert loaded.conversation == Conversation() and loaded.place is None and loaded.at == 0.0


def test_a_follow_up_is_asked_in_the_answers_conversation_then_its_question_and_excerpts():
    earlier = replace(record(1), conversation=Conversation(("first?",), ("doc#p9:0-5",)))

    follow_up = earlier.follow_up()

    assert follow_up.questions == ("first?", "question 1?")
    assert follow_up.shown == ("doc#p9:0-5", "doc#p1:0-5")
    assert follow_up.last == ("doc#p1:0-5",)  # what the answer being followed up showed


def test_a_follow_up_to_a_refusal_is_asked_in_the_conversation_before_it():
    earlier = replace(record(1), conversation=Conversation(("first?",), ("doc#p9:0-5",)))
    refused = replace(
        earlier, question="how do I bake bread?", excerpts=(), abstention=Abstention.OFF_TOPIC.value
    )
    empty = replace(earlier, question="?", excerpts=(), abstention=Abstention.NO_WORDS.value)

    assert refused.follow_up().questions == earlier.conversation.questions
    assert refused.follow_up().refused == "how do I bake bread?"  # what a fragment ("and rye?") continues
    assert empty.follow_up() == earlier.conversation


def test_the_question_a_conversation_refused_survives_a_restart(tmp_path):
    path = tmp_path / "answers.jsonl"
    refused = replace(record(1), conversation=Conversation().refusing("how do I bake bread?"))
    AnswerLog(path).append(refused)
    reloaded = AnswerLog(path)
    reloaded.load()

    loaded = reloaded.get(refused.key)
    assert loaded is not None and loaded.conversation.refused == "how do I bake bread?"


def test_a_long_conversation_in_a_line_is_bounded_when_loaded(tmp_path):
    path = tmp_path / "answers.jsonl"
    line = record().to_json()
    line["conversation"] = {
        "questions": [f"q{n}" for n in range(500)],
        "shown": [f"x{n}" for n in range(500)],
    }
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")

    log = AnswerLog(path)
    log.load()

    conversation = log.get(line["key"]).conversation
    assert conversation.questions == tuple(f"q{n}" for n in range(500 - MAX_QUESTIONS, 500))
    assert len(conversation.shown) == MAX_SHOWN


def test_the_latest_answer_in_a_channel_is_forgotten_with_it():
    log = AnswerLog(None, keep=2)
    first = replace(record(1), channel_id=7, place=IN_THREAD, at=1.0)
    log.remember(first)
    log.remember(record(2))
    assert log.latest_in(7) == first

    log.remember(record(3))

    assert log.latest_in(7) is None
