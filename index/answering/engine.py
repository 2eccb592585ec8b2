"""From a question to an Answer of cited, verbatim excerpts, over a loaded index."""

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index.answering import cues
from index.answering.about import (
    chat_message,
    example_questions,
)
from index.answering.answers import Abstention, Answer, AnswerKind
from index.answering.conversation import Conversation
from index.answering.document_replies import DocumentReplies
from index.answering.passages import Passages
from index.answering.readings import Chat, Facet, Reading, TurnKind
from index.answering.turn_model import TurnModel, load_turn_model
from index.answering.turns import (
    DocumentNames,
    is_fragment,
    leans_on_context,
    names_document,
    opens_continuing,
    read_turn,
    refers_back,
    since_last_of_its_own,
    starts_afresh,
    without_fillers,
)
from index.corpus.documents import Paragraph
from index.corpus.language import is_english
from index.corpus.text import LINK, clean_question, words
from index.encoding.embedding import Embedder, supports_tokens
from index.scoring.abstain import Abstainer, subject_drop
from index.scoring.parameters import load_parameters
from index.scoring.question_maps import uncalibrated_documents
from index.scoring.scorer import Scored, Scorer
from index.scoring.search import FaissSearch, VectorSearch, all_scores
from index.storage.store import DocumentRecord, Manifest, check_model, read_index

log = logging.getLogger(__name__)

MAX_RESULTS = 25


@dataclass(frozen=True)
class IndexInfo:
    documents: tuple[DocumentRecord, ...]
    built_at: str
    model: str
    model_sha256: str
    paragraphs: int
    sentences: int
    corpus_sha256: str
    uncalibrated: tuple[str, ...]  # ids of the documents no calibration question is about (UNCALIBRATED)


