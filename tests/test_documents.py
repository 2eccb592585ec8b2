import os

import pytest

from index.corpus.corpus_files import load_corpus
from index.corpus.documents import OPENING_SECTION, parse_document
from index.errors import CorpusError
from tests.conftest import CORPUS_DIR, REPO, SHARED, write_document

ESSAY_ID = "zhao-2021-china-russia-alliance"


def test_the_essay_parses_into_its_sections_and_paragraphs():
    [essay] = load_corpus(CORPUS_DIR)

    assert essay.id == ESSAY_ID
    assert essay.title == "Should China and Russia Form an Alliance?"
    assert essay.author == "Zhao Huasheng"
    assert essay.date == "2021-01-27"
    assert essay.url == ""  # unknown, so left empty rather than invented
    assert essay.sections == (
        OPENING_SECTION,
        "A Brief History of the China-Russia Alliance",
        "Advantages and Disadvantages of an Alliance",
        "The Flexible Strategic Partnership Model is Still Preferred",
    )
    assert [p.number for p in essay.paragraphs] == list(range(1, len(essay.paragraphs) + 1))
    assert len(essay.paragraphs) == 43


def test_every_sentence_is_a_verbatim_slice_of_its_paragraph():
    [essay] = load_corpus(CORPUS_DIR)
    for paragraph in essay.paragraphs:
        pieces = [paragraph.sentence_text(i) for i in range(len(paragraph.sentences))]
        assert all(piece and piece == piece.strip() for piece in pieces)
        # Nothing but white space lies between or around the sentences.
        assert "".join(pieces).replace(" ", "") == paragraph.text.replace(" ", "")


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="the shared seeds folder is not beside the repo")
def test_the_corpus_keeps_the_authors_words_exactly_as_scraped():
    seed = next((SHARED / "seeds").glob("000_*.txt")).read_text(encoding="utf-8")
    seed_lines = {line.strip() for line in seed.splitlines() if line.strip()}
    [essay] = load_corpus(CORPUS_DIR)

    for paragraph in essay.paragraphs:
        assert paragraph.text in seed_lines
    for section in essay.sections[1:]:
        assert section in seed_lines
    assert not any(p.text.startswith(("Last:", "Next:")) for p in essay.paragraphs)


def test_a_second_document_is_read_without_code_changes(corpus_copy):
    write_document(
        corpus_copy, "second", "## Part one\n\nFirst paragraph. It has two sentences.\n\nAnother one.\n"
    )

    documents = load_corpus(corpus_copy)

    second = next(d for d in documents if d.id == "second")
    assert [(p.section, p.number) for p in second.paragraphs] == [("Part one", 1), ("Part one", 2)]
    assert len(documents) == 2


def test_a_soft_wrapped_paragraph_is_one_paragraph():
    raw = b'---\ntitle: "T"\nauthor: "A"\ndate: "2020"\n---\n\nLine one of a paragraph\ncontinues here.\n'

    document = parse_document("wrapped", raw)

    assert [p.text for p in document.paragraphs] == ["Line one of a paragraph continues here."]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"no front matter\n\nText.", "missing front matter"),
        (b'---\ntitle: "T"\nauthor: "A"\n---\n\nText.', "lacks date"),
        (b'---\ntitle: "T"\nauthor: "A"\ndate: "2020"\n---\n\n## Only a heading\n', "no paragraphs"),
        (b"---\ntitle: [unclosed\n---\n\nText.", "not valid YAML"),
    ],
)
def test_bad_corpus_files_get_one_clear_error(raw, message):
    with pytest.raises(CorpusError, match=message) as error:
        parse_document("bad", raw)
    assert "bad.md" in str(error.value)


def test_a_corpus_link_pointing_outside_the_corpus_is_refused(tmp_path, corpus_copy):
    outside = write_document(tmp_path, "outside", "Secret text.")
    os.symlink(outside, corpus_copy / "linked.md")

    with pytest.raises(CorpusError, match="outside the corpus"):
        load_corpus(corpus_copy)


def test_an_empty_corpus_folder_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match=r"no \.md documents"):
        load_corpus(tmp_path)


def test_no_documents_words_are_in_the_code():
    """The code reads its documents from the corpus: the author's name had crept into comments and
    docstrings as an example, the first step to a rule written for it. No author's name (front
    matter) appears in bot/ or index/; the titles' words are common words ("China", "alliance")."""
    documents = [parse_document(path.stem, path.read_bytes()) for path in sorted(CORPUS_DIR.glob("*.md"))]
    names = {word.lower() for document in documents for word in document.author.split() if len(word) > 3}
    for folder in ("bot", "index"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text("utf-8").lower()
            assert not [name for name in names if name in text], path
