"""Decide whether the essay addresses a question at all, from a few calibrated features (pure).

One threshold on the best cosine cannot tell "tigers fight mountain" (on topic, low cosine) from
"China's response to the invasion of Ukraine" (off topic, high cosine: it names China and Russia).
What the near-misses share is a salient term the essay never uses (a country, a year, "trade"),
so the corpus's coverage of the question's terms sits beside the match scores in a logistic model.
A question about a year after the newest document's date is refused outright: no document can report it.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from index.retrieve import Scored

FEATURES = ("dense", "token", "best", "unknown_share", "unknown_number", "unknown_name", "topic")


@dataclass(frozen=True)
class AbstentionModel:
    """Logistic weights over FEATURES, fitted on tests/data/calibration.jsonl (benchmarks/fit_question_maps.py)."""

    bias: float = 0.0
    dense: float = 0.0  # best raw sentence cosine
    token: float = 0.0  # best sentence MaxSim (the sentence's own pieces)
    best: float = 0.0  # best fused ranking score (Scored.total), the query adapter included
    unknown_share: float = 0.0  # share of content terms the corpus lacks
    unknown_number: float = 0.0  # 1 when the question names a number the essay never uses
    unknown_name: float = 0.0  # 1 when it names a capitalised word the essay never uses ("India")
    topic: float = 0.0  # the topic probe's log-odds of "off topic" (index/question_maps.py)
    threshold: float = 0.5  # abstain at or above this probability of "off topic"

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + sum(getattr(self, name) * value for name, value in zip(FEATURES, values, strict=True))
        return 1 / (1 + math.exp(-z))

    def off_topic(self, scored: Scored) -> bool:
        return scored.after_corpus or self.probability(features(scored)) >= self.threshold


def features(scored: Scored) -> tuple[float, ...]:
    """The values of FEATURES for one question."""
    return (
        float(scored.dense.max()),
        float(scored.token.max()),
        float(scored.total.max()),
        scored.unknown_share,
        float(scored.unknown_number),
        float(scored.unknown_name),
        scored.topic,
    )


# Fitted by benchmarks/fit_question_maps.py on the calibration set (746 questions: 570 on topic, 176 off),
# leaving out the questions the date rule refuses anyway. Each question's "best" and "topic" come from
# an adapter and a probe fitted without it. The threshold lets at most 2.5% of the on-topic questions
# abstain (the tolerance: one in 40).
DEFAULT_MODEL = AbstentionModel(
    bias=1.76,
    dense=0.24,
    token=-2.38,
    best=-0.46,
    unknown_share=0.37,
    unknown_number=2.26,
    unknown_name=1.34,
    topic=1.15,
    threshold=0.585,
)

# The same fit with the probe's feature at 0, for a corpus that holds documents the probe was not
# fitted on (QuestionMaps.for_corpus).
WITHOUT_PROBE_MODEL = AbstentionModel(
    bias=0.32,
    dense=-3.21,
    token=-0.69,
    best=-0.17,
    unknown_share=1.17,
    unknown_number=2.69,
    unknown_name=1.91,
    topic=0.0,
    threshold=0.566,
)
