"""Decide whether the essay addresses a question at all, from a few calibrated features (pure).

One threshold on the best cosine cannot tell "tigers fight mountain" (on topic, low cosine) from
"China's response to the invasion of Ukraine" (off topic, high cosine: it names China and Russia).
What the near-misses share is a salient term the essay never uses (a country, a year, "trade"),
so the corpus's coverage of the question's terms sits beside the match scores in a logistic model.
A question about a year after the newest document's date is refused outright: no document can report it.
"""

import math
from dataclasses import dataclass

from index.retrieve import Scored


@dataclass(frozen=True)
class AbstentionModel:
    """Logistic weights, fitted on tests/data/calibration.jsonl by benchmarks/retrieval_ablation.py."""

    bias: float = 0.0
    dense: float = 0.0  # best sentence cosine
    token: float = 0.0  # best sentence MaxSim
    unknown_share: float = 0.0  # share of content terms the corpus lacks
    unknown_number: float = 0.0  # 1 when the question names a number the essay never uses
    threshold: float = 0.5  # abstain at or above this probability of "off topic"

    def probability(self, features: tuple[float, float, float, float]) -> float:
        dense, token, unknown_share, unknown_number = features
        z = (
            self.bias
            + self.dense * dense
            + self.token * token
            + self.unknown_share * unknown_share
            + self.unknown_number * unknown_number
        )
        return 1 / (1 + math.exp(-z))

    def off_topic(self, scored: Scored) -> bool:
        return scored.after_corpus or self.probability(features(scored)) >= self.threshold


def features(scored: Scored) -> tuple[float, float, float, float]:
    return (
        float(scored.dense.max()),
        float(scored.token.max()),
        scored.unknown_share,
        float(scored.unknown_number),
    )


# Fitted on the calibration set (96 questions) by benchmarks/retrieval_ablation.py, leaving out the
# questions the date rule refuses anyway. The threshold is the tightest on calibration that lets at
# most one on-topic question abstain, rounded up.
DEFAULT_MODEL = AbstentionModel(
    bias=9.85, dense=-7.35, token=-13.39, unknown_share=0.99, unknown_number=0.73, threshold=0.625
)
