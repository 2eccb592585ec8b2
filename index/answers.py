"""What the engine returns: an Answer holding cited, verbatim Excerpts (pure data)."""

from dataclasses import dataclass
from enum import StrEnum


class Abstention(StrEnum):
    """Why a question got no excerpts; the value is what a person is told."""

    EMPTY = "The question is empty."
    NO_WORDS = "The question has no words to search for."
    NOT_ENGLISH = "I can only search the English text of the essay; please ask in English."
    OFF_TOPIC = "The essay doesn't address that."


@dataclass(frozen=True)
class Excerpt:
    """The author's exact words: ``text == paragraph_text[start:end]`` of the cited paragraph."""

    document: str  # document id (the corpus file name without ".md")
    title: str
    section: str
    paragraph: int  # ¶ within the document, from 1
    start: int  # character offsets into the paragraph's text
    end: int
    text: str
    score: float

    @property
    def id(self) -> str:
        return f"{self.document}#p{self.paragraph}:{self.start}-{self.end}"

    @property
    def citation(self) -> str:
        return f"{self.title} — §{self.section} ¶{self.paragraph}"

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "document": self.document,
            "title": self.title,
            "section": self.section,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    excerpts: tuple[Excerpt, ...] = ()
    abstention: Abstention | None = None
    # When abstaining: the section titles nearest the question, as suggestions of what to ask.
    suggestions: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        return self.abstention is None and bool(self.excerpts)

    @property
    def reason(self) -> str | None:
        return None if self.abstention is None else self.abstention.value

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "reason": self.reason,
            "excerpts": [excerpt.to_json() for excerpt in self.excerpts],
        }
