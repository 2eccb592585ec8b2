"""Fit every number the engine reads (index/scoring/parameters.py) on the calibration set: the question maps
(index/scoring/question_maps.py), the fusion weights and the abstention models.

Run from the repository root after ``essaybot index build``:

    .venv/bin/python benchmarks/fit_question_maps.py [--folds 5] [--write]

* The query adapter and the fusion weights are fitted together by listwise softmax regression: each
  on-topic calibration question's gold sentences should win under the engine's fused score, with the
  question's pooled vector read through q → q + U Vᵀ q (rank ``--rank``, L2-penalised towards the
  identity).
* The topic probe is an L2 logistic regression of "off topic" on the question's pooled vector.
* The abstention model (index/scoring/abstain.py) is fitted next, on features as a new question would have
  them: each on-topic question's best fused score comes from an adapter fitted without it, and every
  question's probe logit from a probe fitted without it (``--folds`` folds).
* Last, how a follow-up leans on its conversation, read off the engine with everything above answering
  the calibration follow-ups (``--follow-ups``: follow-ups and changes of subject, each with its
  earlier questions): ``new_number_context``, the share of the question in context in the ranking of a
  follow-up naming a number its conversation has not (``SHARES``: the best MRR over the top 3; the
  nearest the plain mean, 0.5, on a tie); then ``last_paragraph``, the lift for the paragraph the last
  answer quoted first (``LIFTS``: the best MRR over the top 3; the smallest, on a tie); then
  ``subject_drop``, how far a follow-up made only of words no document uses may pull its conversation's
  best cosine down before it is refused as a change to a subject no document covers (midway between the
  calibration follow-ups' drops bounding the thresholds that refuse at most ``SUBJECT_DROP_REFUSES`` of
  them).

It prints cross-validated sentence ranks against the round-3 weights without an adapter, the fitted
``Weights`` and both ``AbstentionModel``s; ``--write`` saves them, with the query adapter, the topic
probe and the two stated constants below, to index/scoring/fitted/ (parameters.json and question_maps.npz),
recording the sha256 of the model weights, of the calibration file and of the corpus. The dev set is
never read. The calibration questions are about one document, so the index must hold only it.

torch runs on one thread with a fixed seed, and the essay's index is built with the same torch model
unless ``--index`` names one, so a refit on the same machine and torch build writes the same files byte
for byte.
"""

import argparse
import dataclasses
import hashlib
import tempfile
from pathlib import Path

import numpy as np
import torch
from retrieval_ablation import fit_abstention, gold_rows

from index.answering.conversation import Conversation
from index.answering.engine import Engine
from index.building.build import build_index
from index.corpus.text import clean_question
from index.encoding.embedding import PACKAGED_MODEL, load_embedder
from index.evaluation import load_items, score
from index.scoring.abstain import FEATURES, Abstainer, AbstentionModel, features
from index.scoring.parameters import PACKAGED_PARAMETERS, Parameters, Weights, reading_sha256, save_parameters
from index.scoring.question_maps import QueryAdapter, QuestionMaps, TopicProbe, text_sha256
from index.scoring.scorer import Scorer
from index.scoring.search import FaissSearch, all_scores
from index.storage.store import check_model, read_index

SEED = 0
CALIBRATION = Path("data/calibration/questions.jsonl")
CORPUS = Path("corpus")
FOLLOW_UPS = Path("data/conversation/followups.jsonl")
LIFTS = tuple(round(0.05 * n, 2) for n in range(11))  # last_paragraph tried: 0 to 0.5 of the fused score
SHARES = tuple(round(0.5 - 0.05 * n, 2) for n in range(11))  # new_number_context tried: 0.5 (the mean) to 0
# subject_drop is set so that it refuses at most this share of the calibration follow-ups (a stated rate,
# stricter than abstention's 2.5 %: a refusal mid-conversation stops a conversation that was going well).
SUBJECT_DROP_REFUSES = 0.005
# Written to the parameters file as stated, not fitted here. Centring's component count was chosen by
# cross-validation on the calibration set in round 3 (docs/retrieval-history.md); NEAR_YEARS is a design
# choice: a year within 2 of one a document names is one its text may reach without writing it (1937 → 1938).
CENTRED_COMPONENTS = 3
NEAR_YEARS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--index",
        type=Path,
        help="an index of the essay alone built with --model (default: one built from corpus/ with it, "
        "so that a refit reads the same vectors as the last: the exported encoder's differ in the 7th decimal)",
    )
    parser.add_argument("--calibration", type=Path, default=CALIBRATION)
    parser.add_argument("--follow-ups", type=Path, default=FOLLOW_UPS)
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--l2", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--out", type=Path, default=PACKAGED_PARAMETERS, help="with --write")
    parser.add_argument("--model", default=PACKAGED_MODEL, help="the model the index was built with")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread: sums in a fixed order, so refits agree byte for byte
    with tempfile.TemporaryDirectory(prefix="essaybot-fit-") as scratch:
        fit(args, Path(scratch) / "index")


