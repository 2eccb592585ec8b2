"""Score answers against an eval set in the format of shared/eval (README there): hit@k, MRR, abstention."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from index.answering.answers import Answer, AnswerKind
from index.errors import EssayBotError

MAX_HIT_CHARS = 500  # a longer excerpt never counts: it would not read as a quote in a chat
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


# Kinds scored by what the reply is rather than by rank: questions about the document, and small talk.
META, CHAT = "meta", "chat"


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    gold: tuple[str, ...]
    kind: str
    context: tuple[str, ...] = ()  # the same user's earlier questions, oldest first (follow-ups)
    all: bool = False  # meta items: every gold string must be in the reply, not just one

    @property
    def on_topic(self) -> bool:
        """Scored by rank: a gold span in the top-k excerpts."""
        return bool(self.gold) and self.kind not in (META, CHAT)

    @property
    def judged(self) -> bool:
        """Scored right or wrong by the reply as a whole."""
        return self.kind in (META, CHAT)


@dataclass
class ItemResult:
    item: EvalItem
    rank: int | None  # 1-based rank of the first excerpt holding a gold span; None when none does
    abstained: bool
    top_excerpt: str = ""
    right: bool | None = None  # meta and chat items: whether the reply was right; None for the others


@dataclass
class Report:
    results: list[ItemResult] = field(default_factory=list)

    def hit_at(self, k: int, kind: str | None = None) -> float:
        items = [r for r in self._on_topic(kind)]
        return sum(1 for r in items if r.rank is not None and r.rank <= k) / len(items) if items else 0.0

    def mrr(self, kind: str | None = None) -> float:
        items = self._on_topic(kind)
        return sum(1 / r.rank for r in items if r.rank) / len(items) if items else 0.0

    def right(self, kind: str) -> tuple[int, int]:
        """(right, total) over the judged items of ``kind``."""
        judged = [r for r in self.results if r.item.kind == kind and r.item.judged]
        return sum(1 for r in judged if r.right), len(judged)

    @property
    def abstention_rate(self) -> float:
        off = self._off_topic()
        return sum(1 for r in off if r.abstained) / len(off) if off else 0.0

    @property
    def false_abstentions(self) -> int:
        return sum(1 for r in self.results if r.item.on_topic and r.abstained)

    def misses(self, k: int) -> list[ItemResult]:
        return [
            r
            for r in self.results
            if (r.item.on_topic and (r.rank is None or r.rank > k))
            or (r.item.judged and not r.right)
            or (r in self._off_topic() and not r.abstained)
        ]

    def _off_topic(self) -> list[ItemResult]:
        return [r for r in self.results if not r.item.on_topic and not r.item.judged]

    def kinds(self) -> dict[str, list[ItemResult]]:
        grouped: dict[str, list[ItemResult]] = defaultdict(list)
        for result in self.results:
            grouped[result.item.kind].append(result)
        return dict(sorted(grouped.items()))

    def _on_topic(self, kind: str | None) -> list[ItemResult]:
        return [r for r in self.results if r.item.on_topic and (kind is None or r.item.kind == kind)]


def normalise(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split()).lower()


def load_items(path: Path) -> list[EvalItem]:
    items = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise EssayBotError(f"cannot read eval file {path}: {error}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            context = row.get("context") or []
            if not isinstance(context, list):
                raise TypeError("'context' must be a list of earlier questions")
            items.append(
                EvalItem(
                    str(row["id"]),
                    str(row["question"]),
                    tuple(row["gold"]),
                    str(row.get("kind", "")),
                    context=tuple(str(question) for question in context),
                    all=bool(row.get("all", False)),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise EssayBotError(f"{path}:{number}: not an eval item ({error})") from None
    if not items:
        raise EssayBotError(f"eval file {path} has no items")
    return items


def score(items: list[EvalItem], answers: list[Answer]) -> Report:
    report = Report()
    for item, answer in zip(items, answers, strict=True):
        texts = [normalise(e.text) for e in answer.excerpts]
        gold = [normalise(span) for span in item.gold]
        rank = next(
            (
                n
                for n, text in enumerate(texts, 1)
                if len(text) <= MAX_HIT_CHARS and any(g in text for g in gold)
            ),
            None,
        )
        abstained = not answer.answered and answer.kind is not AnswerKind.CHAT
        report.results.append(
            ItemResult(
                item,
                rank,
                abstained,
                answer.excerpts[0].text if answer.excerpts else (answer.message or ""),
                right=_judge(item, answer) if item.judged else None,
            )
        )
    return report


def _judge(item: EvalItem, answer: Answer) -> bool:
    """A chat item is right when the reply is small talk; a meta item when its gold is in the reply's own
    words or its excerpts (every gold string, with ``all``)."""
    if item.kind == CHAT:
        return answer.kind is AnswerKind.CHAT
    reply = normalise(" ".join([answer.message or "", *(e.text for e in answer.excerpts)]))
    found = [normalise(gold) in reply for gold in item.gold]
    return all(found) if item.all else any(found)
