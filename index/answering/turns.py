"""What kind of turn a message is: a content question, one about the document, small talk, or "go on"."""

# Pure and lexical. The patterns are English conversation (cues.py), not any document's words: which
# documents a question names is decided against the corpus's own titles and authors (``DocumentNames``).
# A cue alone never decides: a message that also carries words of the corpus is a content question ("what
# help did the Soviet Union give China?", "what does the author say about Japan?"), except where the cue
# asks *which* section holds a topic.

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.answering import cues
from index.answering.readings import Chat, Facet, Reading, TurnKind
from index.corpus.text import clean_question, content_terms, words


@dataclass(frozen=True)
class DocumentNames:
    """The words that name the corpus's documents (titles, authors): naming a document is not a topic."""

    stems: frozenset[str]
    # The authors' full names, surnames or given names (folded), so that "what does <name> think?" reads
    # as "what does the author think?"; None when no document names an author.
    authors: re.Pattern[str] | None = None
    # The words of the documents' section titles that their own titles do not have: "the history section"
    # names a section by one of them.
    sections: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, names: Iterable[str], authors: Iterable[str] = (), sections: Iterable[str] = ()
    ) -> "DocumentNames":
        parts = set()
        for author in authors:
            folded = _fold(author)
            parts |= {folded, *(word for word in folded.split() if len(word) >= 3)} - {""}
        pattern = None
        if parts:
            longest_first = "|".join(re.escape(part) for part in sorted(parts, key=len, reverse=True))
            pattern = re.compile(
                rf"(?<![\w'])(?:(?:the )?(?:mr|dr|prof|professor)\.? )?(?:{longest_first})(?!\w)"
            )
        stems = frozenset(term for name in names for term in content_terms(name))
        titled = frozenset(term for title in sections for term in content_terms(title)) - stems
        return cls(stems, pattern, titled)

    def as_author(self, folded: str) -> str:
        """``folded`` with each author's name put as "the author"."""
        return self.authors.sub("the author", folded) if self.authors else folded


