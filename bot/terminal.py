"""Render answers and eval reports as plain text for a terminal (pure)."""

import textwrap

from index.answers import Answer
from index.evaluation import Report


def render_answer(answer: Answer, width: int = 100) -> str:
    lines = [f"Q: {answer.question.strip()}"]
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
        lines.append(
            f"     — {excerpt.citation} (chars {excerpt.start}–{excerpt.end}, score {excerpt.score:.2f})"
        )
    return "\n".join(lines)


def render_report(report: Report) -> str:
    lines = ["kind        items  hit@1  hit@3  hit@5    MRR  abstained"]
    for kind, results in report.kinds().items():
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
            where = (
                "abstained" if result.abstained else (f"rank {result.rank}" if result.rank else "not found")
            )
            lines.append(f"  {result.item.id} [{result.item.kind}] {where}: {result.item.question}")
            if result.top_excerpt:
                lines.append(f"      top: {textwrap.shorten(result.top_excerpt, 110)}")
    on_topic = sum(1 for r in report.results if r.item.on_topic)
    off_topic = len(report.results) - on_topic
    lines.append("")
    lines.append(
        f"on-topic {on_topic}: hit@1 {report.hit_at(1):.3f}  hit@3 {report.hit_at(3):.3f}  "
        f"hit@5 {report.hit_at(5):.3f}  MRR {report.mrr():.3f}"
    )
    lines.append(f"false abstentions: {report.false_abstentions} of {on_topic}")
    lines.append(f"off-topic {off_topic}: abstention {report.abstention_rate:.3f}")
    return "\n".join(lines)
