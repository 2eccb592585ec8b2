"""The long and multi-part questions written to measure question shapes (benchmarks/question_shapes.py)."""

import json

from tests.conftest import REPO, corpus_sentences

QUESTIONS = REPO / "data" / "questions" / "long_and_multipart.jsonl"


def test_every_span_is_verbatim_in_one_sentence_and_each_part_has_its_own():
    sentences = corpus_sentences()
    items = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    assert {item["kind"] for item in items} == {"long", "multipart"}
    for item in items:
        holders = [[n for n, s in enumerate(sentences) if span in s] for span in item["gold"]]
        assert item["gold"] and all(holders), item["id"]
        if item["kind"] == "multipart":
            assert len(item["parts"]) == len(item["gold"]) >= 2, item["id"]
            assert len({found[0] for found in holders}) == len(holders), (
                f"{item['id']}: parts share a sentence"
            )