class Engine:
    """Answers questions from one loaded index. Read-only after construction, so safe across threads."""

    def __init__(
        self,
        manifest: Manifest,
        scorer: Scorer,
        search: VectorSearch,
        embedder: Embedder,
        abstention: Abstainer,
        uncalibrated: tuple[str, ...] = (),
        turn_model: TurnModel | None = None,
        last_paragraph: float = 0.0,
        new_number_context: float = 0.5,
    ):
        self._manifest = manifest
        # How a follow-up leans on its conversation (Parameters): the lift for what it follows, and the
        # share of its context when it names a new number.
        self._last_paragraph = last_paragraph
        self._new_number_context = new_number_context
        self._uncalibrated = uncalibrated
        self._turn_model = turn_model  # a second opinion on refused messages (None: refusals stand)
        self._abstention = abstention
        self._scorer = scorer
        self._search = search
        self._embedder = embedder
        self._passages = Passages(scorer, {record.id: record.title for record in manifest.documents})
        self._names = DocumentNames.of(
            (name for r in manifest.documents for name in (r.title, r.author)),
            authors=[r.author for r in manifest.documents],
            sections=[section for r in manifest.documents for section in r.sections],
        )
        self._documents = DocumentReplies(
            manifest, scorer, self._passages, lambda text: self._score_texts([text])[text]
        )
        # How an earlier question of a conversation reads on its own: asked again for every turn that
        # follows it (what it was about, whether it asked about the document), so read once. Bounded:
        # a long-running bot sees new questions all day.
        self._read_earlier = functools.lru_cache(maxsize=4096)(self._read_alone)
        # Whether the conversation's latest question asked for a place: asked again by each turn after it.
        self._place_of = functools.lru_cache(maxsize=4096)(self._place_asked)

    @classmethod
    def load(cls, index_dir: Path, embedder: Embedder) -> "Engine":
        """Load the index at ``index_dir``; refuses one built with another model."""
        stored = read_index(index_dir)
        check_model(stored.manifest, embedder.model_id, embedder.weights_sha256, index_dir)
        parameters = load_parameters(embedder.weights_sha256, embedder.dimension)
        scorer = Scorer(stored, parameters)
        turn_model = load_turn_model(embedder.weights_sha256, embedder.dimension)
        return cls(
            stored.manifest,
            scorer,
            FaissSearch(stored.vectors),
            embedder,
            Abstainer.of(parameters),
            uncalibrated=uncalibrated_documents(stored.paragraphs, parameters.documents),
            turn_model=turn_model,
            last_paragraph=parameters.last_paragraph,
            new_number_context=parameters.new_number_context,
        )

    @property
    def info(self) -> IndexInfo:
        counts = self._manifest.counts
        return IndexInfo(
            documents=tuple(self._manifest.documents),
            built_at=self._manifest.built_at,
            model=self._manifest.model_id,
            model_sha256=self._manifest.model_sha256,
            paragraphs=counts.get("paragraphs", 0),
            sentences=counts.get("sentences", 0),
            corpus_sha256=self._manifest.corpus_sha256,
            uncalibrated=self._uncalibrated,
        )

    @property
    def sections(self) -> tuple[str, ...]:
        """Every document's section titles, in order; with several documents each names its document,
        so that two documents' "Introduction" stay two suggestions."""
        records = self._manifest.documents
        if len(records) == 1:
            return tuple(records[0].sections)
        return tuple(f"{section} ({record.title})" for record in records for section in record.sections)

    @property
    def examples(self) -> tuple[str, ...]:
        """The example questions of every document's front matter, taken in turn from each."""
        records = self._manifest.documents
        return example_questions(records, count=sum(len(record.examples) for record in records))

    @property
    def passages(self) -> Passages:
        """How excerpts are cut from scores and found from their ids (index/answering/passages.py)."""
        return self._passages

    def paragraph(self, document: str, number: int) -> Paragraph:
        return self._passages.paragraph(document, number)

    def answer(
        self, question: str, k: int = 3, skip: int = 0, conversation: Conversation | None = None
    ) -> Answer:
        return self.answer_many([question], k, skip, [conversation])[0]

    def conversation_after(self, questions: Sequence[str]) -> Conversation:
        """The conversation as the bot keeps it after ``questions`` were asked in turn, oldest first:
        each answered in the conversation before it, what it showed remembered (Conversation.after)."""
        conversation = Conversation()
        for question in questions:
            conversation = conversation.after(self.answer(question, conversation=conversation))
        return conversation

    def answer_many(
        self,
        questions: Sequence[str],
        k: int = 3,
        skip: int = 0,
        conversations: Sequence[Conversation | None] | None = None,
    ) -> list[Answer]:
        """Answer several questions, encoding them in one batch; same answers as one at a time.

        ``conversations[n]`` is what question ``n`` follows up (None or empty: a new conversation).
        """
        k = max(1, min(k, MAX_RESULTS))
        turns = self._turns(questions, conversations)
        needed = dict.fromkeys(text for turn in turns for text in self._texts_for(turn))
        scores = self._score_texts(list(needed))
        return [self._reply(turn, scores, k, skip) for turn in turns]

    def subject_drops(
        self, questions: Sequence[str], conversations: Sequence[Conversation | None]
    ) -> list[float | None]:
        """How much each follow-up that might change to a subject no document covers pulls its
        conversation's best cosine down (abstain.subject_drop); None for every other message. What
        benchmarks/fit_question_maps.py fits ``subject_drop`` on."""
        turns = [
            turn if self._may_change_subject(turn) else None for turn in self._turns(questions, conversations)
        ]
        needed = dict.fromkeys(text for turn in turns if turn for text in self._texts_for(turn))
        scores = self._score_texts(list(needed))
        return [subject_drop(*self._with_and_without(turn, scores)) if turn else None for turn in turns]

    def _turns(
        self, questions: Sequence[str], conversations: Sequence[Conversation | None] | None
    ) -> list["_Turn"]:
        """Each question cleaned and read as a turn of its conversation (only its questions about the content)."""
        if conversations is None:
            conversations = [None] * len(questions)
        turns = [
            _Turn(question, clean_question(question), self._content_only(conversation or Conversation()))
            for question, conversation in zip(questions, conversations, strict=True)
        ]
        for turn, conversation in zip(turns, conversations, strict=True):
            if conversation and conversation.questions:
                turn.asked_before = conversation.questions[-1]
            if turn.text:
                # A cue follows the conversation up only when its latest question was about the content:
                # after "how does the essay end?", "is he for or against it?" asks about the author.
                following = bool(turn.conversation.questions) and not self._about_the_document(
                    turn.asked_before
                )
                place = self._place_of(conversation.questions if conversation else ())
                turn.reading = read_turn(turn.text, self._scorer.vocabulary, self._names, following, place)
                if turn.reading.step and conversation and not conversation.last:
                    turn.conversation = replace(turn.conversation, last=self._last_quoted(conversation))
                if not following and conversation:
                    self._follow_facts(turn)
                    self._follow_quotes(turn, conversation, place)
                if turn.reading.asks:  # "thanks! and why?": the question is scored without the small talk
                    turn.text = turn.reading.asks
                turn.text = without_fillers(turn.text)  # "whats the tigers thing lol"
                if self._documents.titled(turn.text):  # "§ Introduction", as the suggestions offer it
                    turn.reading = Reading(TurnKind.ABOUT, facet=Facet.SECTION)
        return turns

    def _read_alone(self, question: str) -> Reading:
        return read_turn(clean_question(question), self._scorer.vocabulary, self._names)

    def _about_the_document(self, question: str) -> bool:
        """Whether ``question`` asked about a document itself (its author, its ending, a section), not its content."""
        reading = self._read_earlier(question)
        return reading.kind is TurnKind.ABOUT and not reading.topic

    def _place_asked(self, questions: tuple[str, ...]) -> Facet | None:
        """SECTION or PARAGRAPH when the last of ``questions`` asked for a section or paragraphs by place
        ("what does section 3 say?", "¶5", "§ Introduction" as the suggestions offer it, or "and the next
        one?" after one of those), else None."""
        if not questions:
            return None
        text = clean_question(questions[-1])
        if self._documents.titled(text):
            return Facet.SECTION
        before = self._place_of(questions[:-1])
        facet = read_turn(text, self._scorer.vocabulary, self._names, after_place=before).facet
        return facet if facet in (Facet.SECTION, Facet.PARAGRAPH) else None

    def _texts_for(self, turn: "_Turn") -> list[str]:
        """The texts a turn needs scored: the question, and with a conversation also the question in context."""
        reading, history = turn.reading, turn.conversation.questions
        if reading is None or (reading.kind is TurnKind.CHAT and not reading.mixed):
            return []
        if _refusal(turn.question, turn.text) is not None:
            return []
        if reading.kind is TurnKind.CONTINUE:
            return _last_asked(history)
        if reading.kind is TurnKind.ABOUT:
            texts = _with_context(history, turn.text) if reading.topic else []
            # "which section is that in?": where the last question's answer is (if what it quoted is unknown)
            if reading.pointing and history:
                texts += _last_asked(history)
            if len(self._manifest.documents) > 1 and history:
                texts.append(" ".join(history))  # which document the conversation is about
            return texts
        texts = _with_context(history, turn.text)
        if self._may_change_subject(turn):
            texts.append(" ".join(history))  # the conversation without it: what the follow-up does to it
        if history and not turn.conversation.last and self._last_paragraph:
            texts += _last_asked(history)  # what the last question was answered with
        if _continues_refusal(turn, self._names):
            texts.append(_after_refusal(turn))
        as_author = self._as_author(turn.text)
        return [*texts, as_author] if as_author else texts

    def _as_author(self, text: str) -> str:
        """``text`` with an author's name put as "the author", when it names one, else "". The name is a
        word the model reads as unknown ("what model does <name> prefer" is off topic by the abstention
        model, "what model does the author prefer" is not); a question about the author's words is about
        the document. Measured: docs/retrieval-history.md, round 14."""
        folded = " ".join(text.lower().replace("’", "'").split())
        named = self._names.as_author(folded)
        return named if named != folded else ""

    def _follow_facts(self, turn: "_Turn") -> None:
        """ "where?", "who?" or "by whom?" right after a front-matter answer ("when was it published?")
        got the help text; the facts asked about again answer it (their card holds every one of them)."""
        if turn.reading != _HELP or not turn.asked_before or not cues.ASKS_A_FACT.match(turn.text.lower()):
            return  # "why?" after "who wrote it?" is not asked by the front matter
        before = self._read_earlier(turn.asked_before)
        if before.kind is TurnKind.ABOUT and before.facet in _FACTS:
            # The card is headed by what was asked: "and when?" after "who wrote it?" asks the date ("by
            # whom?" after "when was it published?" may ask the publisher: the card as before).
            when = "when" in turn.text.lower()
            turn.reading = Reading(TurnKind.ABOUT, facet=Facet.PUBLISHED if when else before.facet)

    def _follow_quotes(self, turn: "_Turn", conversation: Conversation, place: Facet | None) -> None:
        """ "why?", "what does that mean?" or "who says that?" after a reply that quoted the document
        without a content question ("tl;dr", "how does it end?", "what does ¶5 say?") got the help text:
        there was no earlier question to lean on. They lean on what that reply quoted first instead, as
        on an earlier question, and the reply says it follows that reply's question. A message with
        words of its own is read as before: scored with the quote as its context, questions that stand
        on their own lost more than follow-ups gained (docs/conversation.md)."""
        asked = turn.asked_before
        if turn.reading != _HELP or not asked:
            return
        if place is None:
            before = self._read_earlier(asked)
            if before.kind is not TurnKind.ABOUT or before.topic or before.facet not in _QUOTING:
                return
        following = read_turn(turn.text, self._scorer.vocabulary, self._names, True, place)
        last = self._last_quoted(conversation) if following.kind is TurnKind.CONTENT else ()
        quoted = self._passages.text_of(last[0]) if last else ""
        if quoted:
            shown = turn.conversation.shown or last
            turn.conversation = replace(turn.conversation, questions=(quoted,), last=last, shown=shown)
            turn.reading, turn.follows = following, asked

    def _last_quoted(self, conversation: Conversation) -> tuple[str, ...]:
        """The ids of the excerpts the conversation's latest reply showed. Where they are not known
        (``ask --context``, the eval sets), its question is answered again in the conversation before it:
        the same question quotes the same."""
        if conversation.last or not conversation.questions:
            return conversation.last
        earlier = replace(conversation, questions=conversation.questions[:-1])
        return tuple(
            excerpt.id for excerpt in self.answer(conversation.questions[-1], conversation=earlier).excerpts
        )

    def _content_only(self, conversation: Conversation) -> Conversation:
        """The conversation's questions about the content that the next turn leans on: "thanks!", "who
        wrote this?" and "go on" say nothing of what it is about, so they are not its context (nor what
        "go on" continues), and neither is what came before the latest question of its own
        (turns.since_last_of_its_own)."""
        about_content = [q for q in conversation.questions if self._has_topic(q)]
        return replace(conversation, questions=since_last_of_its_own(about_content))

    def _has_topic(self, question: str) -> bool:
        reading = self._read_earlier(question)
        if reading.kind is TurnKind.CHAT:
            return reading.mixed  # "thanks! and why did the 1950 alliance fail?"
        return reading.kind is TurnKind.CONTENT or (reading.kind is TurnKind.ABOUT and bool(reading.topic))

    def _score_texts(self, texts: list[str]) -> dict[str, Scored]:
        """Every text scored against every sentence, from one forward pass over them all."""
        if not texts:
            return {}
        token_scores: list = [None] * len(texts)
        if supports_tokens(self._embedder) and self._scorer.tokens is not None:
            # One forward pass gives both the pooled vector and the token vectors.
            # supports_tokens returns a bool, not a TypeGuard, so the checker cannot see the narrowing.
            encodings = self._embedder.encode_with_tokens(texts)  # type: ignore[attr-defined]  # supports_tokens checked
            vectors = np.stack([encoding.vector for encoding in encodings])
            token_scores = self._scorer.tokens.scores_many([(e.tokens, e.pieces) for e in encodings])
        else:
            vectors = self._embedder.encode(texts)
        unit_scores = all_scores(self._search, vectors)
        return {
            text: self._scorer.score(text, unit_scores[row], token_scores[row], vectors[row])
            for row, text in enumerate(texts)
        }

    def _in_context(
        self, turn: "_Turn", text: str, history: tuple[str, ...], scores: dict
    ) -> tuple[Scored, tuple[Scored, ...]]:
        """A question's scores, and the scores whose verdicts abstention weighs.

        A follow-up's lean on its context: the mean of the question alone and the question after its
        conversation (the scale abstention was fitted on), so a self-contained question keeps its own
        answer and "why?" finds its topic. It is off topic when it is so both in its context and alone
        (a long context dilutes the question's words: "did anyone higher up go further?"), or when it
        stands on its own and is off topic alone (_decide's ``alone``)."""
        alone = scores[text]
        if not history:
            return alone, (alone,)
        glued = scores[" ".join((*history, text))]
        fused = replace(glued, total=(glued.total + alone.total) / 2)
        return fused, (fused, alone)

    def _last_question(self, turn: "_Turn", scores: dict) -> tuple[Scored, tuple[Scored, ...]]:
        """The conversation's last question scored in its own context: what "go on" continues, what
        "which section is that in?" points at, and what a follow-up has just read."""
        history = turn.conversation.questions
        return self._in_context(turn, history[-1], history[:-1], scores)

    def _reply(self, turn: "_Turn", scores: dict[str, Scored], k: int, skip: int) -> Answer:
        reading, history = turn.reading, turn.conversation.questions
        context = (turn.follows,) if turn.follows else tuple(history)
        if reading is not None and reading.kind is TurnKind.CHAT and not reading.mixed:
            return self._chat(turn.question, reading.chat or Chat.HELP, ())  # "hi", "👍", "thx"
        refusal = _refusal(turn.question, turn.text)
        if refusal is not None or reading is None:
            return refusal or Answer(turn.question, abstention=Abstention.NO_WORDS)
        if reading.kind is TurnKind.CHAT:
            if not reading.mixed or self._abstention.off_topic(scores[turn.text]):
                return self._chat(turn.question, reading.chat or Chat.HELP, ())
            reading = Reading(TurnKind.CONTENT, topic=reading.topic)
        if reading.kind is TurnKind.CONTINUE:
            if not history:
                return self._read_on_from_shown(turn, k, skip)
            context = tuple(history)
            scored, judged = self._last_question(turn, scores)
            shown = self._passages.quoted(turn.conversation.shown)
            if not shown:  # the earlier answer's excerpts are not known: they were its first k
                return replace(
                    self._decide(turn.question, scored, k, skip + k, judged=judged), context=context
                )
            # Read on from the paragraph the latest answer quoted first: its sentences not shown yet, then
            # the paragraphs after it; past the document's end, the next excerpts by score.
            rest = self._passages.reading_on(turn.conversation.last[:1], shown, skip + k)[skip:]
            covered = shown | {n for excerpt in rest for n in self._passages.quoted([excerpt.id])}
            answer = self._decide(
                turn.question, scored, k, max(0, skip - len(rest)), judged=judged, excluded=covered
            )
            if rest and answer.answered:
                answer = replace(answer, excerpts=(*rest, *answer.excerpts)[:k])
            return replace(answer, context=context)
        if reading.kind is TurnKind.ABOUT:
            return self._about(turn, reading, scores, k, skip)
        if _continues_refusal(turn, self._names):
            # "and china's?" after "what's the population of russia?" was refused: refused with it.
            with_refused = scores[_after_refusal(turn)]
            if self._abstention.off_topic(with_refused):
                return self._decide(turn.question, with_refused, k, skip)
        scored, judged = self._in_context(turn, turn.text, history, scores)
        as_author = self._as_author(turn.text)
        if as_author:  # off topic only if it is so with the name read as "the author" too
            judged = (*judged, scores[as_author])
        scored = self._for_ranking(turn, scored, scores)
        answer = self._decide(
            turn.question,
            scored,
            k,
            skip,
            judged=judged,
            alone=scores[turn.text] if history and not leans_on_context(turn.text) else None,
            repeated=set(turn.conversation.shown),
            on_its_own=not history,
            off_topic=self._changes_subject(turn, scores),
        )
        second = self._second_opinion(answer, scores[turn.text], bool(history))
        if second is not None:  # "where was this printed?": a question about the document the patterns missed
            if second.kind is TurnKind.CHAT:
                return self._chat(turn.question, second.chat or Chat.ACKNOWLEDGEMENT, ())
            return self._about(turn, second, scores, k, skip)
        return replace(answer, context=context)

    def _read_on_from_shown(self, turn: "_Turn", k: int, skip: int) -> Answer:
        """ "go on" with no content question before it: on from what the last reply quoted ("what does ¶5
        say?", "how does it end?"); past the document's end, that it ends there; with nothing quoted
        (or only what an index rebuilt since no longer holds), help."""
        last = turn.conversation.last[:1]
        shown = self._passages.quoted(turn.conversation.shown)
        rest = self._passages.reading_on(last, shown, skip + k)[skip:]
        if rest:
            return Answer(turn.question, excerpts=tuple(rest))
        if self._passages.quoted(last):
            return self._documents.ended(turn.question, last[0])
        return self._chat(turn.question, Chat.HELP, ())

    def _for_ranking(self, turn: "_Turn", scored: Scored, scores: dict[str, Scored]) -> Scored:
        """A follow-up's scores as they are ranked; abstention reads them as they were. One that names a
        number its conversation has not changes the subject ("and the 1945 one?" after the Li-Lobanov
        Treaty): the question in context makes ``new_number_context`` of its score, the question alone
        the rest. Any other follow-up leans on what it has just read (_lift_last_paragraph)."""
        history = turn.conversation.questions
        if not history:
            return scored
        if _numbers(turn.text) - _numbers(" ".join(history)):
            glued, alone = scores[" ".join((*history, turn.text))], scores[turn.text]
            share = self._new_number_context
            return replace(scored, total=share * glued.total + (1 - share) * alone.total)
        return self._lift_last_paragraph(turn, scored, scores)

    def _lift_last_paragraph(self, turn: "_Turn", scored: Scored, scores: dict[str, Scored]) -> Scored:
        """A follow-up's scores with the sentences of the paragraph the last answer quoted first lifted
        by ``last_paragraph``: people ask next about what they have just read ("did it actually last
        that long?"). Where that answer is not known (the command line's ``--context`` gives only the
        questions), it is the answer the last question gets."""
        history = turn.conversation.questions
        if not self._last_paragraph:
            return scored
        quoted = self._passages.quoted(turn.conversation.last[:1])
        if not turn.conversation.last:
            asked, before = history[-1], history[:-1]
            previous, judged = self._last_question(turn, scores)
            alone = scores[asked] if before and not leans_on_context(asked) else None
            answered = self._decide(asked, previous, 1, 0, judged=judged, alone=alone).excerpts
            quoted = self._passages.quoted([excerpt.id for excerpt in answered])
        if not quoted:
            return scored
        paragraph = self._passages.in_paragraph(self._passages.paragraph_of(min(quoted)))
        total = scored.total.copy()
        total[sorted(paragraph)] += self._last_paragraph
        return replace(scored, total=total)

    def _may_change_subject(self, turn: "_Turn") -> bool:
        """Whether a content follow-up might change to a subject no document covers: it does not point
        back (turns.refers_back) and no document shares a word with it. Only such a follow-up has its
        conversation scored without it as well (Abstainer.changes_to_unknown_subject)."""
        return (
            turn.reading is not None
            and turn.reading.kind is TurnKind.CONTENT
            and bool(turn.conversation.questions)
            and not refers_back(turn.text)
            and all(lexicon.shares_nothing(turn.text) for lexicon in self._scorer.lexicons.values())
        )

    def _changes_subject(self, turn: "_Turn", scores: dict[str, Scored]) -> bool:
        """ "what about india?" after a question about the essay: a follow-up to a subject no document
        covers. Judged where _texts_for scored the conversation without it; whether it shares a word with
        a document, its scores already say (the abstainer reads them), so the words are not read again."""
        history = turn.conversation.questions
        if not history or refers_back(turn.text) or " ".join(history) not in scores:
            return False
        return self._abstention.changes_to_unknown_subject(
            scores[turn.text], *self._with_and_without(turn, scores)
        )

    def _with_and_without(self, turn: "_Turn", scores: dict[str, Scored]) -> tuple[Scored, Scored]:
        """A follow-up's conversation scored with it, and without it."""
        history = turn.conversation.questions
        return scores[" ".join((*history, turn.text))], scores[" ".join(history)]

    def _second_opinion(self, answer: Answer, alone: Scored, following: bool) -> Reading | None:
        """What the turn model reads a message the turn reader took for a content question as, when it
        is confident it was not one (index/answering/turn_model.py): enough to replace a refusal, or,
        outside a conversation, a great deal to replace an answer. None otherwise."""
        model = self._turn_model
        if model is None or alone.vector is None:
            return None
        if answer.abstention is Abstention.OFF_TOPIC:
            return model.reading(alone.vector)
        if answer.answered and not following:
            return model.reading(alone.vector, at_least=model.overrule)
        return None

    def _decide(
        self,
        question: str,
        scored: Scored,
        k: int,
        skip: int,
        *,
        judged: tuple[Scored, ...] = (),
        alone: Scored | None = None,
        excluded: frozenset[int] = frozenset(),
        repeated: set[str] | None = None,
        on_its_own: bool = False,
        off_topic: bool = False,
    ) -> Answer:
        """Abstain, or the best excerpts past ``skip``: never from ``excluded`` sentences, and after the
        first, none of the ``repeated`` excerpt ids (already shown). A document is off topic when every
        one of the ``judged`` scores (default: ``scored``) says so (``on_its_own``: the question was
        asked outside a conversation, Abstainer.document_off_topic); a follow-up also when its score
        ``alone`` is off topic by itself (Abstainer.off_topic_by_itself); ``off_topic``: it was judged so
        already (a follow-up that changed to a subject no document covers)."""
        judged = judged or (scored,)
        if (
            off_topic
            or all(self._abstention.off_topic(each, on_its_own=on_its_own) for each in judged)
            or (alone is not None and self._abstention.off_topic_by_itself(alone))
        ):
            nearest = sorted(scored.heading_scores, key=scored.heading_scores.__getitem__, reverse=True)
            return Answer(question, abstention=Abstention.OFF_TOPIC, suggestions=tuple(nearest[:3]))
        extra = len(repeated) if repeated else 0
        # Only the documents that address the question are quoted.
        excluded = excluded | frozenset.intersection(
            *(self._abstention.excluded(each, on_its_own=on_its_own) for each in judged)
        )
        excerpts = self._passages.select(scored, skip + k + extra, excluded)[skip:]
        if repeated:
            # The best excerpt stands even when it was shown: a follow-up is most often answered by what
            # the last answer quoted ("who proposed it?"). Dropping it halved follow-up hit@1 in use
            # (docs/conversation.md). The runners-up give way to excerpts not shown yet.
            excerpts = excerpts[:1] + [excerpt for excerpt in excerpts[1:] if excerpt.id not in repeated]
        return Answer(question, excerpts=tuple(excerpts[:k]))

    # --- replies that are not a content answer ---------------------------------------------------

    def _chat(self, question: str, kind: Chat, context: tuple[str, ...]) -> Answer:
        records = self._manifest.documents
        message = chat_message(kind, records, example_questions(records))
        return Answer(question, message=message, context=context, turn=AnswerKind.CHAT)

    def _about(self, turn: "_Turn", reading: Reading, scores: dict[str, Scored], k: int, skip: int) -> Answer:
        """A question about the document itself (index/answering/document_replies.py)."""
        history = turn.conversation.questions

        def locating() -> Scored | None:
            # Where a topic is: what the last question was answered with ("which section is that in?"),
            # or this question's own topic ("which part covers the 1896 treaty?").
            if reading.pointing and history:
                return self._last_question(turn, scores)[0]
            if reading.topic:
                return self._in_context(turn, turn.text, history, scores)[0]
            return None

        return self._documents.reply(
            turn.question,
            turn.text,
            turn.conversation,
            reading,
            k,
            skip=skip,
            about_conversation=scores.get(" ".join(history)) if history else None,
            locating=locating,
            asked_before=turn.asked_before,
        )


