"""Errors the engine raises for problems an operator can fix, each with a message that says how."""


class EssayBotError(Exception):
    """A problem with input, corpus or index that has a clear, user-facing explanation."""


class CorpusError(EssayBotError):
    """A corpus file that cannot be read or parsed into paragraphs."""


class IndexMissingError(EssayBotError):
    """No index has been built at the configured location."""


class IndexMismatchError(EssayBotError):
    """The index on disk was built with another model or format than the one configured."""


class IndexCorruptError(EssayBotError):
    """An index file is missing, truncated or does not match its manifest."""


class ModelError(EssayBotError):
    """The embedding model cannot be found or its weights fail verification."""
