"""What the engine returns: an Answer holding cited, verbatim Excerpts (pure data)."""

from dataclasses import dataclass
from enum import StrEnum


class AnswerKind(StrEnum):
    """What a reply is: quotes, a refusal, facts about a document itself, or small talk."""

    ANSWER = "answer"  # quotes from the essay
    ABSTAIN = "abstain"  # the essay does not address it (or the question could not be searched)
    ABOUT = "about"  # a question about the document itself: front matter, outline, summary
    CHAT = "chat"  # greetings, thanks, help


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
    score: (
        float | None
    )  # the fused score it was ranked by; None: quoted in reading order ("go on", the ending)

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
            "score": None if self.score is None else round(self.score, 4),
        }


@dataclass(frozen=True)
class Answer:
    question: str
    excerpts: tuple[Excerpt, ...] = ()
    abstention: Abstention | None = None
    # When abstaining: the section titles nearest the question, as suggestions of what to ask.
    suggestions: tuple[str, ...] = ()
    # The bot's own words shown with the reply (front-matter facts, an outline, help); never the essay's.
    message: str | None = None
    # The earlier questions of the conversation that shaped this answer, oldest first; () when none.
    context: tuple[str, ...] = ()
    # Set for replies that are not a content answer (ABOUT, CHAT); otherwise derived from the excerpts.
    turn: AnswerKind | None = None

    @property
    def kind(self) -> AnswerKind:
        if self.turn is not None:
            return self.turn
        return AnswerKind.ANSWER if self.answered else AnswerKind.ABSTAIN

    @property
    def pages_on(self) -> bool:
        """Whether asking again past these excerpts (a larger ``skip``) gives the next ones: a content
        answer's next by score, or the next of the document's own text quoted in reading order (a
        section, paragraphs, the ending: excerpts without a score)."""
        if self.kind is AnswerKind.ANSWER:
            return True
        return (
            self.kind is AnswerKind.ABOUT
            and bool(self.excerpts)
            and all(e.score is None for e in self.excerpts)
        )

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
            "kind": self.kind.value,
            "message": self.message,
            "context": list(self.context),
            "excerpts": [excerpt.to_json() for excerpt in self.excerpts],
        }
