"""Cut documents into the units that are embedded: sentences, sentence windows, paragraphs, headings."""

from index.corpus.documents import Document
from index.storage.store import Unit

WINDOW_RADIUS = 1  # sentences on each side of a window's centre


def cut_units(documents: list[Document]) -> tuple[list[Unit], list[str]]:
    """Units and their texts, in a fixed order; paragraph rows count across all documents."""
    units: list[Unit] = []
    texts: list[str] = []
    row = 0
    for document in documents:
        seen_sections: set[str] = set()
        for paragraph in document.paragraphs:
            if paragraph.section not in seen_sections:
                seen_sections.add(paragraph.section)
                units.append(Unit("heading", row))
                texts.append(paragraph.section)
            count = len(paragraph.sentences)
            for i in range(count):
                units.append(Unit("sentence", row, i, i))
                texts.append(paragraph.sentence_text(i))
            for i in range(count):
                first, last = max(0, i - WINDOW_RADIUS), min(count - 1, i + WINDOW_RADIUS)
                units.append(Unit("window", row, first, last))
                texts.append(paragraph.text[paragraph.sentences[first].start : paragraph.sentences[last].end])
            units.append(Unit("paragraph", row, 0, count - 1))
            texts.append(paragraph.text)
            row += 1
    return units, texts
