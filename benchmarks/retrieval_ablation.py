"""Fit the retrieval weights on the calibration set; print the ablation table of docs/retrieval-history.md.

Run from the repository root after ``essaybot index build``:

    .venv/bin/python benchmarks/retrieval_ablation.py [--dev ../shared/eval/dev.jsonl]

Everything is fitted on data/calibration/questions.jsonl (questions written for calibration, none
taken from the dev set) and scored on the dev set, which the fit never sees. The corpus must be the
essay alone (one document): the calibration questions are about it.
"""

import argparse
import dataclasses
import math
from pathlib import Path

import numpy as np

from index.answering.engine import Engine
from index.corpus.text import clean_question
from index.encoding.embedding import PACKAGED_MODEL, load_embedder
from index.evaluation import load_items, normalise, score
from index.scoring.abstain import FEATURES, Abstainer, AbstentionModel, features
from index.scoring.parameters import Weights, load_parameters
from index.scoring.scorer import Scorer
from index.scoring.search import FaissSearch, all_scores
from index.storage.store import read_index

SIGNALS = ("sentence", "paragraph", "tokens", "paragraph_tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=Path("var/index"))
    parser.add_argument("--calibration", type=Path, default=Path("data/calibration/questions.jsonl"))
    parser.add_argument("--dev", type=Path, default=Path("../shared/eval/dev.jsonl"))
    args = parser.parse_args()

    embedder = _Memo(load_embedder(PACKAGED_MODEL, None))
    stored = read_index(args.index)
    shipped = load_parameters(embedder.weights_sha256, embedder.dimension)
    plain = dataclasses.replace(shipped, maps=None)  # the rows before round 4: no query adapter or probe
    scorer = Scorer(stored, plain)
    calibration, dev = load_items(args.calibration), load_items(args.dev)
    cal = _prepared(calibration, scorer, stored, embedder)

    weights = _fit_ranker(cal, scorer)
    print("fitted weights:", {name: round(getattr(weights, name), 2) for name in SIGNALS})
    abstention = _fit_abstention(cal, scorer, weights)
    print("fitted abstention:", dataclasses.asdict(abstention))

    never = _Rule(lambda scored: False)
    cosine = _Rule(lambda scored: float(scored.dense.max()) < 0.35)
    no_date_rule = _Rule(lambda scored: _probability(abstention, scored) >= abstention.threshold)
    rows = [
        ("dense sentence cosine, 1-sentence excerpts", _only("sentence"), never, 1.0),
        ("+ fill excerpts to 3 sentences / 400 chars", _only("sentence"), never, 0.0),
        ("+ token MaxSim (IDF-weighted)", _only("sentence", "tokens"), never, 0.0),
        ("+ paragraph context (cosine + MaxSim) = fitted fusion", weights, never, 0.0),
        ("fitted fusion + old abstention (cosine < 0.35)", weights, cosine, 0.0),
        ("+ calibrated abstention (4 features)", weights, no_date_rule, 0.0),
        ("+ date rule (year after the document's date)", weights, Abstainer.always(abstention), 0.0),
        ("query adapter + its weights, no abstention", shipped.weights, never, 0.0),
        ("shipped: adapter, weights and abstention", shipped.weights, Abstainer.of(shipped), 0.0),
    ]
    # The question maps were fitted on the calibration questions, so their "cal" rows are in-sample;
    # benchmarks/fit_question_maps.py reports their cross-validated figures.
    print(f"\n| {'configuration':48} | set | hit@1 | hit@3 | MRR | off-topic abstained | false abstentions |")
    print(f"|{'-' * 50}|-----|-------|-------|-----|------|------|")
    for name, row_weights, row_abstention, share in rows:
        parameters = shipped if name.startswith(("query adapter", "shipped")) else plain
        parameters = dataclasses.replace(parameters, weights=row_weights)
        for label, items in (("cal", calibration), ("dev", dev)):
            report = _evaluate(items, stored, embedder, parameters, row_abstention, share)
            print(
                f"| {name:48} | {label} | {report.hit_at(1):.3f} | {report.hit_at(3):.3f} | "
                f"{report.mrr():.3f} | {report.abstention_rate:.2f} | {report.false_abstentions} |"
            )


def _only(*names: str) -> Weights:
    return Weights(**{name: (1.0 if name in names else 0.0) for name in SIGNALS})


def _prepared(items, scorer, stored, embedder):
    """Per item: (item, question text, unit scores, token scores), encoded once."""
    texts = [clean_question(item.question) for item in items]
    encodings = embedder.encode_with_tokens(texts)
    unit_scores = all_scores(FaissSearch(stored.vectors), np.stack([e.vector for e in encodings]))
    tokens = [scorer.tokens.scores(e.tokens, e.pieces) for e in encodings]
    vectors = [e.vector for e in encodings]
    return list(zip(items, texts, unit_scores, tokens, vectors, strict=True))


def gold_rows(item, scorer) -> list[int]:
    gold = [normalise(span) for span in item.gold]
    return [
        n
        for n, (row, i) in enumerate(scorer.sentences)
        if any(g in normalise(scorer.paragraphs[row].sentence_text(i)) for g in gold)
    ]


def _fit_ranker(prepared, scorer, l2: float = 0.01, steps: int = 3000) -> Weights:
    """Listwise softmax regression: raise the probability mass of the gold sentences (few weights, L2)."""
    data = []
    for item, _text, units, tokens, vector in prepared:
        if not item.gold:
            continue
        s = scorer.signals(units, tokens, vector)
        data.append((10 * np.stack([getattr(s, name) for name in SIGNALS], axis=1), gold_rows(item, scorer)))
    w = np.zeros(len(SIGNALS))
    for _ in range(steps):
        gradient = np.zeros_like(w)
        for x, gold in data:
            p = _softmax(x @ w)
            q = p[gold] / p[gold].sum()
            gradient += x[gold].T @ q - x.T @ p
        w += 0.5 * (gradient / len(data) - l2 * w)
    return Weights(**{name: round(float(value), 1) for name, value in zip(SIGNALS, w, strict=True)})


def _fit_abstention(prepared, scorer, weights) -> AbstentionModel:
    """The abstention model on these weights' scores (questions the date rule refuses are left out)."""
    rows, off_topic = [], []
    for item, text, units, tokens, vector in prepared:
        scored = scorer.score(text, units, tokens, vector)
        if not scored.documents[0].after_date:
            rows.append(features(scored, scored.documents[0]))
            off_topic.append(not item.gold)
    return fit_abstention(np.array(rows), np.array(off_topic))


# The threshold lets at most this share of the on-topic calibration questions abstain (at least one):
# the tolerance, one on-topic question in 40.
ON_TOPIC_ABSTENTION = 0.025


def fit_abstention(
    rows: np.ndarray, off_topic: np.ndarray, l2: float = 0.01, steps: int = 5000
) -> AbstentionModel:
    """Logistic regression of "off topic" on feature ``rows`` (one per question, in FEATURES order).

    Features are standardised for the fit and the weights mapped back, so the model reads raw values.
    """
    mean, spread = rows.mean(axis=0), rows.std(axis=0) + 1e-9
    x = np.c_[(rows - mean) / spread, np.ones(len(rows))]
    y = off_topic.astype(float)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= 0.5 * (x.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0])
    coefficients = w[:-1] / spread
    bias = w[-1] - float(coefficients @ mean)
    model = AbstentionModel(
        bias=round(float(bias), 2),
        **{name: round(float(c), 2) for name, c in zip(FEATURES, coefficients, strict=True)},
    )
    # The threshold comes from the rounded model, as shipped: rounding the weights after choosing it
    # could push one more on-topic question over it.
    on_topic = sorted((model.probability(row) for row in rows[~off_topic]), reverse=True)
    allowed = max(1, int(ON_TOPIC_ABSTENTION * len(on_topic)))
    threshold = max(0.5, on_topic[allowed] + 1e-3) if len(on_topic) > allowed else 0.5
    return dataclasses.replace(model, threshold=math.ceil(threshold * 1000) / 1000)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


