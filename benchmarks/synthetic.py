"""A deterministic synthetic corpus in the corpus format, made from the essay's own sentences."""

import random
import re
from pathlib import Path

from index.corpus.corpus_files import load_corpus

HEADINGS = (
    "Background",
    "Historical Record",
    "Arguments For",
    "Arguments Against",
    "Costs and Risks",
    "Outlook",
)


def essay_sentences(corpus_dir: Path) -> list[str]:
    """Every sentence of the real corpus, in order, as the parser cuts them."""
    return [
        paragraph.sentence_text(i)
        for document in load_corpus(corpus_dir)
        for paragraph in document.paragraphs
        for i in range(len(paragraph.sentences))
    ]


class SentenceMill:
    """New sentences from pairs of essay sentences (first half of one, second half of another).

    Shuffled whole sentences would repeat across documents, and the embedding cache encodes a repeated
    text once; spliced ones are distinct, so a full build encodes about as much as a real corpus would.
    """

    def __init__(self, sentences: list[str], seed: int):
        self._words = [s.split() for s in sentences if len(s.split()) >= 6]
        self._random = random.Random(seed)

    def sentence(self) -> str:
        first, second = self._random.sample(self._words, 2)
        head = first[: len(first) // 2]
        tail = second[len(second) // 2 :]
        text = " ".join(head + tail)
        # Keep one sentence one sentence: no stray terminal punctuation inside, one full stop at the end.
        text = re.sub(r"[.!?]+(?=\s)", ",", text).rstrip(".!?\"'”’ ") + "."
        return text[0].upper() + text[1:]

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def randint(self, low: int, high: int) -> int:
        return self._random.randint(low, high)


def write_corpus(
    out_dir: Path,
    sentences: list[str],
    *,
    documents: int = 100,
    seed: int = 20210127,
    sections: tuple[int, int] = (2, 3),
    paragraphs: tuple[int, int] = (2, 3),
    sentences_per_paragraph: tuple[int, int] = (2, 4),
) -> list[Path]:
    """Write ``documents`` Markdown files (front matter, ``##`` headings, paragraphs) into ``out_dir``."""
    mill = SentenceMill(sentences, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, documents + 1):
        lines = [
            "---",
            f'title: "Synthetic Document {number:03d}"',
            'author: "Benchmark Generator"',
            f'date: "2021-{(number % 12) + 1:02d}-{(number % 28) + 1:02d}"',
            "---",
            "",
        ]
        for section in range(mill.randint(*sections)):
            lines += [f"## {HEADINGS[(number + section) % len(HEADINGS)]}", ""]
            for _ in range(mill.randint(*paragraphs)):
                lines += [mill.paragraph(mill.randint(*sentences_per_paragraph)), ""]
        path = out_dir / f"synthetic-{number:03d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def edit_one_paragraph(path: Path, sentences: list[str], seed: int = 7) -> None:
    """Replace the first paragraph after the first heading with new text of as many sentences."""
    mill = SentenceMill(sentences, seed)
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for n, block in enumerate(blocks):
        if n > 0 and blocks[n - 1].startswith("## ") and not block.startswith(("#", "---")):
            blocks[n] = mill.paragraph(block.count(". ") + 1)
            break
    else:
        raise ValueError(f"{path} has no paragraph after a heading")
    path.write_text("\n\n".join(blocks), encoding="utf-8")