def _refusal(question: str, cleaned: str) -> Answer | None:
    """An answer for questions that cannot be searched at all, or None when the question can be."""
    if not cleaned:  # nothing at all, or only invisible characters; a link alone has no words to search for
        link_only = bool(LINK.search(question))
        return Answer(question, abstention=Abstention.NO_WORDS if link_only else Abstention.EMPTY)
    if not is_english(cleaned):
        return Answer(question, abstention=Abstention.NOT_ENGLISH)
    if not words(cleaned):
        return Answer(question, abstention=Abstention.NO_WORDS)
    return None


# Replies that quote the document unasked by a content question, besides a section or paragraphs by place.
_QUOTING = (Facet.SUMMARY, Facet.ENDING)
# Replies from the front matter alone.
_FACTS = (Facet.AUTHOR, Facet.PUBLISHED, Facet.TITLE)
# What a message with no words of its own ("why?", "where?") reads as with nothing before it.
_HELP = Reading(TurnKind.CHAT, chat=Chat.HELP)


@dataclass
class _Turn:
    question: str  # as asked
    text: str  # cleaned
    conversation: Conversation
    reading: Reading | None = field(default=None)
    # The conversation's latest question as asked, whatever it was about: what "the next paragraph"
    # counts on from.
    asked_before: str = ""
    # The question whose quotes the conversation's context is, when it was not about the content ("tl;dr"):
    # what the reply says it follows.
    follows: str = ""


