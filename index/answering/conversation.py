"""What a follow-up is asked against: the earlier questions of a conversation and what was already shown."""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from index.answering.answers import Abstention, Answer, AnswerKind

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
    # The question the latest turn refused as off topic, if it did: no context for a question of its own,
    # but what a message leaning on it continues ("and china's?" after "what's the population of russia?").
    refused: str = ""

    def __bool__(self) -> bool:
        return bool(self.questions or self.refused)

    def then(self, question: str, shown: Iterable[str] = ()) -> "Conversation":
        """The conversation after ``question`` was answered with the excerpts ``shown``, within bounds."""
        latest = tuple(shown)[:MAX_SHOWN]
        return Conversation(
            questions=(*self.questions, question)[-MAX_QUESTIONS:],
            shown=(*self.shown, *latest)[-MAX_SHOWN:],
            last=latest,
        )

    def refusing(self, question: str) -> "Conversation":
        """The conversation after ``question`` was refused as off topic: it is not context for the next
        turn ("how do I bake bread?" would pull "and why?" off topic), only what a message leaning on it
        continues."""
        return replace(self, refused=question)

    def after(self, answer: Answer) -> "Conversation":
        """The conversation after ``answer`` was shown: its question and excerpts, unless it was a refusal
        (``refusing``) or small talk, which are no context for the next turn."""
        return self.after_reply(
            answer.question,
            answer.abstention,
            (excerpt.id for excerpt in answer.excerpts),
            context=answer.kind in (AnswerKind.ANSWER, AnswerKind.ABOUT) or bool(answer.excerpts),
        )

    def after_reply(
        self, question: str, abstention: str | None, shown: Iterable[str], *, context: bool
    ) -> "Conversation":
        """The conversation after ``question`` got a reply showing the excerpts ``shown`` (ids) or the
        ``abstention`` (an Abstention or its text, as the answer log keeps it). ``context``: whether the
        question is context for the next turn; small talk and other refusals are not."""
        if abstention == Abstention.OFF_TOPIC:
            return self.refusing(question)
        if not context:
            return replace(self, refused="")
        return self.then(question, shown)

    def to_json(self) -> dict:
        return {
            "questions": list(self.questions),
            "shown": list(self.shown),
            "last": list(self.last),
            "refused": self.refused,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> "Conversation":
        if not data:
            return cls()
        lists = (tuple(map(str, data.get(key) or ())) for key in ("questions", "shown", "last"))
        return cls(*lists, refused=str(data.get("refused") or ""))