def read_turn(
    text: str,
    vocabulary: Iterable[str] | frozenset[str] | set[str],
    names: DocumentNames,
    following: bool = False,
    after_place: Facet | None = None,
) -> Reading:
    """How to take ``text`` (a cleaned message); ``vocabulary`` is the corpus's stems. ``following``: the
    message comes after questions about the content, so a cue that does not name the document follows
    them up ("what year was that?"). ``after_place``: the reply before quoted a section or paragraphs
    asked for by place (SECTION or PARAGRAPH), so "and the next one?" counts on from it."""
    plain = _fold(text)  # positions as in ``text``, for cutting small talk off it
    folded = names.as_author(_as_spelled(plain))
    known = vocabulary if isinstance(vocabulary, (set, frozenset)) else set(vocabulary)
    if cues.CONTINUE.match(folded):
        return Reading(TurnKind.CONTINUE)
    if paragraphs_asked(text) is not None:  # the citations' own numbers: whatever else it says, quote that
        return Reading(TurnKind.ABOUT, facet=Facet.PARAGRAPH)
    counted = step_from_counted(text)
    if counted is not None and _only_a_place(cues.NEXT_TO_COUNTED.sub(" ", folded), known, names):
        return Reading(TurnKind.ABOUT, facet=Facet.SECTION, step=counted[1])
    stepped = step_asked(text, after_place)
    if stepped is not None and _only_a_place(folded, known, names):
        return Reading(TurnKind.ABOUT, facet=stepped[0], step=stepped[1])
    terms = [term for term in content_terms(without_fillers(text)) if term not in names.stems]  # "or nah"

    def topical(explained: frozenset[str]) -> tuple[str, ...]:
        return tuple(term for term in terms if term not in explained and term in known)

    if _asks_for_a_counted_section(text, folded, known, names) or _asks_for_a_named_section(
        folded, known, names
    ):
        return Reading(TurnKind.ABOUT, facet=Facet.SECTION)
    if _asks_the_authors_view_of_the_title(text, folded, terms, names, following):
        return Reading(TurnKind.ABOUT, facet=Facet.SUMMARY)
    # "What's the last section called?" counts sections, even though "last ..." also reads as the ending.
    facets = (
        sorted(cues.FACET_CUES, key=lambda pair: pair[0] is not Facet.OUTLINE)
        if ordinal(text)
        else cues.FACET_CUES
    )
    if not terms and re.search(r"(?<![\w'])who(?![\w'])", folded) and set(content_terms(text)) & names.stems:
        return Reading(TurnKind.ABOUT, facet=Facet.AUTHOR)  # "who is <the author's name>?"
    for facet, cue in facets:
        said = cue.search(folded)
        if not (said or (facet is Facet.OUTLINE and cues.WHICH_SECTION.search(folded))):
            continue
        if facet is Facet.OUTLINE and cues.PLAYS_A_PART.search(folded):
            continue  # "what part did the US play?" asks about a role, not a section
        if facet is Facet.SUMMARY and cues.POINTED_VIEW.search(folded):
            continue  # "is that the author's view?" follows up what was just quoted
        if facet is Facet.SUMMARY and cues.ONE_SIDES_CASE.search(folded):
            continue  # "the main argument against an alliance" is one side's case, not the summary
        # The words the cue itself matched are its own, not a topic: "who made this essay" asks for the
        # author though "made" is a word of the essay.
        cued = " ".join(match.group(0) for match in cue.finditer(folded))  # "who put this out, a think tank?"
        explained = cues.FACET_WORDS | cues.BOT_TALK | set(content_terms(cued))
        if facet is Facet.PUBLISHED:  # "is this article from 2021?": the year is what it asks about
            explained |= {term for term in terms if cues.YEAR.fullmatch(term)}
        if facet is Facet.AUTHOR and cues.ASKS_NATIONALITY.search(folded):  # "is the author chinese?"
            explained |= cues.NATIONALITY_STEMS
        # In a message of several sentences, the topic is what the cue's own sentence names: "I'm a
        # journalist writing about Sino-Russian ties. Could you give me a short summary?" asks the summary.
        own = _sentence_terms(text, cue, names) if said else None
        topic = (
            topical(explained) if own is None else tuple(t for t in own if t not in explained and t in known)
        )
        which_section = facet is Facet.OUTLINE and cues.WHICH_SECTION.search(folded)
        if following and not (cues.ANCHORS.search(folded) or which_section):
            return Reading(TurnKind.CONTENT, topic=tuple(terms))
        if not topic:
            # "which section is that in?", "source?" right after a quote: about what was just quoted.
            pointing = following and bool(
                (which_section and cues.POINTING.search(folded))
                or (facet in (Facet.AUTHOR, Facet.PUBLISHED) and cues.SOURCE_OF_A_QUOTE.search(folded))
            )
            return Reading(TurnKind.ABOUT, facet=facet, pointing=pointing)
        if which_section:
            return Reading(TurnKind.ABOUT, facet=facet, topic=topic)
    for chat, cue in cues.CHAT_CUES:
        if cue.search(folded) or (chat is Chat.ACKNOWLEDGEMENT and _only_emoji(text)):
            leftover = cues.CHAT_WORDS_RE.sub(" ", folded)
            topic = tuple(
                term for term in content_terms(leftover) if term not in cues.BOT_TALK and term in known
            )
            if chat is not Chat.HELP and _asks(leftover, folded) and (following or topic):
                # "was it an explicit yes?", "thanks, but why?": a question about what was just discussed;
                # "ok what did wang yi say": a question of its own. Either is scored without the small talk.
                return Reading(TurnKind.CONTENT, topic=tuple(terms), asks=_without_small_talk(text, plain))
            if chat is Chat.HELP and not topic and _help_with_something_else(folded, names):
                return Reading(TurnKind.CONTENT, topic=tuple(terms))  # judged, so refused as off topic
            # Mixed small talk is judged whole: only an on-topic verdict on all of it makes it a question.
            return Reading(TurnKind.CHAT, chat=chat, topic=topic, mixed=bool(topic))
    if not following and words(text) and not content_terms(text):
        # "why?", "what about it?" with nothing before them: there is nothing to search for yet. (A message
        # with no English words at all gets the engine's own reason instead.)
        return Reading(TurnKind.CHAT, chat=Chat.HELP)
    return Reading(TurnKind.CONTENT, topic=tuple(terms))