def _continues_refusal(turn: _Turn, names: DocumentNames) -> bool:
    """Whether a message continues a question the turn before refused (Conversation.refused): it is a
    fragment ("and china's?" after "what's the population of russia?"). Not every message leaning on
    it: "so how do they back each other up?" after a refusal asks about the essay (measured, round 9),
    and so does one naming the document ("what does the essay say about japan?")."""
    # As said, small talk included: "lol. what's the tigers thing about" starts afresh; a fragment is counted
    # without chat fillers, so "ok and chinas?" is one.
    said = clean_question(turn.question)
    refused = clean_question(turn.conversation.refused)
    # "what about taiwan?" after "what about north korea?" was refused names a subject in place of the refused
    # one: it leaves the refused question nothing to carry over ("and its nukes?" points back to it).
    replaces_it = opens_continuing(refused) and not refers_back(said)
    return (
        bool(refused)
        and is_fragment(without_fillers(said))
        and not starts_afresh(said)
        and not names_document(said, names)
        and not replaces_it
    )


def _after_refusal(turn: _Turn) -> str:
    """The text a message continuing a refused question is judged by: the two together."""
    return " ".join((clean_question(turn.conversation.refused), turn.text))


def _numbers(text: str) -> set[str]:
    """The numbers a text names ("1945", "the 1930s" -> "1930")."""
    return {word.rstrip("s") for word in words(text) if word.rstrip("s").isdigit()}


def _last_asked(history: Sequence[str]) -> list[str]:
    """The texts to score for the conversation's last question, in its own context (none without one)."""
    return _with_context(history[:-1], history[-1]) if history else []


def _with_context(history: Sequence[str], text: str) -> list[str]:
    """The texts to score for ``text`` asked after ``history``: alone, and after the conversation."""
    return [text, " ".join((*history, text))] if history else [text]
