"""Measure fine-tuning all-MiniLM-L6-v2 itself, through the engine's fused score (not shipped).

    .venv/bin/python benchmarks/tune_encoder.py [--sides both] [--folds 5] [--run-folds 2] [--epochs 3]

LoRA updates (rank ``--rank``) are added to the feed-forward layers of the model's six layers
(``--targets``) and trained, with the fusion weights, by listwise softmax regression: each on-topic
calibration question's gold sentences should win under the fused score of index/scoring/scorer.py. The
corpus (``--corpus``, the essay alone) is indexed with the base model first, in a temporary folder.

* ``--sides question``: only questions go through the tuned model; the stored passage vectors stay.
* ``--sides both``: the corpus's sentences and paragraphs are re-encoded by the tuned model at every
  step, as an index built with it would hold them, and so are the MaxSim terms' piece vectors (taken
  from the same passes, as index/building/build.py takes them); ``--stored-pieces`` keeps the base model's.
* ``--followups FILE``: also fit on follow-ups, each scored alone plus glued after its context, as
  index/answering/engine.py scores them.

It prints sentence ranks (hit@1 hit@3 MRR) for each held-out calibration fold and, for each fold's fit,
on ``--dev`` (scored, never fitted on). A fold takes about 20 s with ``--sides question`` and 10-30 min
with ``both`` on 2 cores.

End to end (docs/retrieval-history.md, "Fine-tuned encoder"): ``--save-model DIR`` fits on every
calibration question and saves the merged model; then, with ``ESSAYBOT_MODEL=DIR ESSAYBOT_MODEL_SHA256=
ESSAYBOT_ENCODER=torch ESSAYBOT_DATA_DIR=/tmp/tuned``: ``essaybot index build``, ``fit_question_maps.py
--model DIR --index /tmp/tuned/index --write`` (it overwrites the packaged parameters: ``git checkout
index/scoring/fitted`` after), ``essaybot eval``.
"""

import argparse
import math
import tempfile
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

from index.building.build import build_index
from index.corpus.text import clean_question
from index.encoding.embedding import PACKAGED_MODEL, load_embedder
from index.evaluation import load_items
from index.scoring.parameters import Weights
from index.scoring.scorer import Scorer
from index.scoring.tokens import SentenceTokens, _content_pieces
from index.storage.store import read_index

