"""Measure two general methods for question shapes against scoring the whole message (neither shipped).

Run from the repository root after ``essaybot index build``:

    .venv/bin/python benchmarks/question_shapes.py [--questions data/questions/long_and_multipart.jsonl]

* **last sentence**: a long, rambling message's real question is usually its last sentence, so the
  last sentence's fused score is added to the whole message's (the way a follow-up adds its context).
* **one excerpt per part**: a message asking two or three things ("when was it signed and why did it
  fail?", "1) ... 2) ...") is cut at its sentences, question marks, semicolons and numbering; each part
  (scored with the whole message) gets the first excerpt not already taken, then the whole's ranking
  fills the rest.

The questions were written for this measurement without sight of the dev sets: 40 long ones (the real
question last in 30) and 40 multi-part ones, each part with its own gold span. For multi-part questions
it also prints the share of parts whose gold span is in the top 3. docs/retrieval-history.md has the
figures and why neither method ships.
"""

import argparse
import re
from dataclasses import replace
from pathlib import Path

from index.answering.answers import Answer
from index.answering.engine import Engine
from index.corpus.sentences import split_sentences
from index.corpus.text import clean_question, content_terms
from index.encoding.embedding import PACKAGED_MODEL, load_embedder
from index.evaluation import EvalItem, load_items, normalise, score

K = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=Path("var/index"))
    parser.add_argument("--questions", type=Path, default=Path("data/questions/long_and_multipart.jsonl"))
    parser.add_argument("--dev", type=Path, default=Path("../shared/eval/dev.jsonl"))
    args = parser.parse_args()

    engine = Engine.load(args.index, load_embedder(PACKAGED_MODEL, None))
    shaped = load_items(args.questions)
    sets = {kind: [item for item in shaped if item.kind == kind] for kind in ("long", "multipart")}
    if args.dev.is_file():  # a method must leave ordinary questions as they are
        sets["dev"] = [item for item in load_items(args.dev) if item.gold]
    for name, items in sets.items():
        texts = sorted({text for item in items for text in _texts(item.question)})
        scores = engine._score_texts(texts)
        for method in METHODS:
            answers = [
                Answer(item.question, excerpts=tuple(method(engine, item.question, scores))) for item in items
            ]
            report = score(items, answers)
            covered = _parts_covered(items, answers) if name == "multipart" else ""
            print(
                f"{name:9s} {method.__name__:15s} hit@1 {report.hit_at(1):.3f}  hit@3 {report.hit_at(3):.3f}"
                f"  MRR {report.mrr():.3f}{covered}"
            )


def whole(engine: Engine, question: str, scores: dict) -> list:
    return engine.passages.select(scores[clean_question(question)], K)


def last_sentence(engine: Engine, question: str, scores: dict) -> list:
    text = clean_question(question)
    scored, last = scores[text], scores[_sentences(text)[-1]]
    return engine.passages.select(replace(scored, total=scored.total + last.total), K)


def one_per_part(engine: Engine, question: str, scores: dict) -> list:
    text = clean_question(question)
    scored = scores[text]
    chosen, used = [], frozenset()
    for part in _parts(text) if len(_parts(text)) > 1 else ():
        best = engine.passages.select(replace(scored, total=scored.total + scores[part].total), 1, used)
        if best:
            chosen.append(best[0])
            used |= engine.passages.quoted([best[0].id])
    return (chosen + engine.passages.select(scored, K, used))[:K]


METHODS = (whole, last_sentence, one_per_part)


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def _parts(text: str) -> list[str]:
    pieces = (piece for sentence in _sentences(text) for piece in _PART_BREAK.split(sentence))
    return [piece.strip() for piece in pieces if piece and content_terms(piece)]


_PART_BREAK = re.compile(r"(?<=\?)\s+|\s*\b\d\)\s*|;\s+")


def _texts(question: str) -> set[str]:
    text = clean_question(question)
    return {text, *_sentences(text), *_parts(text)}


def _parts_covered(items: list[EvalItem], answers: list[Answer]) -> str:
    found = total = 0
    for item, answer in zip(items, answers, strict=True):
        top = [normalise(excerpt.text) for excerpt in answer.excerpts[:3]]
        found += sum(any(normalise(gold) in text for text in top) for gold in item.gold)
        total += len(item.gold)
    return f"  parts in the top 3: {found}/{total}"


if __name__ == "__main__":
    main()
