"""What a follow-up is asked against: the earlier questions of a conversation and what was already shown."""

from collections.abc import Iterable
from dataclasses import dataclass

from index.answering.answers import Answer, AnswerKind

# Bounds, so that a long conversation costs the same as a short one: the last few questions are what
# a follow-up leans on, and the last few answers' excerpts are what a reader still has in view.
MAX_QUESTIONS = 4
MAX_SHOWN = 30


@dataclass(frozen=True)
class Conversation:
    """The conversation before a turn (pure data; the bot keeps one per answer it sent)."""

    questions: tuple[str, ...] = ()  # earlier questions, oldest first
    shown: tuple[str, ...] = ()  # ids (``Excerpt.id``) of the excerpts already shown, oldest first
    last: tuple[str, ...] = ()  # ids of the excerpts the latest answer showed, best first

    def __bool__(self) -> bool:
        return bool(self.questions)

    def then(self, question: str, shown: Iterable[str] = ()) -> "Conversation":
        """The conversation after ``question`` was answered with the excerpts ``shown``, within bounds."""
        latest = tuple(shown)[:MAX_SHOWN]
        return Conversation(
            questions=(*self.questions, question)[-MAX_QUESTIONS:],
            shown=(*self.shown, *latest)[-MAX_SHOWN:],
            last=latest,
        )

    def after(self, answer: Answer) -> "Conversation":
        """The conversation after ``answer`` was shown: its question and excerpts, unless it was a refusal
        or small talk, which are no context for the next turn ("how do I bake bread?" would pull "and
        why?" off topic)."""
        if answer.kind not in (AnswerKind.ANSWER, AnswerKind.ABOUT) and not answer.excerpts:
            return self
        return self.then(answer.question, (excerpt.id for excerpt in answer.excerpts))

    def to_json(self) -> dict:
        return {"questions": list(self.questions), "shown": list(self.shown), "last": list(self.last)}

    @classmethod
    def from_json(cls, data: dict | None) -> "Conversation":
        if not data:
            return cls()
        return cls(*(tuple(map(str, data.get(key) or ())) for key in ("questions", "shown", "last")))