def _sentence_terms(text: str, cue: re.Pattern[str], names: DocumentNames) -> list[str] | None:
    """The content terms (not naming a document) of the sentence of ``text`` in which ``cue`` is said,
    when ``text`` has several sentences; None for a message of one sentence."""
    sentences = cues.SENTENCE_END.split(text)
    if len(sentences) < 2:
        return None
    names_it = cues.NAMES_DOCUMENT.search(names.as_author(_as_spelled(_fold(text))))
    for sentence in sentences:
        folded = names.as_author(_as_spelled(_fold(sentence)))
        if cue.search(folded):
            if not names_it and not cues.POINTERS.isdisjoint(words(folded)):
                # "The 1896 treaty. What's the gist of it?", "Who was Wang Yi? Was he Chinese?": with no
                # document named, "it" and "he" are what the sentence before names
                return None
            return [term for term in content_terms(sentence) if term not in names.stems]
    return None


def leans_on_context(text: str) -> bool:
    """Whether a message in a conversation leans on what came before: it points back ("did it work?",
    "who else?", "the 1945 one?"), opens as a continuation ("and in 1950?", "what about russia?"), or
    is too short to be a question of its own ("any catch?", "for free?"). Such a message is judged in
    its context; one that stands alone ("how do I reverse a list in python?") is judged alone too."""
    now_aside = cues.NOW.sub(" ", text.lower())
    said = words(now_aside)
    return not said or opens_continuing(now_aside) or not cues.POINTERS.isdisjoint(said) or is_fragment(text)


def without_fillers(text: str) -> str:
    """``text`` as it is scored: no chat fillers ("lol", "tho", "ok"), question words spelled out
    ("whats"); the words a model would read as unknown ("whats the tigers thing lol" was refused)."""
    spelled = cues.SPELLED_QUESTION_WORD.sub(lambda m: cues.SPELLED_QUESTION_WORDS[m.group(0).lower()], text)
    plain = " ".join(cues.FILLERS.sub(" ", spelled).split())
    plain = re.sub(r"\s+([,.!?;:])", r"\1", plain).strip(" ,;:")
    return plain if content_terms(plain) or not content_terms(text) else text


def starts_afresh(text: str) -> bool:
    """Whether a message opens with small talk and then asks about something, not opening as a continuation
    ("lol. what's the tigers thing about", "ok whatever, why the sword?", but not "ok and china's?"): the
    small talk turns the page on what came before."""
    folded = _fold(text)
    small_talk = cues.LEAD_IN.match(folded)
    rest = folded[small_talk.end() :] if small_talk else ""
    return bool(content_terms(rest)) and not opens_continuing(rest)


def opens_continuing(text: str) -> bool:
    """Whether a message opens as a continuation: "and in 1950?", "what about russia?"."""
    said = words(text.lower())
    return bool(said) and (said[0] in cues.CONTINUING or " ".join(said[:2]) in cues.CONTINUING)


def refers_back(text: str) -> bool:
    """Whether a message points at something said before ("was it ever used for that?", "why did they
    stop?"), other than a person: "does he mention trump?" names a subject of its own."""
    return not cues.THING_POINTERS.isdisjoint(words(text))


def names_document(text: str, names: DocumentNames) -> bool:
    """Whether a message names a document or its author ("what does the essay say about japan?", "does
    <the author's name> mention the US?"): it asks about the corpus, not about the turn before it."""
    return bool(cues.NAMES_DOCUMENT.search(names.as_author(_as_spelled(_fold(text)))))


