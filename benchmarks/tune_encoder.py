"""Measure fine-tuning all-MiniLM-L6-v2 itself, through the engine's fused score (not shipped).

Run from the repository root after ``essaybot index build``:

    .venv/bin/python benchmarks/tune_encoder.py [--sides both] [--folds 5] [--run-folds 2] [--epochs 3]

LoRA updates (rank ``--rank``) are added to the feed-forward layers of the model's six layers
(``--targets``) and trained, with the fusion weights, by listwise softmax regression: each on-topic
calibration question's gold sentences should win under the fused score of index/scoring/scorer.py.

* ``--sides question``: only questions go through the tuned model; the stored passage vectors stay.
* ``--sides both``: the corpus's sentences and paragraphs are re-encoded by the tuned model at every
  step, as an index built with it would hold them. The MaxSim terms keep the stored piece vectors.

It prints sentence ranks (hit@1 hit@3 MRR) for each held-out calibration fold and, for each fold's fit,
on ``--dev`` (scored, never fitted on). docs/retrieval-history.md (Round 5) has the figures and why
the method is not shipped. A fold takes about 20 s with ``--sides question`` and 10 min with ``both`` on 2 cores.
"""

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
from fit_question_maps import (
    CALIBRATION,
    CENTRED_COMPONENTS,
    START,
    FusedScore,
    FusionCorpus,
    fit_parameters,
    rank_summary,
)
from retrieval_ablation import gold_rows

from index.corpus.text import clean_question
from index.encoding.embedding import PACKAGED_MODEL, load_embedder
from index.evaluation import load_items
from index.scoring.parameters import Weights
from index.scoring.scorer import Scorer
from index.storage.store import read_index

SEED = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=Path("var/index"))
    parser.add_argument("--calibration", type=Path, default=CALIBRATION)
    parser.add_argument("--dev", type=Path, default=Path("../shared/eval/dev.jsonl"))
    parser.add_argument("--sides", choices=("question", "both"), default="both")
    parser.add_argument("--targets", default="ffn", help="comma-separated: query,key,value,attention_out,ffn")
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16.0)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--run-folds", type=int, default=2, help="how many of the folds to fit and score")
    args = parser.parse_args()

    torch.manual_seed(SEED)
    embedder = load_embedder(PACKAGED_MODEL, None)
    scorer = Scorer(read_index(args.index), fit_parameters(Weights(*START)))
    tuned = _TunedEncoder(embedder._model, args.targets.split(","), args.rank, args.alpha)
    corpus = _LiveCorpus(scorer, tuned, re_encode=args.sides == "both")
    calibration = _questions(load_items(args.calibration), scorer, tuned)
    dev = _questions(load_items(args.dev), scorer, tuned)

    started = time.perf_counter()
    held_out, dev_runs = [], []
    for fold in range(min(args.folds, args.run_folds)):
        train = [q for n, q in enumerate(calibration) if n % args.folds != fold]
        head = _fit(train, tuned, corpus, args)
        ranks = _ranks(head, calibration[fold :: args.folds], tuned, corpus)
        dev_ranks = _ranks(head, dev, tuned, corpus)
        held_out += ranks
        dev_runs.append(dev_ranks)
        elapsed = time.perf_counter() - started
        print(
            f"fold {fold}: calibration {rank_summary(ranks)}  dev {rank_summary(dev_ranks)}  ({elapsed:.0f} s)",
            flush=True,
        )
    print("held-out calibration:", rank_summary(held_out))
    print("dev, each fold's fit:", "; ".join(rank_summary(ranks) for ranks in dev_runs))
    tuned.reset()
    print(
        "untuned model, round-3 weights: dev",
        rank_summary(_ranks(FusedScore(corpus.dimension, 0, list(START)), dev, tuned, corpus)),
    )