def fit(args: argparse.Namespace, scratch_index: Path) -> None:
    """Fit everything, in the order of the module's docstring; ``scratch_index``: where to build the
    essay's index when ``args.index`` names none."""
    embedder = load_embedder(args.model, None)
    if args.index is None:
        args.index = scratch_index
        build_index(CORPUS, args.index, embedder)
    stored = read_index(args.index)
    # The maps live in the vector space of the model that built the index (a tuned one included).
    check_model(stored.manifest, embedder.model_id, embedder.weights_sha256, args.index)
    if len(stored.manifest.documents) != 1:
        raise SystemExit(
            f"{args.index} holds {len(stored.manifest.documents)} documents; fit on the essay's index alone "
            "(--index, or a corpus/ holding only it)"
        )
    scorer = Scorer(stored, fit_parameters(Weights(*START)))
    items = load_items(args.calibration)
    on_topic = [item for item in items if item.on_topic]
    questions = _questions(on_topic, scorer, embedder)
    corpus = FusionCorpus(scorer)
    start = list(START)

    # Each on-topic question's best fused score from an adapter fitted without it: the abstention
    # model must learn from scores like those of questions the adapter has never seen.
    held_out_best = np.zeros(len(questions))
    adapted, plain = [], []
    for fold in range(args.folds):
        train = [q for n, q in enumerate(questions) if n % args.folds != fold]
        test = questions[fold :: args.folds]
        model = _fit(train, corpus, args, start)
        adapted += _ranks(model, test, corpus)
        plain += _ranks(FusedScore(corpus.dimension, args.rank, start, identity=True), test, corpus)
        with torch.no_grad():
            held_out_best[fold :: args.folds] = [float(model(q, corpus).max()) / 10 for q in test]
    print(f"cv, {len(questions)} on-topic questions, {args.folds} folds (sentence ranks: hit@1 hit@3 MRR)")
    print("  round-3 weights, no adapter:", rank_summary(plain))
    print("  fitted weights + adapter:   ", rank_summary(adapted))

    model = _fit(questions, corpus, args, start)
    weights = Weights(**dict(zip(_SIGNALS, (round(float(w), 2) for w in model.w.detach()), strict=True)))
    print(weights)
    adapter = QueryAdapter(
        u=model.u.detach().numpy().astype(np.float64), v=model.v.detach().numpy().astype(np.float64)
    )

    vectors = embedder.encode([clean_question(item.question) for item in items]).astype(np.float64)
    off_topic = np.array([not item.on_topic for item in items])
    held_out_topic = np.zeros(len(items))
    for fold in range(args.folds):
        test = np.arange(len(items)) % args.folds == fold
        probe = _fit_probe(vectors[~test], off_topic[~test])
        held_out_topic[test] = vectors[test] @ probe.weights + probe.bias
    print(f"topic probe, cv: AUC {_auc(held_out_topic, off_topic):.3f}")
    documents = (text_sha256(paragraph.text for paragraph in stored.paragraphs),)
    maps = QuestionMaps(adapter, _fit_probe(vectors, off_topic), embedder.weights_sha256, documents)
    with_probe, without_probe = _abstention(
        items, held_out_best, held_out_topic, weights, maps, stored, embedder
    )
    print("with the probe:", with_probe)
    print("without it:", without_probe)
    parameters = fit_parameters(
        weights,
        with_probe,
        without_probe,
        maps,
        calibration_sha256=hashlib.sha256(args.calibration.read_bytes()).hexdigest(),
        corpus_sha256=stored.manifest.corpus_sha256,
    )
    follow_ups = load_items(args.follow_ups)
    for name, values in (("new_number_context", SHARES), ("last_paragraph", LIFTS)):
        value = _fit_follow_ups(parameters, stored, embedder, follow_ups, name, values)
        parameters = dataclasses.replace(parameters, **{name: value})
    parameters = dataclasses.replace(
        parameters, subject_drop=_fit_subject_drop(parameters, stored, embedder, follow_ups)
    )
    follow_ups_sha256 = hashlib.sha256(args.follow_ups.read_bytes()).hexdigest()
    read = reading_sha256([item.question for item in (*items, *follow_ups)])
    parameters = dataclasses.replace(parameters, follow_ups_sha256=follow_ups_sha256, reading_sha256=read)
    if args.write:
        save_parameters(parameters, args.out)
        print("wrote", args.out)


