"""Parse corpus Markdown files into documents, sections, paragraphs and sentences (pure, no I/O)."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from index.corpus.sentences import split_sentences
from index.errors import CorpusError

# Paragraphs before the first heading have no heading of the author's; citations call them this.
OPENING_SECTION = "Introduction"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_REQUIRED_FIELDS = ("title", "author", "date")


@dataclass(frozen=True)
class Sentence:
    start: int  # offsets into the paragraph's text
    end: int


@dataclass(frozen=True)
class Paragraph:
    document: str
    number: int  # ¶, counted from 1 within the document; headings are not paragraphs
    section: str
    text: str
    sentences: tuple[Sentence, ...]

    @property
    def id(self) -> str:
        return f"{self.document}#p{self.number}"

    def sentence_text(self, index: int) -> str:
        sentence = self.sentences[index]
        return self.text[sentence.start : sentence.end]


@dataclass(frozen=True)
class Document:
    id: str  # the file name without ".md"
    title: str
    author: str
    date: str
    author_affiliation: str = ""
    publisher: str = ""
    url: str = ""
    aliases: tuple[tuple[str, ...], ...] = ()
    examples: tuple[str, ...] = ()  # questions the document answers, offered to people as examples
    sections: tuple[str, ...] = ()
    paragraphs: tuple[Paragraph, ...] = field(default=(), repr=False)
    sha256: str = ""  # of the file's bytes, to tell when the index is stale


def parse_document(document_id: str, raw: bytes) -> Document:
    """Parse one corpus file. Raises CorpusError with a message naming the file and the problem."""
    name = f"{document_id}.md"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{name}: not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, body = _split_front_matter(name, text)
    sections: list[str] = []
    paragraphs: list[Paragraph] = []
    section = OPENING_SECTION
    for block in re.split(r"\n[ \t]*\n", body):
        block = block.strip()
        if not block:
            continue
        heading = _HEADING.match(block) if "\n" not in block else None
        if heading:
            section = heading.group(2).strip()
            continue
        # A paragraph soft-wrapped over several lines is one paragraph; offsets refer to this text.
        paragraph_text = " ".join(line.strip() for line in block.split("\n"))
        if section not in sections:
            sections.append(section)
        spans = tuple(Sentence(start, end) for start, end in split_sentences(paragraph_text))
        paragraphs.append(Paragraph(document_id, len(paragraphs) + 1, section, paragraph_text, spans))
    if not paragraphs:
        raise CorpusError(f"{name}: no paragraphs found; separate paragraphs with blank lines")
    return Document(
        id=document_id,
        title=str(meta["title"]),
        author=str(meta["author"]),
        date=str(meta["date"]),
        author_affiliation=str(meta.get("author_affiliation") or ""),
        publisher=str(meta.get("publisher") or ""),
        url=str(meta.get("url") or ""),
        aliases=_parse_aliases(name, meta.get("aliases")),
        examples=_parse_examples(name, meta.get("examples")),
        sections=tuple(sections),
        paragraphs=tuple(paragraphs),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _split_front_matter(name: str, text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise CorpusError(
            f"{name}: missing front matter; start the file with a '---' block (title, author, date)"
        )
    end = text.find("\n---\n", 4)
    if end == -1:
        raise CorpusError(f"{name}: front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as error:
        raise CorpusError(f"{name}: front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{name}: front matter must be a mapping of fields")
    missing = [key for key in _REQUIRED_FIELDS if not meta.get(key)]
    if missing:
        raise CorpusError(f"{name}: front matter lacks {', '.join(missing)}")
    return meta, text[end + 5 :]


def _parse_aliases(name: str, value: object) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(group, list) and all(isinstance(item, str) for item in group) for group in value
    ):
        raise CorpusError(f"{name}: 'aliases' must be a list of lists of names")
    return tuple(tuple(unicodedata.normalize("NFC", item) for item in group) for group in value if group)


def _parse_examples(name: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CorpusError(f"{name}: 'examples' must be a list of questions")
    return tuple(" ".join(item.split()) for item in value if item.strip())