SEED = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"), help="the essay alone")
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
    parser.add_argument(
        "--stored-pieces",
        action="store_true",
        help="with --sides both, keep the index's piece vectors for MaxSim (round 5) instead of re-encoding them",
    )
    parser.add_argument(
        "--save-model", type=Path, help="fit on every calibration question and save the merged model here"
    )
    parser.add_argument(
        "--followups",
        type=Path,
        help="also fit on these follow-ups, scored in their conversation as the engine scores them",
    )
    args = parser.parse_args()

    torch.manual_seed(SEED)
    embedder = load_embedder(PACKAGED_MODEL, None)
    with tempfile.TemporaryDirectory() as folder:
        # The corpus as the base model indexes it: its sentences, paragraphs and their pieces, which
        # the tuned model re-encodes at every step. Built here, so nothing else need be built first.
        build_index(args.corpus, Path(folder) / "index", embedder)
        stored = read_index(Path(folder) / "index")
    if len(stored.manifest.documents) != 1:
        parser.error(
            f"{args.corpus} holds {len(stored.manifest.documents)} documents; tune on the essay alone"
        )
    scorer = Scorer(stored, fit_parameters(Weights(*START)))
    tuned = _TunedEncoder(embedder._model, args.targets.split(","), args.rank, args.alpha)
    corpus = _LiveCorpus(scorer, tuned, re_encode=args.sides == "both", live_pieces=not args.stored_pieces)
    calibration = _questions(load_items(args.calibration), scorer, tuned)
    if args.followups:
        calibration += _questions(load_items(args.followups), scorer, tuned)
    dev = _questions(load_items(args.dev), scorer, tuned)

    if args.save_model:
        started = time.perf_counter()
        head = _fit(calibration, tuned, corpus, args)
        print(f"fitted on {len(calibration)} questions in {time.perf_counter() - started:.0f} s", flush=True)
        print("calibration (fitted on):", rank_summary(_ranks(head, calibration, tuned, corpus)))
        tuned.merge()
        embedder._model.save(str(args.save_model))  # type: ignore[attr-defined]  # the SentenceTransformer
        print("saved the merged model to", args.save_model)
        return

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
        self.slots: list[tuple[torch.nn.Module, str]] = []
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
                self.slots.append((parent, name))

    def parameters(self) -> list[torch.nn.Parameter]:
        return [p for update in self.updates for p in (update.a, update.b)]

    def reset(self) -> None:
        for update in self.updates:
            update.reset()

    def merge(self) -> None:
        """Fold each update into its layer's weights (W + scale B A) and put the plain layers back."""
        with torch.no_grad():
            for (parent, name), update in zip(self.slots, self.updates, strict=True):
                update.base.weight += update.scale * update.b @ update.a
                setattr(parent, name, update.base)

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

    def __init__(self, scorer: Scorer, encoder: _TunedEncoder, re_encode: bool, live_pieces: bool = False):
        super().__init__(scorer)
        self.encoder, self.re_encode = encoder, re_encode
        sentences = [scorer.paragraphs[row].sentence_text(i) for row, i in scorer.sentences]
        self.sentence_batch = encoder.tokenize(sentences)
        self.paragraph_batch = encoder.tokenize([paragraph.text for paragraph in scorer.paragraphs])
        # Where each stored content piece comes from in the two passes, as index/building/build.py takes them:
        # rows of the flat (sentence passes, then paragraph passes) hidden states.
        self.piece_rows = _piece_rows(scorer, encoder, self.sentence_batch, self.paragraph_batch)
        self.live_pieces = live_pieces and re_encode

    def refresh(self, gradients: bool) -> None:
        """Re-encode sentences and paragraphs, and re-centre them as index/scoring/scorer.py's Centring does."""
        if not self.re_encode:
            return
        with torch.set_grad_enabled(gradients):
            sentences, sentence_hidden = self._encode(self.sentence_batch)
            paragraphs, paragraph_hidden = self._encode(self.paragraph_batch)
            if self.live_pieces:
                pieces = torch.cat([sentence_hidden, paragraph_hidden])[self.piece_rows]
                self.pieces_t = (pieces / pieces.norm(dim=1, keepdim=True)).T
        with torch.no_grad():
            self.mean = sentences.mean(0)
            _, _, directions = torch.linalg.svd(sentences - self.mean, full_matrices=False)
            self.directions = directions[:CENTRED_COMPONENTS]
        self.sentences = self.centre(sentences)
        self.paragraphs = self.centre(paragraphs)

    def _encode(
        self, batch: tuple[torch.Tensor, torch.Tensor], chunk: int = 64
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Pooled unit vectors, and every text's hidden states flattened (padding included)."""
        ids, mask = batch
        pooled, hidden = [], []
        for n in range(0, len(ids), chunk):
            vectors, states = self.encoder.encode(ids[n : n + chunk], mask[n : n + chunk])
            pooled.append(vectors)
            hidden.append(states.reshape(-1, states.shape[-1]))
        return torch.cat(pooled), torch.cat(hidden)


def _piece_rows(scorer: Scorer, encoder: _TunedEncoder, sentence_batch, paragraph_batch) -> torch.Tensor:
    """For each content piece the matcher holds, its row in _LiveCorpus._encode's flat hidden states.

    The same choice index/building/build.py makes: a sentence's pieces from its paragraph's pass when they are
    found there in order, else from the sentence's own pass; then only content pieces (and each
    sentence's first) are kept, as index/scoring/tokens.py keeps them.
    """
    sentence_ids, paragraph_ids = sentence_batch[0], paragraph_batch[0]
    sentence_width, paragraph_width = sentence_ids.shape[1], paragraph_ids.shape[1]
    special = set(encoder.tokenizer.all_special_ids)

    def pieces(ids: torch.Tensor) -> list[tuple[int, str]]:
        kept = [(n, int(i)) for n, i in enumerate(ids.tolist()) if int(i) not in special]
        names = encoder.tokenizer.convert_ids_to_tokens([i for _, i in kept])
        return [(n, name) for (n, _), name in zip(kept, names, strict=True)]

    rows, owners, names = [], [], []
    sentence = 0
    paragraph_offset = len(sentence_ids) * sentence_width
    for paragraph, (row, count) in enumerate(_sentence_counts(scorer)):
        assert row == paragraph
        context = pieces(paragraph_ids[paragraph])
        position = 0
        for _ in range(count):
            own = pieces(sentence_ids[sentence])
            width = len(own)
            if [name for _, name in context[position : position + width]] == [name for _, name in own]:
                rows += [
                    paragraph_offset + paragraph * paragraph_width + n
                    for n, _ in context[position : position + width]
                ]
            else:
                rows += [sentence * sentence_width + n for n, _ in own]
                position = len(context)
            position += width
            owners += [sentence] * width
            names += [name for _, name in own]
            sentence += 1
    all_pieces = SentenceTokens(
        vectors=np.arange(len(rows))[:, None], sentence=np.array(owners), pieces=np.array(names, dtype=str)
    )
    kept = _content_pieces(all_pieces)
    layout = scorer.tokens.layout if scorer.tokens is not None else None
    assert layout is not None and np.array_equal(kept.sentence, layout.sentence), (
        "the index's pieces are not the ones this model's tokenizer gives: build the index with it"
    )
    return torch.tensor(np.array(rows)[kept.vectors[:, 0]])


def _sentence_counts(scorer: Scorer) -> list[tuple[int, int]]:
    """(paragraph row, its sentence count) in sentence order."""
    counts: dict[int, int] = {}
    for row, _ in scorer.sentences:
        counts[row] = counts.get(row, 0) + 1
    return list(counts.items())


def _questions(items, scorer: Scorer, encoder: _TunedEncoder) -> list[dict]:
    """Each on-topic question's texts to score and its gold rows.

    A question is one text; a follow-up (with ``context``) is two, scored and added as index/answering/engine.py
    adds them: the question alone, and glued after its conversation's earlier questions.
    """
    matcher = scorer.tokens
    assert matcher is not None, "the index holds no token vectors: build it with the packaged model"
    questions = []
    for item in items:
        if not item.on_topic:
            continue
        text = clean_question(item.question)
        history = [clean_question(question) for question in item.context]
        texts = [text, " ".join((*history, text))] if history else [text]
        questions.append(
            {
                "texts": [_text(t, matcher, encoder) for t in texts],
                "gold": torch.tensor(gold_rows(item, scorer)),
            }
        )
    return questions


def _text(text: str, matcher, encoder: _TunedEncoder) -> dict:
    """A text's word-piece ids, and its content pieces' positions and IDF weights."""
    ids = encoder.tokenizer(text, truncation=True, max_length=256)["input_ids"]
    pieces = encoder.tokenizer.convert_ids_to_tokens(ids)
    # Positions in the whole sequence; the engine reads the pieces without [CLS] and [SEP].
    keep = [n + 1 for n in matcher.content_positions(tuple(pieces[1:-1]))]
    weights = np.array([matcher.idf(pieces[n]) for n in keep])
    return {
        "ids": ids,
        "keep": torch.tensor(keep),
        "weights": torch.tensor(weights / weights.sum(), dtype=torch.float32),
    }


def _scores(head: FusedScore, questions: list[dict], encoder: _TunedEncoder, corpus: _LiveCorpus):
    """Each question's fused sentence scores (summed over its texts), with vectors and pieces from the tuned model."""
    texts = [text for question in questions for text in question["texts"]]
    width = max(len(t["ids"]) for t in texts)
    ids = torch.zeros(len(texts), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for n, text in enumerate(texts):
        ids[n, : len(text["ids"])] = torch.tensor(text["ids"])
        mask[n, : len(text["ids"])] = 1
    vectors, hidden = encoder.encode(ids, mask)
    n = 0
    for question in questions:
        scores = []
        for text in question["texts"]:
            pieces = hidden[n][text["keep"]]
            live = {**text, "vector": vectors[n], "pieces": pieces / pieces.norm(dim=1, keepdim=True)}
            scores.append(head(live, corpus))
            n += 1
        yield question, torch.stack(scores).sum(0)


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
