"""Read the corpus folder from disk: every ``*.md`` file in it is one document."""

from pathlib import Path

from index.corpus.documents import Document, parse_document
from index.errors import CorpusError


def corpus_paths(corpus_dir: Path) -> list[Path]:
    """The document files of a corpus folder, sorted; refuses links that lead outside the folder."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    root = corpus_dir.resolve()
    paths = sorted(
        path for path in corpus_dir.iterdir() if path.suffix == ".md" and not path.name.startswith(".")
    )
    for path in paths:
        if not path.resolve().is_relative_to(root):
            raise CorpusError(f"{path.name}: links outside the corpus folder; copy the file in instead")
    if not paths:
        raise CorpusError(f"corpus folder {corpus_dir} has no .md documents")
    return paths


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Parse every document of the corpus folder."""
    documents = []
    for path in corpus_paths(corpus_dir):
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise CorpusError(f"{path.name}: cannot be read ({error.strerror})") from None
        documents.append(parse_document(path.stem, raw))
    return documents