def fit_parameters(
    weights: Weights,
    with_probe: AbstentionModel | None = None,
    without_probe: AbstentionModel | None = None,
    maps: QuestionMaps | None = None,
    calibration_sha256: str = "",
    corpus_sha256: str = "",
    last_paragraph: float = 0.0,
    new_number_context: float = 0.5,
    subject_drop: float | None = None,
    follow_ups_sha256: str = "",
    reading_sha256: str = "",
) -> Parameters:
    """Parameters with this script's stated constants (and, until they are fitted, neutral models)."""
    return Parameters(
        weights=weights,
        abstention=with_probe or AbstentionModel(),
        abstention_without_probe=without_probe or AbstentionModel(),
        centred_components=CENTRED_COMPONENTS,
        near_years=NEAR_YEARS,
        last_paragraph=last_paragraph,
        new_number_context=new_number_context,
        subject_drop=subject_drop,
        model_sha256=maps.model_sha256 if maps else "",
        calibration_sha256=calibration_sha256,
        follow_ups_sha256=follow_ups_sha256,
        reading_sha256=reading_sha256,
        corpus_sha256=corpus_sha256,
        maps=maps,
        documents=maps.documents if maps else (),
    )


_SIGNALS = ("sentence", "paragraph", "tokens", "paragraph_tokens")
# The fusion weights fitted without an adapter (round 3 of docs/retrieval-history.md): the fit starts
# here, so rerunning it reproduces the shipped file whatever index/scoring/scorer.py holds at the time.
START = (0.8, 0.4, 1.0, 2.1)


def _fit_follow_ups(parameters: Parameters, stored, embedder, items, name: str, values) -> float:
    """The value of the parameter ``name`` among ``values`` (in order of preference on a tie) whose
    engine ranks the calibration follow-ups best (MRR over the top 3)."""
    conversations = [Conversation(item.context) for item in items]
    print(f"{name}, {len(items)} calibration follow-ups (hit@1 hit@3 MRR over the top 3):")
    best, best_mrr = values[0], -1.0
    for value in values:
        engine = _engine(dataclasses.replace(parameters, **{name: value}), stored, embedder)
        answers = engine.answer_many([item.question for item in items], k=3, conversations=conversations)
        report = score(items, answers)
        print(f"  {value:.2f}: {report.hit_at(1):.3f} {report.hit_at(3):.3f} {report.mrr():.3f}")
        if report.mrr() > best_mrr + 1e-9:
            best, best_mrr = value, report.mrr()
    print(f"{name}:", best)
    return best


def _fit_subject_drop(parameters: Parameters, stored, embedder, items) -> float:
    """The drop past which a follow-up made only of words no document uses is refused
    (Abstainer.changes_to_unknown_subject): midway between the calibration follow-ups' drops that
    bound the thresholds refusing at most SUBJECT_DROP_REFUSES of them (every one is on topic). Midway,
    because a text's cosines move by about 1e-7 with the batch it is encoded in: a threshold on a
    follow-up's own drop would refuse it or not by chance."""
    drops = _engine(parameters, stored, embedder).subject_drops(
        [item.question for item in items], [Conversation(item.context) for item in items]
    )
    candidates = sorted((drop for drop in drops if drop is not None), reverse=True)
    allowed = int(SUBJECT_DROP_REFUSES * len(items))
    if len(candidates) <= allowed:
        value = 0.0  # every one of them may be refused within the rate: refuse any drop at all
    elif allowed:
        value = (candidates[allowed - 1] + candidates[allowed]) / 2
    else:
        value = candidates[0]
    print(
        f"subject_drop: {value:.4f} ({len(candidates)} of {len(items)} calibration follow-ups share no word "
        f"with the essay and do not point back; {sum(drop > value for drop in candidates)} refused)"
    )
    return value


