"""A document's alias groups: names that mean the same thing, read from its front matter (pure)."""

from collections.abc import Iterable

from index.corpus.text import content_terms, words


class AliasTable:
    """Groups of names that mean the same thing (from documents' front matter)."""

    def __init__(self, groups: Iterable[Iterable[str]]):
        self._phrases: list[tuple[tuple[str, ...], int]] = []
        self._groups: list[list[str]] = []
        for number, group in enumerate(groups):
            names = list(group)
            self._groups.append(names)
            for name in names:
                tokens = tuple(words(name))
                if tokens:
                    self._phrases.append((tokens, number))
        self._widths = {len(phrase) for phrase, _ in self._phrases}

    def expand(self, text: str) -> list[str]:
        """The content stems of every alias of every name that occurs in ``text``."""
        tokens = words(text)
        # Every run of words in the text, by length, once: each name is then one set lookup.
        runs = {
            width: {tuple(tokens[i : i + width]) for i in range(len(tokens) - width + 1)}
            for width in self._widths
        }
        found = {group for phrase, group in self._phrases if phrase in runs[len(phrase)]}
        extra: list[str] = []
        for group in sorted(found):
            for name in self._groups[group]:
                extra.extend(content_terms(name))
        return extra
