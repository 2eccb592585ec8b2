"""``essaybot chat``: each question follows up the ones before it, /new starts over, Ctrl-D ends it."""

from bot.terminal import NEW_CONVERSATION, chat, render_answer
from index.answering.answers import Answer, AnswerKind, Excerpt


class RecordingEngine:
    """Answers every question with one excerpt, and remembers the conversation each was asked in."""

    def __init__(self):
        self.asked = []

    def answer(self, question, k=3, skip=0, conversation=None):
        self.asked.append((question, conversation))
        if question == "hi":
            return Answer(question, message="Hi!", turn=AnswerKind.CHAT)
        excerpt = Excerpt("doc", "Title", "Intro", 1, 0, 5, "Quote", 1.0)
        return Answer(question, excerpts=(excerpt,), context=conversation.questions if conversation else ())


def run_chat(lines):
    engine, out = RecordingEngine(), []
    feed = iter(lines)

    def read(prompt):
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    code = chat(engine, k=3, read=read, write=out.append)
    return code, engine.asked, "\n".join(out)


def test_each_question_follows_up_the_earlier_ones_until_new():
    code, asked, out = run_chat(["Why did it fail?", "hi", "and why?", NEW_CONVERSATION, "Who signed it?"])

    assert code == 0
    contexts = [conversation.questions for _, conversation in asked]
    assert contexts == [(), ("Why did it fail?",), ("Why did it fail?",), ()]
    assert asked[2][1].shown == ("doc#p1:0-5",)
    assert "(following: Why did it fail?)" in out and "a new conversation" in out


def test_blank_lines_are_skipped_and_end_of_input_quits():
    code, asked, _ = run_chat(["", "   "])
    assert code == 0 and asked == []


def test_an_excerpt_read_on_in_order_shows_no_score():
    ranked = Excerpt("doc", "Title", "Intro", 1, 0, 5, "Quote", 1.25)
    read_on = Excerpt("doc", "Title", "Intro", 2, 0, 4, "More", None)

    shown = render_answer(Answer("go on", excerpts=(ranked, read_on)))

    assert "¶1 (chars 0–5, score 1.25)" in shown
    assert "¶2 (chars 0–4)" in shown
