"""Autocomplete for /ask: section titles and the documents' example questions that match what was typed (pure)."""

import re
from collections.abc import Sequence

from bot.render import CHOICE_LIMIT, shorten

MAX_CHOICES = 25  # Discord's limit for autocomplete


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _score(typed: list[str], candidate: str) -> int:
    words = _words(candidate)
    return sum(1 for part in typed if any(word.startswith(part) for word in words))


def autocomplete_choices(
    current: str, sections: Sequence[str], examples: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(name, value) pairs, best first: every typed word counts if it starts a word of the candidate."""
    candidates = [(f"§ {section}", section) for section in sections] + [
        (example, example) for example in examples
    ]
    typed = _words(current)
    if typed:
        scored = [
            (_score(typed, value), order, name, value) for order, (name, value) in enumerate(candidates)
        ]
        matching = sorted(
            (entry for entry in scored if entry[0] > 0), key=lambda entry: (-entry[0], entry[1])
        )
        chosen = [(name, value) for _, _, name, value in matching]
    else:
        # Nothing typed yet: examples first, they show the kind of question the bot answers.
        chosen = [(value, value) for value in examples] + [(f"§ {s}", s) for s in sections]
    return [
        (shorten(name, CHOICE_LIMIT), shorten(value, CHOICE_LIMIT)) for name, value in chosen[:MAX_CHOICES]
    ]
