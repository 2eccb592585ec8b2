"""Render answers and eval reports as plain text for a terminal (pure)."""

import contextlib
import textwrap
from collections.abc import Callable
from typing import Protocol

from index.answering.answers import Answer, AnswerKind
from index.answering.conversation import Conversation
from index.evaluation import Report


class Answerer(Protocol):
    def answer(
        self, question: str, k: int = 3, skip: int = 0, conversation: Conversation | None = None
    ) -> Answer: ...


def render_answer(answer: Answer, width: int = 100, *, echo: bool = True) -> str:
    lines = [f"Q: {answer.question.strip()}"] if echo else []
    if answer.context:
        lines.append(f"  (following: {answer.context[-1]})")
    if answer.message:
        lines += [
            textwrap.fill(line, width=width, initial_indent="  ", subsequent_indent="  ")
            for line in answer.message.splitlines()
        ]
    if answer.kind in (AnswerKind.CHAT, AnswerKind.ABOUT) and not answer.excerpts:
        return "\n".join(lines)
    if not answer.answered:
        lines.append(f"  {answer.reason or 'No excerpts.'}")
        if answer.suggestions:
            lines.append(f"  Closest sections: {'; '.join(answer.suggestions)}")
        return "\n".join(lines)
    for number, excerpt in enumerate(answer.excerpts, 1):
        quoted = textwrap.fill(
            f"“{excerpt.text}”", width=width, initial_indent=f"  {number}. ", subsequent_indent="     "
        )
        lines.append(quoted)
        ranked = "" if excerpt.score is None else f", score {excerpt.score:.2f}"
        lines.append(f"     — {excerpt.citation} (chars {excerpt.start}–{excerpt.end}{ranked})")
    return "\n".join(lines)


def render_report(report: Report) -> str:
    lines = ["kind        items  hit@1  hit@3  hit@5    MRR  abstained"]
    judged: list[str] = []
    for kind, results in report.kinds().items():
        if results[0].item.judged:
            right, total = report.right(kind)
            judged.append(f"{kind} {total}: right {right}/{total} ({right / total:.3f})")
            continue
        if kind == "offtopic" or not any(r.item.on_topic for r in results):
            abstained = sum(1 for r in results if r.abstained)
            lines.append(
                f"{kind:<10} {len(results):>6}      -      -      -      -  {abstained}/{len(results)}"
            )
            continue
        abstained = sum(1 for r in results if r.abstained)
        lines.append(
            f"{kind:<10} {len(results):>6}  {report.hit_at(1, kind):.2f}   {report.hit_at(3, kind):.2f}   "
            f"{report.hit_at(5, kind):.2f}   {report.mrr(kind):.2f}  {abstained}/{len(results)}"
        )
    misses = report.misses(3)
    if misses:
        lines.append("")
        lines.append("misses (on-topic not in the top 3, or off-topic answered):")
        for result in misses:
            if result.right is not None:
                where = "wrong reply"
            else:
                where = (
                    "abstained"
                    if result.abstained
                    else (f"rank {result.rank}" if result.rank else "not found")
                )
            lines.append(f"  {result.item.id} [{result.item.kind}] {where}: {result.item.question}")
            if result.top_excerpt:
                lines.append(f"      top: {textwrap.shorten(result.top_excerpt, 110)}")
    on_topic = sum(1 for r in report.results if r.item.on_topic)
    off_topic = sum(1 for r in report.results if not r.item.on_topic and not r.item.judged)
    lines.append("")
    lines.append(
        f"on-topic {on_topic}: hit@1 {report.hit_at(1):.3f}  hit@3 {report.hit_at(3):.3f}  "
        f"hit@5 {report.hit_at(5):.3f}  MRR {report.mrr():.3f}"
    )
    lines.append(f"false abstentions: {report.false_abstentions} of {on_topic}")
    lines.append(f"off-topic {off_topic}: abstention {report.abstention_rate:.3f}")
    lines += judged
    return "\n".join(lines)


NEW_CONVERSATION = "/new"
CHAT_BANNER = (
    'Ask about the essay; follow up as you would in a chat ("why?", "tell me more"). '
    "/new starts a new conversation, Ctrl-D quits."
)


def chat(engine: Answerer, k: int, read: Callable[[str], str] | None = None, write=print) -> int:
    """An interactive conversation: each question follows up the ones before it, until /new.

    ``read`` prompts for a line (``input`` with line editing and history by default); EOF ends the chat.
    """
    if read is None:
        read = _line_reader()
    write(CHAT_BANNER)
    conversation = Conversation()
    while True:
        try:
            line = read("you> ")
        except EOFError:
            write("")
            return 0
        except KeyboardInterrupt:
            write("")
            continue
        question = line.strip()
        if not question:
            continue
        if question == NEW_CONVERSATION:
            conversation = Conversation()
            write("(a new conversation)")
            continue
        answer = engine.answer(question, k=k, conversation=conversation)
        write(render_answer(answer, echo=False))
        write("")
        conversation = conversation.after(answer)


def _line_reader() -> Callable[[str], str]:
    # readline gives input() line editing and a history (up arrow) where the platform has it.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401
    return input
