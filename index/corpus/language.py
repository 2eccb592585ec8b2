"""Tell whether a question is written in English, so others get a clear answer instead of noise (pure)."""

import unicodedata

from index.corpus.text import words

# Frequent function words of languages written in Latin script, which the English model would
# otherwise read as noise. English shares none of these as common words ("para" is one: "para 30").
_FOREIGN_FUNCTION_WORDS = frozenset(
    """
    el los las del que qué por una cómo como cuál cuándo dónde porque según sobre entre pero
    más le les des est une qui quoi pourquoi quand où avec dans pour sur sont pas der die das und
    ist nicht mit warum wann wie wer eine einen dem den zwischen il della che perché quando dove
    sono tra da não uma com por quê porque onde são entre и в не что как почему
    """.split()
)


def is_english(text: str) -> bool:
    """False for text mostly in a non-Latin script, or whose words are mostly other languages' function words."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if ch.isascii() or "LATIN" in unicodedata.name(ch, ""))  # a-z: Latin
    if latin / len(letters) < 0.5:
        return False
    tokens = words(text)
    if len(tokens) < 3:
        return True
    foreign = sum(1 for token in tokens if token in _FOREIGN_FUNCTION_WORDS)
    return foreign / len(tokens) < 0.25