def asks_every_document(text: str) -> bool:
    """Whether a question about the documents means all of them: "what documents do you have?", "which
    one is newer?", "who wrote these essays?"."""
    return bool(cues.ALL_DOCUMENTS.search(_fold(text)))


def since_last_of_its_own(questions: Sequence[str]) -> tuple[str, ...]:
    """The earlier questions (as typed) a follow-up leans on: the latest one that stands on its own
    (does not lean on context) and those after it. Before it, the conversation was about
    something else, or about the same thing in words it has repeated: in conversations of 3 to 6
    turns, gluing every earlier question put the first quote right 0.59 of the time, against 0.63 from
    the latest question of its own (docs/retrieval-history.md, round 10)."""
    start = max(len(questions) - 1, 0)
    while start > 0 and leans_on_context(clean_question(questions[start])):
        start -= 1
    return tuple(questions[start:])


def is_fragment(text: str) -> bool:
    """Whether a message has too few content words to be a question of its own ("any catch?", "and
    china's?", "since when?"): it only means something with what came before."""
    return len(content_terms(text)) < cues.STANDS_ALONE


def paragraphs_asked(text: str) -> tuple[int, int] | None:
    """The first and last paragraph (¶) a message asks for by number ("what does ¶5 say?", "show me
    paragraphs 12 to 14", "the first paragraph", "paragraph twenty"), if any. Counted from the end, a
    number is negative: "the last two paragraphs" -> (-2, -1), "the penultimate paragraph" -> (-2, -2)."""
    folded = _fold(text)
    match = cues.PARAGRAPH_NUMBERS.search(folded)
    if match:
        first, last = _number(match.group(1)), _number(match.group(2) or match.group(1))
        return min(first, last), max(first, last)
    first = cues.FIRST_PARAGRAPHS.search(folded)
    if first:
        return 1, _number(first.group(1))
    last = cues.LAST_PARAGRAPHS.search(folded)
    if last:
        return -_number(last.group(1)), -1
    counted = cues.COUNTED_PARAGRAPH.search(folded)
    if counted:
        number = _ordinal_number(counted.group(1))
        return number, number
    return None


def step_asked(text: str, after_place: Facet | None = None) -> tuple[Facet, int] | None:
    """A section or paragraph asked for by its place next to the one just quoted: "the next section" ->
    (SECTION, 1), "previous paragraph?" -> (PARAGRAPH, -1). ``after_place``: the place the reply before
    quoted (SECTION or PARAGRAPH), if it quoted one; then "and the next one?" steps from it too, and so
    does "the part after that" (a "part" of whatever was just quoted)."""
    folded = _as_spelled(_fold(text))
    match = cues.STEPPED_PLACE.search(folded)
    if match:
        step, noun = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        if cues.SECTION_NOUN.match(noun):
            return Facet.SECTION, cues.STEPS[step]
        if noun.startswith("part"):
            return after_place or Facet.SECTION, cues.STEPS[step]
        return Facet.PARAGRAPH, cues.STEPS[step]
    if after_place is not None and (one := cues.STEPPED_ONE.search(folded)):
        return after_place, cues.STEPS[next(said for said in one.groups() if said)]
    return None


def step_from_counted(text: str) -> tuple[int, int] | None:
    """A section next to one counted from either end: "the section right after the intro" -> (1, 1),
    "the part before the last one" -> (-1, -1), as (the counted section, the step from it)."""
    match = cues.NEXT_TO_COUNTED.search(_fold(text))
    if match is None or not cues.SECTION_WORD.search(match.group(0)):
        return None  # "the one after the first one" counts whatever the conversation was about
    said = match.group(2).rstrip("?.! ")
    counted = ordinal(said) or ordinal(f"{said} section")
    return None if counted is None else (counted, cues.STEPS[match.group(1)])


