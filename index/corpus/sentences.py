"""Split a paragraph into sentences, keeping character offsets into the paragraph."""

import re

# Tokens that end with a period without ending a sentence. "U.S." is deliberately absent from the
# list: it is handled by ABBREVIATION_WITH_DOTS, which only splits when the next word clearly
# starts a new sentence.
_NON_TERMINAL = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "no",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "gen",
    "col",
    "lt",
    "sgt",
}
_ABBREVIATION_WITH_DOTS = re.compile(r"(?:\b[A-Za-z]\.){2,}$")
# A sentence ends at . ? or ! (optionally followed by closing quotes or brackets), then whitespace,
# then something that can start a sentence.
_BOUNDARY = re.compile(r"[.?!][\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
# Words that commonly start a sentence; after "U.S." they mark a boundary, anything else
# (a proper noun, "dollars") is read as the same sentence.
_SENTENCE_STARTERS = {
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "in",
    "on",
    "at",
    "but",
    "and",
    "so",
    "surely",
    "however",
    "although",
    "still",
    "since",
    "now",
    "then",
    "there",
    "they",
    "we",
    "he",
    "she",
    "as",
    "for",
    "from",
    "if",
    "when",
    "while",
    "with",
    "without",
    "yet",
    "moreover",
    "furthermore",
    "therefore",
    "thus",
    "meanwhile",
    "after",
    "before",
    "according",
    "only",
}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of ``text``; ``text[start:end]`` is stripped."""
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if end <= start or not _ends_sentence(text, start, match.start(), end):
            continue
        spans.append((start, end))
        start = _skip_space(text, end)
    tail_end = len(text.rstrip())
    if start < tail_end:
        spans.append((start, tail_end))
    return spans


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _ends_sentence(text: str, start: int, mark: int, end: int) -> bool:
    if text[mark] != ".":
        return True
    word = text[start:mark].split()[-1] if text[start:mark].split() else ""
    bare = word.lstrip("(\"“‘'").lower()
    if bare in _NON_TERMINAL:
        return False
    if _ABBREVIATION_WITH_DOTS.search(word + "."):
        following = text[end:].split(maxsplit=1)
        next_word = following[0].strip('"“‘(').lower() if following else ""
        return next_word in _SENTENCE_STARTERS
    # A single capital before the period is an initial ("J. Smith"), not a sentence end.
    return not (len(bare) == 1 and bare.isalpha())
