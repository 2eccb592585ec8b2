"""Decide, document by document, whether the corpus addresses a question at all (pure)."""

# One threshold on the best cosine cannot tell "tigers fight mountain" (on topic, low cosine) from
# "China's response to the invasion of Ukraine" (off topic, high cosine: it names China and Russia).
# What the near-misses share is a salient term the essay never uses (a country, a year, "trade"),
# so a document's coverage of the question's terms sits beside the match scores in a logistic model.
# A question about a year after a document's date is off topic for that document: it cannot report it.
# So is a question asked on its own that shares no word or number with a document ("does the essay
# mention nato", "mussolini?"): the logistic model weighs a lack of shared words against cosines that
# short questions make low anyway. In a conversation the rule is not applied: a follow-up leans on
# words said before ("anyone more senior weigh in?"). Conversely a question made only of names the
# document uses ("who is wang yi", "south china sea?") is about one of them, however low its cosines,
# and whatever was asked before it. Mid-conversation, a follow-up made only of words no document uses ("what about india?", "does
# he mention trump?") is judged by what it does to its conversation: when adding it pulls the conversation's
# best sentence cosine down, it names a subject no document covers. An ordinary follow-up's words
# ("and the catch?", "legally speaking?") are unknown too, but leave the conversation's match about where
# it was.
#
# Each document is judged on its own sentences, words and date, so adding a document on another
# subject leaves the judgement of the others as it was. A question is off topic when every document
# says so; excerpts come only from the documents that say it is on topic.

from dataclasses import dataclass

from index.scoring.parameters import FEATURES, AbstentionModel, Parameters
from index.scoring.scorer import DocumentScores, Scored

__all__ = ["FEATURES", "Abstainer", "AbstentionModel", "features", "subject_drop"]


@dataclass(frozen=True)
class Abstainer:
    """The abstention decision: ``with_probe`` for documents the topic probe was fitted on,
    ``without_probe`` (the same fit with the probe's feature at 0) for the others."""

    with_probe: AbstentionModel
    without_probe: AbstentionModel
    subject_drop: float | None = None  # Parameters.subject_drop; None: no follow-up is judged by it

    @classmethod
    def of(cls, parameters: Parameters) -> "Abstainer":
        return cls(parameters.abstention, parameters.abstention_without_probe, parameters.subject_drop)

    @classmethod
    def always(cls, model: AbstentionModel) -> "Abstainer":
        """One model for every document, probe or not (the ablation's rows)."""
        return cls(model, model)

    def document_off_topic(
        self, scored: Scored, document: DocumentScores, *, on_its_own: bool = False
    ) -> bool:
        """Whether the document does not address the question; ``on_its_own``: asked outside a conversation."""
        if on_its_own and document.shares_nothing:
            return True
        if document.only_names:
            return False
        return self._probability(scored, document) >= self._model(document).threshold

    def off_topic_by_itself(self, scored: Scored) -> bool:
        """A follow-up, scored alone, that no context can bring on topic: off topic for every document,
        each of which lacks one of its words ("how do I get my cat to stop scratching the sofa?" after a
        question about the essay). The engine asks only of a follow-up that does not lean on its
        context (turns.leans_on_context: "who signed it?", "any catch?")."""
        return all(
            self.document_off_topic(scored, d) and (d.unknown_share > 0 or d.after_date)
            for d in scored.documents
        )

    def changes_to_unknown_subject(self, alone: Scored, in_context: Scored, context: Scored) -> bool:
        """A follow-up (``alone``; ``in_context``: after its conversation, ``context``: the conversation
        without it) that shares no word or number with any document and pulls the conversation's best
        sentence cosine down by more than ``subject_drop``: "what about india?" after a question about
        the essay. The engine asks only of one that does not point back at what was said
        (turns.refers_back: "was it ever used for that?")."""
        if self.subject_drop is None or not all(d.shares_nothing for d in alone.documents):
            return False
        return subject_drop(in_context, context) > self.subject_drop

    def _probability(self, scored: Scored, document: DocumentScores) -> float:
        if document.after_date or not len(document.rows):
            return 1.0
        return self._model(document).probability(features(scored, document))

    def _model(self, document: DocumentScores) -> AbstentionModel:
        return self.with_probe if document.topic is not None else self.without_probe

    def on_topic_documents(self, scored: Scored, *, on_its_own: bool = False) -> tuple[str, ...]:
        """The ids of the documents that address the question."""
        return tuple(
            d.document
            for d in scored.documents
            if not self.document_off_topic(scored, d, on_its_own=on_its_own)
        )

    def off_topic(self, scored: Scored, *, on_its_own: bool = False) -> bool:
        """No document addresses the question."""
        return not self.on_topic_documents(scored, on_its_own=on_its_own)

    def excluded(self, scored: Scored, *, on_its_own: bool = False) -> frozenset[int]:
        """The sentences (rows of Scorer.sentences) of the documents that do not address the question."""
        return frozenset(
            int(n)
            for d in scored.documents
            if self.document_off_topic(scored, d, on_its_own=on_its_own)
            for n in d.rows
        )


def subject_drop(in_context: Scored, context: Scored) -> float:
    """How much a follow-up pulls its conversation's best sentence cosine down (negative: up)."""
    return float(context.dense.max() - in_context.dense.max())


def features(scored: Scored, document: DocumentScores) -> tuple[float, ...]:
    """The values of FEATURES for one question and one document, read on that document's sentences."""
    rows = document.rows
    return (
        float(scored.dense[rows].max()),
        float(scored.centred[rows].max()),
        float(scored.token[rows].max()),
        float(scored.total[rows].max()),
        document.unknown_share,
        float(document.unknown_number),
        float(document.unknown_name),
        document.topic if document.topic is not None else 0.0,
    )
