"""The answer log keeps what each answer showed, so its buttons work after a restart."""

from bot.answer_log import AnswerLog, AnswerRecord, new_key
from bot.cogs.buttons import AnswerButton
from index.answers import Excerpt


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
        for action in ("more", "para", "up", "down"):
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