def _asks_for_a_counted_section(text: str, folded: str, known: set | frozenset, names: DocumentNames) -> bool:
    """ "what does section 3 say?", "what's the intro about?", "section 1 pls": a counted section's text,
    unless the message asks about a topic in it ("what does the last part say about japan?" is a content
    question) or, asking for no text, says anything else ("what's the last section called?" asks its
    name). "section 2" is no topic, though a document may use "2" or "sector"."""
    if ordinal(text) is None or not cues.SECTION_WORD.search(folded):
        return False  # "and the second one?" counts something the conversation was about
    unsaid = cues.CHAT_WORDS_RE.sub(" ", _without_counted_sections(folded))  # "thx. and the second section?"
    rest = [term for term in content_terms(unsaid) if term not in names.stems]
    asking = cues.SECTION_TEXT.findall(folded)
    if not asking:
        return all(term in cues.BOT_TALK for term in rest)
    explained = cues.FACET_WORDS | cues.BOT_TALK | set(content_terms(" ".join(asking)))
    return not any(term in known and term not in explained for term in rest)


def _asks_for_a_named_section(folded: str, known: set | frozenset, names: DocumentNames) -> bool:
    """ "what does the history section say?": a section named by a word of its title, its text asked for
    and nothing else ("what does the history section say about japan?" asks about Japan)."""
    named = cues.NAMED_PART.search(folded)
    if not named or not names.sections & set(content_terms(named.group(0))):
        return False
    rest = folded[: named.start()] + " " + folded[named.end() :]
    return not cues.NAME_OR_PLACE.search(folded) and _only_a_place(rest, known, names)


def _only_a_place(folded: str, known: set | frozenset, names: DocumentNames) -> bool:
    """Whether a message asking for a place next to the last one ("what does the next section say?",
    "and the one before?") asks nothing else: "what was the next part of the plan?" is about a plan."""
    unsaid = cues.CHAT_WORDS_RE.sub(" ", cues.STEPPED_ONE.sub(" ", cues.STEPPED_PLACE.sub(" ", folded)))
    explained = (
        cues.FACET_WORDS | cues.BOT_TALK | set(content_terms(" ".join(cues.SECTION_TEXT.findall(folded))))
    )
    rest = [term for term in content_terms(unsaid) if term not in names.stems]
    return not any(term in known and term not in explained for term in rest)


def _asks_the_authors_view_of_the_title(
    text: str, folded: str, terms: list[str], names: DocumentNames, following: bool
) -> bool:
    """ "what does <the author> think about an alliance?", about nothing but a title's words: where he
    comes down on the document's own question, which its summary gives ("... about japan?" is a content
    question). Mid-conversation only with the author named: "he" may be whoever was just discussed."""
    view = cues.VIEW_OF.search(folded)
    if not view or (following and not cues.ANCHORS.search(folded)):
        return False
    named = set(content_terms(text)) & names.stems
    return bool(named) and not set(terms) - set(content_terms(view.group(0)))


def _without_counted_sections(folded: str) -> str:
    """A message without the words that count a section ("section 2", "the last part", "the intro")."""
    return cues.COUNTED_BY_NUMBER.sub(" ", cues.COUNTED_SECTION.sub(" ", folded))


def ordinal(text: str) -> int | None:
    """The section a question counts to ("the second section" -> 2, "the last part" -> -1), if any."""
    folded = _fold(text)
    # Most messages name no section at all: one cheap search first.
    if not cues.COUNTED.search(folded):
        return None
    match = cues.COUNTED_SECTION.search(folded)
    if match:
        return 1 if match.group(2) else _ordinal_number(match.group(1))  # group 2: "the intro"
    match = cues.COUNTED_BY_NUMBER.search(folded)
    return _number(match.group(1)) if match else None


def _number(said: str) -> int:
    """A number as said: "12" or "twelve"."""
    return int(said) if said.isdigit() else cues.NUMBER_WORDS[said]