class _Memo:
    """The embedder, remembering each question's encoding: the rows below re-ask the same questions."""

    def __init__(self, embedder):
        self._embedder, self._seen = embedder, {}
        self.model_id, self.weights_sha256, self.dimension = (
            embedder.model_id,
            embedder.weights_sha256,
            embedder.dimension,
        )

    def encode_with_tokens(self, texts):
        missing = [text for text in dict.fromkeys(texts) if text not in self._seen]
        if missing:
            self._seen.update(zip(missing, self._embedder.encode_with_tokens(missing), strict=True))
        return [self._seen[text] for text in texts]

    def encode(self, texts):
        return np.stack([encoding.vector for encoding in self.encode_with_tokens(texts)])


class _Rule:
    """An ablation row's abstention: one test of the whole question (one document: the essay)."""

    def __init__(self, off_topic):
        self.off_topic = off_topic

    def excluded(self, scored) -> frozenset[int]:
        return frozenset()


def _probability(model: AbstentionModel, scored) -> float:
    return model.probability(features(scored, scored.documents[0]))


def _evaluate(items, stored, embedder, parameters, abstention, share):
    import index.answering.passages as passages_module

    passages_module.NEIGHBOUR_SHARE = share
    engine = Engine(
        stored.manifest, Scorer(stored, parameters), FaissSearch(stored.vectors), embedder, abstention
    )
    return score(items, engine.answer_many([item.question for item in items], k=5))


if __name__ == "__main__":
    main()
