"""Cut documents into the units that are embedded: sentences, paragraphs, headings."""

from index.corpus.documents import Document
from index.storage.store import Unit


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
            units.append(Unit("paragraph", row, 0, count - 1))
            texts.append(paragraph.text)
            row += 1
    return units, texts