def _ordinal_number(said: str) -> int:
    """An ordinal as said: "twelfth", "12th" or "second to last" (-2)."""
    return cues.ORDINALS[said] if said in cues.ORDINALS else int(said[:-2])


def _asks(leftover: str, folded: str) -> bool:
    """Whether what a small-talk cue leaves of a message is a question of its own: it has a question
    mark ("thanks! and money?"), or opens with a question word or an auxiliary ("thanks, but why",
    "thanks! is that good or bad", "over what exactly"), or with a request ("ok list them"). "lol ok"
    and "perfect, that's what i needed" are not. Any of its parts may open so: "yeah that, wdym by it"."""
    if not re.search(r"[\w']", leftover):
        return False
    first, *rest = [part for part in re.split(r"[,.;:!]", leftover) if re.search(r"[\w']", part)]
    return (
        "?" in folded or _opens_a_question(first) or any(_opens_a_question(part, later=True) for part in rest)
    )


def _help_with_something_else(folded: str, names: DocumentNames) -> bool:
    """ "can you help me with my calculus homework?": help asked with something in words enough to stand
    as a question of their own ("help me with python" is still asking how to use the bot), naming no
    document ("help me with my homework on this essay" does), is a question about something else."""
    helped = cues.HELP_WITH.search(folded)
    if not helped:
        return False
    said = content_terms(folded[helped.end() :])
    asked = [term for term in said if term not in cues.BOT_TALK and term not in names.stems]
    return len(asked) >= cues.STANDS_ALONE and not cues.NAMES_DOCUMENT.search(names.as_author(folded))


def _opens_a_question(part: str, later: bool = False) -> bool:
    """Whether a part of a message opens as a question. ``later``: not its first part, where only a
    question word counts: "thanks a ton, have a good one" asks nothing."""
    tokens = re.findall(r"[\w']+", part)
    while tokens and tokens[0] in cues.LEADING:
        tokens = tokens[1:]
    if not tokens:
        return False
    if tokens[0] in (cues.ASKING_WORDS if later else cues.ASKING_WORDS | cues.AUXILIARIES | cues.REQUESTS):
        return True
    return tokens[0] in cues.PREPOSITIONS and len(tokens) > 1 and tokens[1] in cues.ASKING_WORDS


def _without_small_talk(text: str, folded: str) -> str:
    """``text`` without the small talk it opens or ends with ("thanks! and why?" -> "and why?"), or ""
    when nothing is cut or nothing is left. Only the ends: "the great powers" keeps its "great"."""
    if len(folded) != len(text):  # folding changed the length (rare letters): positions would not line up
        return ""
    start, end = 0, len(text)
    while match := cues.LEAD_IN.match(folded, start):
        start = match.end()
    while match := cues.TRAIL.search(folded, start, end):
        end = match.start()
    asks = text[start:end].strip().rstrip(",;:~-").strip()
    return asks if (start or end < len(text)) and any(ch.isalnum() for ch in asks) else ""


def _only_emoji(text: str) -> bool:
    """A reaction such as "👍" or "🙂🙂": symbols and punctuation, no letters or digits in any script."""
    symbol = False
    for ch in text:
        kind = "Z" if ch.isspace() else unicodedata.category(ch)[0]
        if kind not in "SPZ":
            return False  # a letter or a digit: at the first one, not after the whole message
        symbol = symbol or kind == "S"
    return symbol


def _as_spelled(folded: str) -> str:
    """Chat spellings of the words the cues read, spelled out ("wat uni" -> "what uni", "y not" -> "why
    not"), so that each cue need not list them."""
    return cues.CHAT_SPELLING.sub(lambda match: cues.SPELLED[match.group(0)], folded)


def _fold(text: str) -> str:
    """Lower case, straight apostrophes, single spaces: the form the cue patterns read."""
    folded = text.lower().replace("’", "'").replace("‘", "'")
    return " ".join(folded.split())
