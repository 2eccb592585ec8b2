"""What a turn can be read as: a content question, one about the document, small talk, or "go on"."""

from dataclasses import dataclass
from enum import StrEnum


class TurnKind(StrEnum):
    CONTENT = "content"
    ABOUT = "about"  # the document itself
    CHAT = "chat"  # small talk
    CONTINUE = "continue"  # "tell me more", "go on"


class Facet(StrEnum):
    """What a question about the document asks for."""

    AUTHOR = "author"  # who wrote it, and where the author works
    PUBLISHED = "published"  # when and where it appeared
    TITLE = "title"
    OUTLINE = "outline"  # its sections, or which section holds a topic
    SUMMARY = "summary"  # gist, tl;dr, main point
    ENDING = "ending"  # how it ends, its conclusion
    SECTION = "section"  # one section's text, counted to ("what does section 3 say?", "the intro")
    PARAGRAPH = "paragraph"  # one paragraph by its number, as the citations give it ("what does ¶5 say?")


class Chat(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    FAREWELL = "farewell"
    HELP = "help"  # how to use the bot, what it is
    PRAISE = "praise"
    ACKNOWLEDGEMENT = "acknowledgement"


@dataclass(frozen=True)
class Reading:
    kind: TurnKind
    facet: Facet | None = None
    chat: Chat | None = None
    # For CONTENT and OUTLINE: the question's content stems that no cue explains (what it is about).
    topic: tuple[str, ...] = ()
    # For CHAT: whether content words of the corpus came with the cue, so that only an off-topic verdict
    # from the retrieval should make it small talk ("thanks! and why did the 1950 alliance fail?").
    mixed: bool = False
    # For OUTLINE in a conversation: "which section is that in?" points back at what was just asked; for
    # AUTHOR and PUBLISHED, "source?" asks the source of what was just quoted.
    pointing: bool = False
    # For SECTION and PARAGRAPH: the place counted from the one the reply before quoted ("the next section":
    # 1, "the previous paragraph": -1); 0 when the place is counted from the document's start or end.
    step: int = 0
    # For a follow-up with small talk around it ("thanks! and why?"): the question alone, which is what
    # gets scored (the small talk's words only blur it); "" when it is the whole message.
    asks: str = ""
