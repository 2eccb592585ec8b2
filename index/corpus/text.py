"""Text normalisation shared by questions and passages: cleaning, tokens, stems, stop words (pure)."""

import functools
import re
import unicodedata

# Zero-width and bidirectional control characters: invisible, and able to reorder what a reader sees.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})

STOP_WORDS = frozenset(
    """
    a about above after again against all also although am an and any are aren't as at be because
    been before being below between both but by can can't could couldn't did didn't do does doesn't
    doing don't down during each even ever few for from further get got had has have having he her
    here hers him his how i if in into is isn't it it's its itself just let me might more most much
    must my no nor not now of off on once one only or other ought our ours out over own really same
    shall she should so some such than that that's the their theirs them then there these they this
    those through to too under until up upon us very was wasn't we were what what's when where which
    while who whom whose why will with won't would wouldn't yet you your yours actually anyway etc
    ppl people thing things way say says said tell think thinks like w u ur pls please hey hi
    he's she's he'd she'd he'll she'll
    """.split()
)
# Words that shape a question but say nothing of its topic.
QUESTION_WORDS = frozenset(
    """
    what which who whom whose when where why how whether does did do is are was were can could would
    should will shall may might explain describe mean meaning according author essay text writer
    """.split()
)


# The longest question searched; longer text is cut here (a rambling message keeps its beginning).
MAX_QUESTION_CHARS = 1000


def clean_question(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Drop control and invisible characters and links, fold compatibility forms and whitespace, cap the
    length. A link is no words of a question: "https://… what's this essay about" was refused."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = LINK.sub(" ", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    return text[:limit].rstrip()


def words(text: str) -> list[str]:
    """Lower-case word tokens with straight apostrophes."""
    folded = unicodedata.normalize("NFKD", text.translate(_QUOTES).lower())
    if not folded.isascii():  # ASCII holds no combining marks: most questions skip the walk
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.findall(folded)


@functools.lru_cache(maxsize=16384)  # pure, and asked for the same few thousand words again and again
def stem(word: str) -> str:
    """A light suffix stripper: enough to meet "alliances"/"alliance", "signed"/"sign", "fought"/"fight"."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", "ful"),
    ("iveness", "ive"),
    ("ousness", "ous"),
    ("nesses", ""),
    ("ments", ""),
    ("ement", ""),
    ("ment", ""),
    ("ities", ""),
    ("ity", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ying", "y"),
    ("ing", ""),
    ("ions", ""),
    ("ion", ""),
    ("ness", ""),
    ("ly", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
    ("e", ""),
)


def content_terms(text: str) -> list[str]:
    """Stems of the words that carry meaning: no stop words, no question words. An acronym carries
    meaning even when its letters spell a stop word: "the US" and "Sino-U.S." name the country "us"."""
    terms = []
    for word in words(_mark_acronyms(text)):
        if word.startswith(_ACRONYM_MARK):
            terms.append(stem(word.removeprefix(_ACRONYM_MARK)))
        elif word not in STOP_WORDS and word not in QUESTION_WORDS:
            terms.append(stem(word))
    return terms


# Acronyms: letters with dots ("U.S.", "Sino-U.S.", "u.s."), two or more capitals ("US", "USSR"), and "us" after
# "the" (people type "the us" for the country; the pronoun never follows "the").
_DOTTED = re.compile(r"(?<![A-Za-z])(?:[A-Za-z]\.){2,}")
_CAPITALS = re.compile(r"(?<![\w'’])[A-Z]{2,}(?![\w'’])")
_THE_US = re.compile(r"(?<=\bthe )us(?![\w'’])", re.IGNORECASE)
# A prefix no word has, so that an acronym survives ``words`` as one word the stop words do not take.
_ACRONYM_MARK = "acronymxq"


def _mark_acronyms(text: str) -> str:
    """``text`` with each acronym written as one marked word. A message in capitals throughout is
    shouting, not acronyms: only its dotted ones count."""

    def marked(match: re.Match[str]) -> str:
        return f" {_ACRONYM_MARK}{match.group(0).replace('.', '').lower()} "

    shouting = not re.search("[a-z]", text)
    text = _DOTTED.sub(marked, text)
    if not shouting:
        text = _CAPITALS.sub(marked, text)
    return _THE_US.sub(marked, text)
