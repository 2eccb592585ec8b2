"""Feedback is appended durably under DATA_DIR with the question and the excerpt ids."""

import os
import threading

from bot.feedback import Feedback, FeedbackLog


def vote(n: int = 0, kind: str = "up") -> Feedback:
    return Feedback(
        vote=kind,
        question=f"question {n}?",
        excerpt_ids=(f"doc#p{n}:0-10",),
        answer_id=f"{n:016x}",
        user_id=42,
        guild_id=7,
        channel_id=8,
    )


def test_feedback_is_stored_with_question_and_excerpt_ids(tmp_path):
    log = FeedbackLog(tmp_path / "data" / "feedback.jsonl")

    log.append(vote(1, "down"))

    (stored,) = log.read()
    assert stored["vote"] == "down"
    assert stored["question"] == "question 1?"
    assert stored["excerpt_ids"] == ["doc#p1:0-10"]
    assert stored["user_id"] == 42 and stored["answer_id"] == "0000000000000001"
    assert stored["at"].endswith("+00:00")


def test_every_append_is_flushed_to_disk(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    log = FeedbackLog(tmp_path / "feedback.jsonl")

    log.append(vote(1))
    log.append(vote(2))

    assert len(synced) >= 2


def test_appends_from_many_threads_stay_whole_lines(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    threads = [threading.Thread(target=log.append, args=(vote(n),)) for n in range(40)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(entry["question"] for entry in log.read()) == sorted(f"question {n}?" for n in range(40))
