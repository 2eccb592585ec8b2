"""Decide whether the essay addresses a question at all, from a few calibrated features (pure).

One threshold on the best cosine cannot tell "tigers fight mountain" (on topic, low cosine) from
"China's response to the invasion of Ukraine" (off topic, high cosine: it names China and Russia).
What the near-misses share is a salient term the essay never uses (a country, a year, "trade"),
so the corpus's coverage of the question's terms sits beside the match scores in a logistic model.
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
        return self.probability(features(scored)) >= self.threshold


def features(scored: Scored) -> tuple[float, float, float, float]:
    return (
        float(scored.dense.max()),
        float(scored.token.max()),
        scored.unknown_share,
        float(scored.unknown_number),
    )


# Fitted on the calibration set. The threshold asks for 3:1 odds of "off topic" rather than the
# calibration set's tightest cut (0.53): real paraphrases use more words the essay lacks than
# calibration questions do, and a false abstention hides an answer the essay has.
DEFAULT_MODEL = AbstentionModel(
    bias=10.09, dense=-8.08, token=-12.84, unknown_share=1.12, unknown_number=0.78, threshold=0.75
)