def _engine(parameters: Parameters, stored, embedder) -> Engine:
    return Engine(
        stored.manifest,
        Scorer(stored, parameters),
        FaissSearch(stored.vectors),
        embedder,
        Abstainer.of(parameters),
        last_paragraph=parameters.last_paragraph,
        new_number_context=parameters.new_number_context,
    )


def _fit_probe(vectors: np.ndarray, off_topic: np.ndarray, strength: float = 3.0) -> TopicProbe:
    """L2 logistic regression by Newton's method (a few hundred questions, 384 dimensions).

    ``strength`` is the inverse penalty on the weights (scikit-learn's C); the bias is not penalised.
    """
    x = np.c_[vectors, np.ones(len(vectors))]
    y = off_topic.astype(float)
    penalty = np.r_[np.full(vectors.shape[1], 1 / strength), 0.0]
    w = np.zeros(x.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return TopicProbe(weights=w[:-1], bias=float(w[-1]))


def _auc(scores: np.ndarray, positive: np.ndarray) -> float:
    ranks = scores.argsort().argsort() + 1
    count = positive.sum()
    return float((ranks[positive].sum() - count * (count + 1) / 2) / (count * (len(scores) - count)))


def _abstention(items, held_out_best, held_out_topic, weights, maps, stored, embedder):
    """Fit the abstention model on these weights and maps, with held-out best scores and probe logits."""
    scorer = Scorer(stored, fit_parameters(weights, maps=maps))
    matcher = scorer.tokens
    assert matcher is not None, "the index holds no token vectors: build it with the packaged model"
    texts = [clean_question(item.question) for item in items]
    encodings = embedder.encode_with_tokens(texts)
    unit_scores = all_scores(FaissSearch(stored.vectors), np.stack([e.vector for e in encodings]))
    best = iter(held_out_best)
    rows, off_topic = [], []
    for n, (item, text, encoding, units) in enumerate(zip(items, texts, encodings, unit_scores, strict=True)):
        tokens = matcher.scores(encoding.tokens, encoding.pieces)
        scored = scorer.score(text, units, tokens, encoding.vector)
        document = scored.documents[0]
        values = list(features(scored, document))
        values[FEATURES.index("topic")] = held_out_topic[n]
        if item.on_topic:
            values[FEATURES.index("best")] = next(best)
        if not document.after_date:  # the date rule refuses these anyway
            rows.append(values)
            off_topic.append(not item.on_topic)
    rows, off_topic = np.array(rows), np.array(off_topic)
    without = rows.copy()
    without[:, FEATURES.index("topic")] = 0.0  # as the engine judges a document the probe was not fitted on
    models = []
    for label, seen in (("with the topic probe", rows), ("without it", without)):
        model = fit_abstention(seen, off_topic)
        probability = np.array([model.probability(row) for row in seen])
        print(f"abstention {label}, held-out features (threshold: off-topic abstained, on-topic abstained):")
        for threshold in sorted({0.3, 0.4, 0.5, model.threshold}):
            abstained = probability >= threshold
            print(
                f"  {threshold:.3f}: {abstained[off_topic].mean():.2f}, {abstained[~off_topic].sum()}/{(~off_topic).sum()}"
            )
        models.append(model)
    return models


class FusionCorpus:
    """The scorer's centred passage vectors and content-piece layout, as tensors (float64 to check
    FusedScore against Scorer.score exactly; the fit uses float32)."""

    def __init__(self, scorer: Scorer, dtype: torch.dtype = torch.float32):
        assert scorer.tokens is not None and scorer.centring is not None, (
            "the fusion needs an index with token vectors (built with the packaged model)"
        )
        layout = scorer.tokens.layout
        self.sentences = torch.tensor(scorer.centred_sentences, dtype=dtype)
        self.paragraphs = torch.tensor(scorer.centred_paragraphs, dtype=dtype)
        self.sentence_paragraph = torch.tensor(scorer.sentence_paragraph)
        self.pieces_t = torch.tensor(layout.vectors_t, dtype=dtype)
        self.piece_sentence = torch.tensor(layout.sentence)
        self.piece_paragraph = torch.tensor(layout.paragraph)
        self.mean = torch.tensor(scorer.centring.mean, dtype=dtype)
        self.directions = torch.tensor(scorer.centring.directions, dtype=dtype)
        self.dimension = self.sentences.shape[1]

    def centre(self, vectors: torch.Tensor) -> torch.Tensor:
        """The scorer's Centring.apply (one vector or rows), differentiable."""
        centred = vectors - self.mean
        centred = centred - (centred @ self.directions.T) @ self.directions
        return centred / centred.norm(dim=-1, keepdim=True)


def _questions(items, scorer, embedder) -> list[dict]:
    encodings = embedder.encode_with_tokens([clean_question(item.question) for item in items])
    questions = []
    for item, encoding in zip(items, encodings, strict=True):
        pieces, weights = scorer.tokens.question_pieces(encoding.tokens, encoding.pieces)
        questions.append(
            {
                "vector": torch.tensor(encoding.vector, dtype=torch.float32),
                "pieces": torch.tensor(pieces),
                "weights": torch.tensor(weights, dtype=torch.float32),
                "gold": torch.tensor(gold_rows(item, scorer)),
            }
        )
    return questions


class FusedScore(torch.nn.Module):
    """Scorer.score's fused sentence score in torch; the query adapter and the weights are parameters."""

    def __init__(self, dimension: int, rank: int, weights: list[float], identity: bool = False):
        super().__init__()
        generator = torch.Generator().manual_seed(SEED)
        scale = 0.0 if identity else 0.01
        self.u = torch.nn.Parameter(torch.randn(dimension, rank, generator=generator) * scale)
        self.v = torch.nn.Parameter(torch.zeros(dimension, rank))
        self.w = torch.nn.Parameter(torch.tensor(weights, dtype=torch.float32))

    def forward(self, question: dict, corpus: FusionCorpus) -> torch.Tensor:
        """Ten times the fused score of every sentence, as Scorer.score computes it (tests check it)."""
        vector = question["vector"]
        vector = vector + self.u @ (self.v.T @ vector)
        centred = corpus.centre(vector / vector.norm())
        sentence = corpus.sentences @ centred
        paragraph = (corpus.paragraphs @ centred)[corpus.sentence_paragraph]
        similarity = question["pieces"] @ corpus.pieces_t
        count = similarity.shape[0]
        best = similarity.new_full((count, len(corpus.sentences)), -2.0).scatter_reduce(
            1, corpus.piece_sentence.expand(count, -1), similarity, "amax"
        )
        best_paragraph = similarity.new_full((count, len(corpus.paragraphs)), -2.0).scatter_reduce(
            1, corpus.piece_paragraph.expand(count, -1), similarity, "amax"
        )
        tokens = question["weights"] @ best
        paragraph_tokens = (question["weights"] @ best_paragraph)[corpus.sentence_paragraph]
        w = self.w
        return 10 * (w[0] * sentence + w[1] * paragraph + w[2] * tokens + w[3] * paragraph_tokens)


def _fit(questions: list[dict], corpus: FusionCorpus, args, start: list[float]) -> FusedScore:
    torch.manual_seed(SEED)
    model = FusedScore(corpus.dimension, args.rank, start)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = 16
    for _ in range(args.epochs):
        order = torch.randperm(len(questions))
        for first in range(0, len(questions), batch):
            loss = torch.zeros(())
            for n in order[first : first + batch]:
                question = questions[int(n)]
                z = model(question, corpus)
                loss = loss - (torch.logsumexp(z[question["gold"]], 0) - torch.logsumexp(z, 0))
            penalty = (model.u @ model.v.T).pow(2).sum()
            loss = loss / batch + args.l2 * penalty
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return model


def _ranks(model: FusedScore, questions: list[dict], corpus: FusionCorpus) -> list[int]:
    ranks = []
    with torch.no_grad():
        for question in questions:
            z = model(question, corpus)
            ranks.append(int((z > z[question["gold"]].max()).sum()) + 1)
    return ranks


def rank_summary(ranks: list[int]) -> str:
    r = np.array(ranks)
    return f"{(r == 1).mean():.3f} {(r <= 3).mean():.3f} {(1 / r).mean():.3f}"


if __name__ == "__main__":
    main()