class _LoRA(torch.nn.Module):
    """A frozen linear layer plus a trainable low-rank update B A (zero at the start)."""

    def __init__(self, base: torch.nn.Linear, rank: int, alpha: float):
        super().__init__()
        self.base = base
        self.a = torch.nn.Parameter(torch.empty(rank, base.in_features))
        self.b = torch.nn.Parameter(torch.empty(base.out_features, rank))
        self.scale = alpha / rank
        self.reset()

    def reset(self) -> None:
        torch.nn.init.normal_(self.a, std=1 / math.sqrt(self.a.shape[1]))
        torch.nn.init.zeros_(self.b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + self.scale * (x @ self.a.T) @ self.b.T


class _TunedEncoder:
    """The sentence-transformers model's BERT with LoRA on the chosen layers; mean-pooled, unit vectors."""

    def __init__(self, st_model, targets: list[str], rank: int, alpha: float):
        self.bert = st_model[0].auto_model
        self.tokenizer = st_model.tokenizer
        for parameter in self.bert.parameters():
            parameter.requires_grad_(False)
        self.updates: list[_LoRA] = []
        for layer in self.bert.encoder.layer:
            attention = layer.attention.self
            slots = {
                "query": (attention, "query"),
                "key": (attention, "key"),
                "value": (attention, "value"),
                "attention_out": (layer.attention.output, "dense"),
            }
            chosen = [slots[target] for target in targets if target in slots]
            if "ffn" in targets:
                chosen += [(layer.intermediate, "dense"), (layer.output, "dense")]
            for parent, name in chosen:
                update = _LoRA(getattr(parent, name), rank, alpha)
                setattr(parent, name, update)
                self.updates.append(update)

    def parameters(self) -> list[torch.nn.Parameter]:
        return [p for update in self.updates for p in (update.a, update.b)]

    def reset(self) -> None:
        for update in self.updates:
            update.reset()

    def tokenize(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        batch = self.tokenizer(texts, truncation=True, max_length=256, padding=True, return_tensors="pt")
        return batch["input_ids"], batch["attention_mask"]

    def encode(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pooled unit vectors and the last hidden states (the token vectors, not yet normalised)."""
        hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        weight = mask.unsqueeze(-1).float()
        pooled = (hidden * weight).sum(1) / weight.sum(1)
        return pooled / pooled.norm(dim=1, keepdim=True), hidden


class _LiveCorpus(FusionCorpus):
    """The fit's corpus tensors; with ``re_encode`` the dense ones come from the tuned model."""

    def __init__(self, scorer: Scorer, encoder: _TunedEncoder, re_encode: bool):
        super().__init__(scorer)
        self.encoder, self.re_encode = encoder, re_encode
        sentences = [scorer.paragraphs[row].sentence_text(i) for row, i in scorer.sentences]
        self.sentence_batch = encoder.tokenize(sentences)
        self.paragraph_batch = encoder.tokenize([paragraph.text for paragraph in scorer.paragraphs])

    def refresh(self, gradients: bool) -> None:
        """Re-encode sentences and paragraphs, and re-centre them as index/scoring/scorer.py's Centring does."""
        if not self.re_encode:
            return
        with torch.set_grad_enabled(gradients):
            sentences = self._encode(self.sentence_batch)
            paragraphs = self._encode(self.paragraph_batch)
        with torch.no_grad():
            self.mean = sentences.mean(0)
            _, _, directions = torch.linalg.svd(sentences - self.mean, full_matrices=False)
            self.directions = directions[:CENTRED_COMPONENTS]
        self.sentences = self.centre(sentences)
        self.paragraphs = self.centre(paragraphs)

    def _encode(self, batch: tuple[torch.Tensor, torch.Tensor], chunk: int = 64) -> torch.Tensor:
        ids, mask = batch
        return torch.cat(
            [
                self.encoder.encode(ids[n : n + chunk], mask[n : n + chunk])[0]
                for n in range(0, len(ids), chunk)
            ]
        )


def _questions(items, scorer: Scorer, encoder: _TunedEncoder) -> list[dict]:
    """Each on-topic question's word-piece ids, its content pieces' positions and IDF weights, its gold rows."""
    matcher = scorer.tokens
    assert matcher is not None, "the index holds no token vectors: build it with the packaged model"
    questions = []
    for item in items:
        if not item.on_topic:
            continue
        ids = encoder.tokenizer(clean_question(item.question), truncation=True, max_length=256)["input_ids"]
        pieces = encoder.tokenizer.convert_ids_to_tokens(ids)
        # Positions in the whole sequence; the engine reads the pieces without [CLS] and [SEP].
        keep = [n + 1 for n in matcher.content_positions(tuple(pieces[1:-1]))]
        weights = np.array([matcher.idf(pieces[n]) for n in keep])
        questions.append(
            {
                "ids": ids,
                "keep": torch.tensor(keep),
                "weights": torch.tensor(weights / weights.sum(), dtype=torch.float32),
                "gold": torch.tensor(gold_rows(item, scorer)),
            }
        )
    return questions


def _scores(head: FusedScore, questions: list[dict], encoder: _TunedEncoder, corpus: _LiveCorpus):
    """Each question's fused sentence scores, with its vector and pieces from the tuned model."""
    width = max(len(q["ids"]) for q in questions)
    ids = torch.zeros(len(questions), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for n, question in enumerate(questions):
        ids[n, : len(question["ids"])] = torch.tensor(question["ids"])
        mask[n, : len(question["ids"])] = 1
    vectors, hidden = encoder.encode(ids, mask)
    for n, question in enumerate(questions):
        pieces = hidden[n][question["keep"]]
        live = {**question, "vector": vectors[n], "pieces": pieces / pieces.norm(dim=1, keepdim=True)}
        yield question, head(live, corpus)


def _fit(train: list[dict], encoder: _TunedEncoder, corpus: _LiveCorpus, args) -> FusedScore:
    torch.manual_seed(SEED)
    encoder.reset()
    head = FusedScore(corpus.dimension, 0, list(START))  # fusion weights only: no query adapter
    optimiser = torch.optim.Adam(
        [{"params": encoder.parameters(), "lr": args.lr}, {"params": head.parameters(), "lr": 1e-3}]
    )
    batch = 16
    for _ in range(args.epochs):
        order = torch.randperm(len(train))
        for first in range(0, len(train), batch):
            corpus.refresh(gradients=True)
            chosen = [train[int(n)] for n in order[first : first + batch]]
            loss = torch.zeros(())
            for question, z in _scores(head, chosen, encoder, corpus):
                loss = loss - (torch.logsumexp(z[question["gold"]], 0) - torch.logsumexp(z, 0))
            optimiser.zero_grad()
            (loss / len(chosen)).backward()
            optimiser.step()
    return head


def _ranks(head: FusedScore, questions: list[dict], encoder: _TunedEncoder, corpus: _LiveCorpus) -> list[int]:
    ranks = []
    with torch.no_grad():
        corpus.refresh(gradients=False)
        for first in range(0, len(questions), 32):
            for question, z in _scores(head, questions[first : first + 32], encoder, corpus):
                ranks.append(int((z > z[question["gold"]].max()).sum()) + 1)
    return ranks


if __name__ == "__main__":
    main()
