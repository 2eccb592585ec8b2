"""The English a conversation is read by: small talk, questions about a document, "go on", follow-ups."""

# Patterns and word lists of English conversation, never a document's words: which documents a message
# names is decided against the corpus's own titles and authors (turns.DocumentNames). The turn reader
# (turns.py) says how they combine.

import re
from collections.abc import Sequence

from index.answering.readings import Chat, Facet
from index.corpus.text import stem


def pattern(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w'])")


# Words people put between "what is it" and "about" that change nothing: "what's this essay even about?"
_HEDGE = r"(?:(?:even|all|really|actually|basically|ultimately|exactly|mainly|mostly|supposed to be|meant to be) )?"
# Small talk, most specific first: help before greeting, so "hi, how do I use this?" gets help.
CHAT_CUES: tuple[tuple[Chat, re.Pattern[str]], ...] = (
    (
        Chat.HELP,
        pattern(
            # Help asked for, not helping: "so they cant help each other militarily?" is a content question.
            r"^help",
            r"(?:(?:can|could|would|will) (?:you|u|someone|anyone|somebody)(?: please| pls)?|need(?: some)?|want|"
            r"get|any) help",
            r"help(?: me| us)?(?: out)?(?: pls| please| plz)?(?=\W*$|\W*(?:,|!|\?))",
            r"help (?:me|us)\b",
            r"how (?:do|can|should|would|am) (?:i|we|you|one)(?: supposed to)? (?:use|ask|talk|work|start)"
            r"(?: (?:you|u|it|this|this bot|the bot|questions?|a question|stuff|things|something|with (?:you|u|it|this)))?"
            r"(?: here)?(?=\W*$)",
            r"how (?:does|do) (?:this|it|you|the)(?: bot| thing)?(?: even| actually)? work",
            r"what (?:can|do|should) (?:you|i|we) (?:do|ask|say)",
            r"what (?:kinds?|sorts?|types?) of (?:stuff|things|questions) (?:can|could|should|do) (?:i|we|you)",
            rf"what (?:are|is) (?:you|this bot|the bot|this thing) {_HEDGE}(?:for|about|able)",
            rf"what(?:'s| is) (?:this|the) bot(?: {_HEDGE}(?:about|for))?\W*$",
            r"(?:are|r) (?:you|u) (?:a |an )?(?:bot|human|robot|ai|real|person|machine|chatbot|chatgpt)",
            r"(?:you(?:'re| are)|ur|u r) (?:a |an )?(?:bot|human|robot|ai|real person|machine|chatbot)\??$",
            r"who (?:are|r) (?:you|u)",
            r"(?:who|which company|what company) (?:made|built|created|programmed|coded|runs) (?:you|this bot|the bot)",
            r"(?:what'?s|what is) (?:your|ur) name",
            r"do (?:you|u) have a name",
            r"how old (?:are|r) (?:you|u)",
            # A complaint about an answer: the reply says how to ask.
            r"(?:that'?s|that is|this is|thats) not what i (?:asked|meant|wanted|was asking(?: for)?)",
            r"not what i (?:asked|meant)",
            r"wrong answer",
            r"(?:that|this|you) (?:doesn'?t|does not|didn'?t|did not) answer",
            r"not helpful",
            r"(?:that|this|your) (?:answer|reply|response) (?:was|is) (?:kinda |kind of |pretty |really |so )?"
            r"(?:bad|wrong|useless|unhelpful|off|weird|confusing)",
            r"bad (?:answer|reply|bot)",
            r"useless",
            r"what (?:are|r) (?:you|u)",
            r"commands?",
            r"usage",
            r"instructions",
            r"new here",
            r"first time (?:here|using|on)",
            r"getting started",
            r"get started",
        ),
    ),
    (
        Chat.THANKS,
        pattern(
            r"thanks?",
            r"th?ank (?:you|u)",  # "tank you" as typed
            r"thx",
            r"thn?x",
            r"than?x",
            r"tysm",
            r"ty",
            r"cheers",
            r"appreciated?",
            r"grateful",
            r"much obliged",
            r"merci",
            r"gracias",
            r"danke",
        ),
    ),
    (
        Chat.FAREWELL,
        pattern(
            r"bye",
            r"goodbye",
            r"good ?night",
            r"see (?:you|ya|u)",
            r"cya",
            r"farewell",
            r"later",
            r"gotta go",
            r"take care",
            r"brb",
            r"gn",
            r"gtg",
            r"ttyl",
            r"ciao",
            r"adios",
            r"cheerio",
        ),
    ),
    (
        Chat.GREETING,
        pattern(
            r"hi+",
            r"hello+",
            r"hey+",
            r"heya",
            r"hiya",
            r"yo",
            r"howdy",
            r"greetings",
            r"sup",
            r"wass?up",
            r"what'?s up",
            r"hola",
            r"welcome(?: back)?",
            r"good (?:morning|afternoon|evening|day)",
            r"morning",
            r"how(?:'s| is| are)? (?:it going|you|things|u|ya)",
            r"how are (?:you|u|ya|things)",
            r"how(?: are|'re) you doing",
        ),
    ),
    (
        Chat.PRAISE,
        pattern(
            r"nice",
            r"great",
            r"awesome",
            r"amazing",
            r"excellent",
            r"brilliant",
            r"impressive",
            r"helpful",
            r"useful",
            r"perfect",
            r"slick",
            r"dope",
            r"fantastic",
            r"wonderful",
            r"spot on",
            r"well done",
            r"good (?:job|work|bot|stuff|answers?)",
            r"nice (?:job|work|one)",
            r"love (?:it|this|you|that)",
            r"wow+",
            r"cool",
            r"neat",
            r"sweet",
            r"you(?:'re| are) (?:(?:pretty|really|so|very|quite) )?(?:the best|great|good|smart|helpful|amazing|awesome)",
            r"fascinating",
            r"informative",
            r"insightful",
            r"good to know",
        ),
    ),
    (
        Chat.ACKNOWLEDGEMENT,
        pattern(
            r"ok(?:ay)?",
            r"kk?",
            r"got it",
            r"i see",
            r"alright",
            r"all right",
            r"sure",
            r"lol+",
            r"lmao",
            r"haha+",
            r"hm+",
            r"interesting",
            r"makes sense",
            r"fair enough",
            r"noted",
            r"understood",
            r"yes",
            r"yeah",
            r"yep",
            r"no",
            r"nope",
            r"nvm",
            r"never ?mind",
            r"sorry",
            r"my bad",
            r"oops",
            r"typo",
            r"no worries",
            r"np",
            r"all good",
            r"wait,? what",
            r"damn",
            r"fair",
            r"true",
            r"gotcha",
            r"(?:ha)+h?",
            r"huh",
            r"meh",
            r"ugh",
            r"whoa",
            r"bruh+",
            # Surprise, said not asked: "wow, didn't know that" ("didn't it fail?" asks).
            r"(?:i )?(?:didn'?t|did not|never) (?:know|knew|reali[sz]ed?|expect(?:ed)?|thought)(?: (?:that|this|it))?(?=\W*$)",
            # Words as common inside a question ("right now", "oh, and ..."): small talk only on their own.
            r"^(?:right|bet|fine|oh+|ah+|aha|indeed|til)\W*$",
        ),
    ),
)
# Words of talk with the bot itself, which never make a message a question about the corpus.
BOT_TALK = frozenset(
    stem(word)
    for word in """
    bot bots you your answer answers answered quote quotes quoted reply replies response responses job work
    stuff thing things question questions ask asking asked use using used here new supposed going doing
    today day everyone everybody guys folks all man mate buddy friend info information result results
    excerpt excerpts citation citations really very much lot so well again nice good great way time
    know like tell want wondering curious kindly forgot remind check
    """.split()
)

CONTINUE = re.compile(
    r"^(?:(?:ok(?:ay)?|and|so|please|pls|yes|yeah|sure)[\s,]+)*"
    r"(?:tell me more|more|say more|go on|continue|keep going|carry on|what else|anything else|"
    r"and then|then what|what next|next|more please|show me more|elaborate|expand on that|go deeper|"
    r"what happened (?:next|then|after(?:wards| that)?)|then what happened|(?:and )?after that|"
    r"(?:can|could|would) (?:you|u) (?:please )?(?:tell me|say|quote|show(?: me)?|give(?: me)?) more|"
    r"quote more|more quotes)"
    r"(?:[\s,]+(?:please|pls|about (?:it|that|this)))?[\s.!?]*$"
)

# What a reader may ask an author's nationality as.
NATIONALITIES = """
    chinese russian american british english french german japanese korean indian european asian canadian
    australian italian spanish polish ukrainian taiwanese mongolian soviet western eastern
    """.split()
NATIONALITY_STEMS = frozenset(stem(word) for word in NATIONALITIES)
# Who a message may mean by the author (the author's name is read as "the author" before these are matched).
THE_AUTHOR = r"(?:(?:the |this |that )?(?:author|writer|guy|person|man|woman|prof|professor)|he|she)"
ASKS_NATIONALITY = pattern(
    r"nationality",
    rf"(?:is|was) {THE_AUTHOR}(?: who wrote (?:this|it))? (?:{'|'.join(NATIONALITIES)})",
)
# Words only a document has, which both ask about it and, mid-conversation, anchor a question to it.
PARTS = (
    r"sections?",
    r"subsections?",
    r"chapters?",
    r"headings?",
    r"outline",
    r"structure",
    r"table of contents",
)
OUTLETS = (r"outlet", r"journal", r"magazine", r"newspaper", r"website", r"source")
# Questions about the document: each facet's cue, and the words the cue accounts for.
DOCUMENT_WORDS = (
    r"(?:essay|article|piece|paper|text|document|doc|work|writing|this|it|book|post|op-?ed|report)"
)
# Asking how to cite it: the card of facts, headed by the author, is the citation ("how do i cite this?").
CITING = (
    # The reader citing it, not the document citing others ("which sources does the author cite?").
    r"(?:how (?:do|should|would|can|could|to) (?:i|we|you|u|one) |(?:can|could|would) (?:you|u) |pls |please |to )cite",
    rf"cit(?:e|ing) (?:it|this|that|him|the (?:{DOCUMENT_WORDS}))",
    r"citations?",
    r"bibliograph\w*",
    r"works cited",
    rf"referenc(?:e|ing) (?:it|this|that|the (?:{DOCUMENT_WORDS}))",
    r"(?:apa|mla)(?: style| format)?",
    r"(?:harvard|chicago) (?:style|format|citation)",  # "ny pizza vs chicago deep dish" is no citation
)
# Chat fillers and chat spellings of question words: no topic, so a message is scored without them
# (turns.without_fillers). Not stop words: the fit reads the calibration questions as typed.
FILLERS = re.compile(
    r"(?i)(?<![\w'’-])(?:lol+|lmao+|haha+|tho|pls|plz|thx|btw|idk|imo|ok|okay|yeah|yep|nah|n(?!\.))(?![\w'’-])"
)
SPELLED_QUESTION_WORDS = {
    "whats": "what's",
    "wats": "what's",
    "hows": "how's",
    "whos": "who's",
    "wheres": "where's",
}
SPELLED_QUESTION_WORD = re.compile(rf"(?i)(?<![\w'’-])(?:{'|'.join(SPELLED_QUESTION_WORDS)})(?![\w'’-])")
# A part named by its words: "the history section", "the part on the partnership model".
NAMED_PART = re.compile(
    r"(?<![\w'])(?:the|this|that|its) (?:(?!the |this |that )[\w'-]+ ){1,4}?(?:section|part|chapter|bit)\b"
    r"|(?<![\w'])(?:section|part|chapter) (?:on|about|covering|dealing with) (?:the )?(?:[\w'-]+(?: |$)){1,4}"
)
# A part asked for by its name or its place, not its text: "what's the history section called?", "what
# comes after the history section?" (the outline answers them).
NAME_OR_PLACE = pattern(
    r"names?d?",
    r"called",
    r"titled?",
    r"headings?",
    r"headers?",
    r"after",
    r"before",
    r"next",
    r"previous",
    r"follows?",
    r"comes?",
)
# Help asked with something ("can you help me with my calculus homework?"): what follows it is the question.
HELP_WITH = re.compile(r"\bhelp(?: me| us)?(?: out)? (?:with|w/?|on)\b")
# Asking the source of what was just quoted ("source?", "can you cite that?"): the card, and the quote.
SOURCE_OF_A_QUOTE = pattern(r"sources?", *CITING)
# Asking after the documents the bot holds ("what documents do you have?", "your corpus") and comparing
# their dates ("which one is newer?"): questions about every document at once (ALL_DOCUMENTS).
WHICH_DOCUMENTS = (
    r"(?:what|which|how many) (?:other )?(?:documents|docs|essays|articles|papers|texts|pieces|files)"
)
THE_CORPUS = r"(?:your|the) (?:corpus|library|collection)"
WHICH_IS_NEWER = (
    r"(?:which|what) (?:one|doc|document|essay|article|paper|piece)s? (?:is|was|came) (?:out )?(?:newer|older|"
    r"more recent|the (?:latest|newest|oldest|most recent)|first|last)"
)
FACET_CUES: tuple[tuple[Facet, re.Pattern[str]], ...] = (
    (
        Facet.ENDING,
        pattern(
            rf"how (?:does|did) (?:the |this )?(?:{DOCUMENT_WORDS}|author|writer|he|she|they|(?:whole )?thing) "
            r"(?:end|finish|conclude|close|wrap(?: it)? up|sum(?: it)? up)",
            r"(?:the |its )?(?:ending|conclusion|concluding (?:part|section|paragraph|remarks|words))",
            r"(?:last|final|closing) (?:part|words|paragraph|lines?|thoughts|remarks|bit|sentences?|point)"
            r"(?: (?:it|he|she|the author) makes)?",
            r"at the end",
            r"in the end",
        ),
    ),
    (
        Facet.SUMMARY,
        pattern(
            r"summar(?:y|ise|ize|ised|ized)",
            r"gist",
            r"tl ?;? ?dr",
            r"tldr",
            r"(?:main|key|central|big|overall|core|final) (?:point|points|idea|ideas|argument|arguments|"
            r"message|takeaway|takeaways|thesis|claim|conclusion|theme|question|verdict|view|position|"
            r"stance|take|opinion|answer|word)",
            rf"what (?:question|problem|issue) (?:does|did) (?:the |this )?(?:{DOCUMENT_WORDS}|author|writer) "
            r"(?:ask|raise|address|pose|tackle|answer)",
            r"takeaways?",
            r"recap",
            r"bottom line",
            r"in (?:short|brief|a nutshell|a few words|one sentence|one line)",
            r"one-?liner",
            r"long story short",
            r"short version",
            r"upshot",
            r"too long,? (?:didn'?t|did not|didnt) read",
            r"boils? down to",
            r"big picture",
            r"(?:final|overall|main|key) recommendations?",
            r"sum (?:it|this|that|everything|the whole thing)(?: all)? up",
            r"sum up",
            # Where the author comes down: "is he for or against it?", "what's the author's own position?"
            # (but "is that the author's view?" follows an answer up: POINTED_VIEW)
            r"(?:for|pro) or (?:against|anti|con|not)",
            r"where (?:does|do|did) (?:the )?(?:author|writer|he|she)(?: himself| herself)? stand",
            r"(?:is|was) (?:the )?(?:author|writer|he|she) (?:for|pro|in favou?r of|against|anti|opposed to)\b",
            r"(?:he|she)(?:'s| is) (?:for|pro|in favou?r of|against|anti|opposed to) (?:it|this|that|an? alliance)\b",
            r"(?:his|her|(?:the )?(?:author|writer)(?:'?s)?) (?:own |actual |real |final |overall )?(?:position|view|"
            r"stance|opinion|take|verdict|recommendation|advice|answer|bottom line)",
            r"(?:does|did|would) (?:the )?(?:author|writer|he|she)(?: (?:actually|really|basically|ultimately|even))? "
            r"(?:want|support|favou?r|recommend|advocate|oppose|back|endorse)\b",
            r"(?:which|what) side",
            r"comes? down on",
            r"yes or no",
            r"(?:the |its )?title'?s? question",
            r"overview",
            r"thesis",
            rf"what(?:'s| is| was) (?:the |this )?(?:{DOCUMENT_WORDS}) {_HEDGE}(?:about|arguing|saying)",
            rf"what (?:does|did) (?:the |this )?(?:{DOCUMENT_WORDS}|author|writer)(?: himself| herself| really| actually| ultimately| basically)? "
            r"(?:argue|say|claim|"
            r"conclude|propose|recommend|think|believe|suggest|advocate|want)(?: overall| in general| in short)?[\s.!?]*$",
            rf"what(?:'s| is) (?:it|this|this thing|this stuff|this one) {_HEDGE}about",
            # What it wants done: "what does the essay recommend china and russia actually do?"
            rf"what (?:does|did|would) (?:the |this )?(?:{DOCUMENT_WORDS}|author|writer|he|she) (?:recomm?end|propose|"
            r"suggest|advise|want|advocate|urge)s? (?:[\w'-]+ ){1,5}do\b",
            # "what is this document?", said alone: what it is, and who wrote it
            rf"^what(?:'s| is) (?:this|the) (?:{DOCUMENT_WORDS})\W*$",
            rf"what(?:'s| is| was) (?:the |this )?(?:{DOCUMENT_WORDS})'?s? (?:point|argument|message)",
        ),
    ),
    (
        Facet.OUTLINE,
        pattern(
            *PARTS,
            rf"parts? of (?:the |this |that )?{DOCUMENT_WORDS}",
            rf"what (?:does|do|did) (?:the |this )?{DOCUMENT_WORDS} {_HEDGE}(?:cover|go over|touch on)(?: then)?\W*$",
            r"how many parts",
            r"(?:its|what|which) parts",
            r"(?:first|second|third|fourth|fifth|sixth|last|final|\d+(?:st|nd|rd|th)) part",
            r"part \d+",
            r"headers?",
            r"structured",
            r"laid out",
            r"organi[sz]ed",
            r"contents",
            rf"how (?:long|big|short) is (?:the |this )?{DOCUMENT_WORDS}",
            r"how many (?:paragraphs|pages|words)",
        ),
    ),
    (
        Facet.TITLE,
        pattern(
            r"title",
            r"titled",
            rf"(?:what(?:'s| is)|whats) (?:the |this )?(?:{DOCUMENT_WORDS}) called",
            rf"name of (?:the |this )?(?:{DOCUMENT_WORDS})",
            r"what(?:'s| is) (?:it|this) called",
            rf"(?:{DOCUMENT_WORDS}) (?:is|was) called",
            rf"(?:author|writer|he|she) (?:call|name|title)d? (?:the |this |it|{DOCUMENT_WORDS})",
            r"what(?:'s| is) the name",
            r"headline",
            # What the bot holds: "what documents do you have?", "how many papers are in your corpus"
            WHICH_DOCUMENTS,
            THE_CORPUS,
            # Where a quote comes from: "which paper is that from?"
            r"(?:which|what) (?:doc|document|essay|article|paper|piece|text|one) (?:is |was )?(?:that|this|it|these)"
            r"(?: quote| passage| bit)? (?:from|in)",
        ),
    ),
    (
        Facet.PUBLISHED,
        pattern(
            r"publish(?:ed|er|ing|es)?",
            r"publication",
            rf"when (?:exactly |precisely |roughly )?(?:was|is|did) (?:the |this |that )?(?:{DOCUMENT_WORDS}|one)? ?(?:written|come out|came out|"
            r"appear|out|released|posted|dated)",
            rf"when (?:exactly |precisely |roughly )?(?:was|did) (?:the |this )?(?:{DOCUMENT_WORDS}) (?:written|published|released|posted)",
            r"(?:first )?appear(?:ed)?",
            r"come out|came out",
            r"what (?:year|yr|date|day|month)",
            r"dated?",
            *OUTLETS,
            r"how (?:old|recent|new) is(?! (?:the )?(?:author|writer|he|she|this guy)\b)",  # not the author's age
            r"(?:is|was) (?:this|it|the \w+) (?:recent|new|old|current|up to date)",
            rf"when(?:'s| is| was) (?:it|this|the {DOCUMENT_WORDS}) from",
            r"(?:go|goes|went|gone|put|posted|come|came) online",
            r"who put (?:this|it) out",
            r"think ?tank",  # what kind of publisher
            r"(?:is|was) (?:this|it) from (?:\d{4}|when|what year)",
            # "is this from before or after the ukraine invasion?": when it was written, against an event
            rf"(?:is|was) (?:this|the (?:{DOCUMENT_WORDS})|this (?:{DOCUMENT_WORDS})) (?:(?:written|published|from|out) )*"
            r"(?:before|after|pre|post)\b",
            rf"(?:this|the) {DOCUMENT_WORDS} (?:from|of) (?:\d{{4}}|when|what year)",
            WHICH_IS_NEWER,
            # Where to read it: the card gives the link when the front matter has one.
            r"(?:a|the|any|its|some) (?:web ?)?link(?! between)",
            rf"link (?:to|for) (?:it|this|that|the (?:{DOCUMENT_WORDS}|original|source))",
            r"url",
            r"(?:which|what) (?:web ?)?site",
            rf"(?:the )?original (?:{DOCUMENT_WORDS}|source|version)",
            r"where (?:can|could|do|should) (?:i|we|you|one) (?:read|find|get) (?:it|this|the (?:whole|full|original)(?: \w+)?)",
        ),
    ),
    (
        Facet.AUTHOR,
        pattern(
            *CITING,  # the card of facts is the citation; after PUBLISHED, so "author name for my bibliography"
            r"how old is (?:the )?(?:author|writer|this guy)",  # the card: what the front matter says of him
            r"(?:author|writer|this guy)(?: (?:best|mostly|mainly))? (?:known|famous|noted) for",
            r"who(?:'s|s| is| was)? (?:the )?(?:author|writer)",
            # "who is he again?", "who even is this guy", said alone: outside a conversation about the
            # content, the author ("putin. who is he?" asks about Putin)
            r"^(?:(?:so|and|ok|wait|um+|sorry)\W+)?who (?:even |again )?(?:is|was|'s) (?:he|she|this guy|that guy|"
            r"the guy|this dude|this person)(?: again| even| exactly| anyway)?\W*$",
            r"who (?:actually |really |even |originally |exactly )?(?:wrote|writes|penned|authored|is behind)",
            r"who(?:'s| is| was)(?: the \w+)? behind",
            r"(?:author|writer)\W+who(?:'s| is| was)",
            r"tell me (?:who )?the (?:author|writer)",
            rf"who made (?:the |this )?{DOCUMENT_WORDS}",
            r"written by",
            r"whose (?:essay|article|piece|paper|text|work)",
            r"by whom",
            r"(?:guy|person|man|woman|one|someone|scholar|professor|academic)(?: that| who)? "
            r"(?:wrote|penned|authored)",
            r"name of (?:the )?(?:author|writer)",
            r"who(?:'s| is) responsible for (?:this|it|the)",
            rf"who(?:'s| is| was) (?:it|this|that|(?:the |this |that )?{DOCUMENT_WORDS}) by",
            r"(?:author|writer)(?:'?s)? (?:full |academic )?(?:name|background|credentials|affiliation|job|"
            r"profession|field|position|title|university|institute|expertise|bio|rank)",
            r"what (?:position|rank|title|job) (?:does|did) (?:he|she|the author|the writer) (?:hold|have)",
            r"where (?:is|was) (?:the )?(?:author|writer|he|she) (?:located|based)",
            r"what (?:does|did) (?:this|the) (?:professor|author|writer|scholar) (?:study|research|work on|"
            r"specialize in|specialise in)",
            r"what (?:area|field|subject)s? (?:is|does) (?:he|she|the author|the writer)",
            r"(?:about|on) the (?:author|writer)",
            r"affiliat(?:ion|ed)",
            r"(?:which|what) (?:city|country|university|uni|institute|institution|school|college|"
            r"field|area|discipline|department|faculty)",
            rf"where(?:'s| does| did| is| was) (?:{THE_AUTHOR}|they) (?:work|teach|based|from|live|located)",
            # "is the author based in shanghai?", "he works at fudan right?"
            rf"(?:(?:is|does|did) )?{THE_AUTHOR} (?:is )?(?:based|works?|teach(?:es)?|lives?|located) (?:in|at|for)",
            # "whats his field", "the writer's own institution?"
            r"(?:his|her|(?:the )?(?:author|writer|guy)(?:'?s)?) (?:own )?(?:academic )?(?:background|credentials|"
            r"affiliation|job|profession|field|university|uni|institute|institution|expertise|bio|rank|occupation|"
            r"employer|workplace)",
            # "is he an academic?", "the writer: professor or journalist?"
            rf"(?:is|was) {THE_AUTHOR} (?:like |really |actually )?(?:a |an )?(?:academic|professor|prof|scholar|"
            r"journalist|official|diplomat|researcher|expert|historian|analyst)",
            r"(?:author|writer|guy)\W+(?:an? )?(?:academic|professor|prof|scholar|journalist|official|researcher|"
            r"expert) or",
            r"^(?:the |and the |its )?(?:author|writer)\?*$",  # "author??", not "... according to the author?"
            r"is (?:the )?(?:author|writer) (?:like |really |actually )?(?:a|an)",
            r"what (?:does|did) (?:the )?(?:author|writer) do(?: for a living| for work)?",
            r"(?:author|writer)(?:'?s)? (?:occupation|line of work)",
            ASKS_NATIONALITY.pattern,
        ),
    ),
)
# Words a facet's question uses to say what it wants; they are not its topic.
FACET_WORDS = frozenset(
    stem(word)
    for word in """
    essay article piece paper text document work writing book post report author writer wrote written
    write writes penned authored whose whom called name named title titled publish published publisher
    publication appear appeared first come came out released posted date dated year day month outlet journal
    magazine newspaper website source old section sections part parts chapter chapters heading headings
    header headers outline structure structured laid organised organized table contents subsection
    summary summarise summarize gist tldr tl dr main key central big overall core point points idea ideas
    argument arguments message takeaway takeaways thesis claim theme bottom line short brief nutshell
    overview about argue argues arguing say saying says claim conclude concludes conclusion ending end
    ends finish close closing wrap final last lines remarks thoughts bit based city country university uni
    institute institution school college field area discipline department faculty affiliation affiliated
    background credentials profession job position expertise bio teach teaches live lives from behind
    first second third fourth fifth sixth next previous cover covers covered talk talks discuss discusses
    deal deals handle handles focus focuses go goes into give me list quick quickly time read reading
    many much long number count cover verdict older newer view position stance take opinion answer question problem
    issue ask raise address pose tackle sentence sentences very right after before recent new put yr
    academic scholar professor journalist expert researcher analyst historian
    need needed bibliography citation cite apa mla reference asap full info ran originally original
    provide whole upshot version sum real pro anti favour favor stand oppose opposed recommendation advice
    want support recommend advocate back endorse side yes pros cons con regarding concerning
    guy person man woman prof official officials government diplomat researcher journalist works located
    employer workplace institution
    """.split()
)
# What makes a cue about the document rather than about what a conversation discusses: the document
# named ("the essay", "this", the author, writing) or a word only a document has (its sections, title,
# summary, publication). In a conversation, "what year?", "what part did the US play?" or "how did it
# end?" without one of these follow up the last question ("it" is the treaty just asked about).
DOCUMENT_NOUNS = (
    r"essays?",
    r"articles?",
    r"piece",
    r"paper",
    r"text",
    r"document",
    r"doc",
    r"writing",
    r"book",
    r"post",
    r"op-?ed",
    r"report",
)
AUTHOR_NOUNS = (r"author'?s?", r"writer'?s?")
# The document or its author named ("what does the essay say about japan?"): a message about the corpus,
# whatever the turn before it was about.
# A question word alone, which a front-matter answer just before answers: "where?" after "when was it
# published?", "who?" after "who wrote it?".
ASKS_A_FACT = re.compile(r"^(?:(?:and|so|ok|oh|um+)\W+)?(?:where|when|who|whom|by whom)\W*$")
# A question about every document at once: "what documents do you have?", "which one is newer?", "who
# wrote these?".
ALL_DOCUMENTS = pattern(
    WHICH_DOCUMENTS,
    THE_CORPUS,
    r"(?:both|all|each) (?:of them|of these|of the (?:documents|essays|articles|papers))",
    r"these (?:documents|docs|essays|articles|papers|texts)",
    WHICH_IS_NEWER,
)
NAMES_DOCUMENT = pattern(
    *(f"(?:{noun})(?:'s)?" for noun in (*DOCUMENT_NOUNS, *AUTHOR_NOUNS)),  # "this essay's conclusions"
    # "what does it say about the US?": what says things is the document
    r"(?:does|did|do) (?:it|this|they) (?:say|mention|talk|discuss|cover)",
)
ANCHORS = pattern(
    *DOCUMENT_NOUNS,
    r"this",
    # Documents are what gets written: "who wrote it?" asks for the author even mid-conversation.
    r"wrote",
    r"written",
    r"writes",
    r"penned",
    r"authored",
    *AUTHOR_NOUNS,
    # The author's attributes: "what uni?", "where does he teach?" ask about the author mid-conversation too.
    r"uni(?:versity)?",
    r"institut\w*",
    r"department",
    r"faculty",
    r"affiliat\w*",
    r"teach\w*",
    r"professor",
    r"credentials",
    r"bio",
    r"occupation",
    r"for a living",
    r"summar\w*",
    r"(?:the )?whole (?:thing|essay|article|piece|text|paper)",
    r"gist",
    r"tl ?;? ?dr",
    r"overview",
    r"thesis",
    r"takeaways?",
    r"(?:main|key|central|overall|core) (?:point|points|idea|ideas|argument|arguments|message|claim|theme)",
    *PARTS,
    r"titled?",
    r"headline",
    r"publish\w*",
    r"publication",
    *OUTLETS,
    *CITING,
    r"conclusion",
    r"concluding",
    # What only the author gives: "so whats his recommendation?" mid-conversation asks for his conclusion.
    r"(?:his|her) (?:own |final |overall |actual |real )?(?:recommendations?|advice|verdict|bottom line)",
    r"what (?:does|did|would) (?:he|she) (?:recommend|advise|conclude)",
    r"(?:last|final|closing) (?:paragraph|lines?|words|thoughts|remarks|sentences?|point)",
)
# The outline facet with a topic asks *which* section holds it; otherwise topic words make it content.
WHICH_SECTION = pattern(
    r"(?:which|what) (?:section|part|chapter|heading|subsection)s?",
    r"(?:section|part|chapter|heading|subsection)s? (?:on|about|covering|that covers|dealing with|where)",
    # "where in the essay is that?"
    rf"where in (?:the |this )?(?:{DOCUMENT_WORDS}) (?:is|are|was|does|do)\b",
    r"where (?:does|do|is|are) (?:the |this )?(?:essay|article|piece|paper|text|author|writer|it|he|she) "
    r"(?:talk|discuss|cover|deal|write|mention|address|go into|go over|get into|weigh)",
    r"(?:after|before|follows|precedes) the [\w\s'-]+ (?:section|part|chapter)",
)
# Numbers as people spell them, 1 to 99: "twelve", "twenty-one"; "twelfth", "twenty first". Whole
# words only, and the longest first in a pattern, so that "twenty one" is not read as "twenty".
_UNITS = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_UNIT_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth".split()
_TEEN_ORDINALS = "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split()
_TEN_ORDINALS = "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth".split()


def _spelled(units: Sequence[str], teens: Sequence[str], round_tens: Sequence[str]) -> dict[str, int]:
    said = {word: number for number, word in enumerate(units, 1)}
    said |= {word: number for number, word in enumerate(teens, 10)}
    for tens, (ten, round_ten) in enumerate(zip(_TENS, round_tens, strict=True), 2):
        said[round_ten] = 10 * tens
        for number, unit in enumerate(units, 1):
            said[f"{ten} {unit}"] = said[f"{ten}-{unit}"] = 10 * tens + number
    return said


def alternation(said: dict[str, int] | frozenset[str]) -> str:
    """The words of ``said`` as one regular-expression alternation, longest first."""
    return "|".join(re.escape(word) for word in sorted(said, key=len, reverse=True))


NUMBER_WORDS = _spelled(_UNITS, _TEENS, _TENS)
# Places counted from either end: a section ("the second part", "the last section") or a paragraph.
ORDINALS = {
    **_spelled(_UNIT_ORDINALS, _TEEN_ORDINALS, _TEN_ORDINALS),
    "opening": 1,
    "second to last": -2,
    "next to last": -2,
    "penultimate": -2,
    "last": -1,
    "final": -1,
    "closing": -1,
}
# "1st", "22nd", "19th".
DIGIT_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)"


# English words that stand for something said before (leans_on_context). Not "their", "these":
# "these days", "their border" are as common in a question of its own.
POINTERS = frozenset(
    "it its it's that that's this they them he him his she her there then else instead one ones same too also".split()
)
# The pointers that stand for a thing said before, not a person: in "does he mention trump?" the author (or
# whoever was just named) is asked about a new subject, so "he" does not tie it to what was said
# (turns.refers_back).
THING_POINTERS = POINTERS - frozenset("he him his she her".split())
# "this year", "these days" point at now, not at something said before.
NOW = pattern(
    r"this (?:year|week|month|century|decade|morning|summer|winter|spring|autumn|fall)", r"these days"
)
# Openings that continue the conversation: "and in 1950?", "what about russia?", "anything about dalian?"
# ("is there anything in it about ...", said short).
CONTINUING = frozenset({"and", "but", "so", "or", "what about", "how about", "anything", "anyone", "anybody"})
# Content words a message needs to stand on its own (docs/retrieval-history.md, round 9). From 2, of
# 250 short off-topic chat messages ("population of japan", "what is photosynthesis") each asked after
# an on-topic question, 199 are refused (from 3, 173; asked alone, 212); the 320 calibration follow-ups
# refused stay at 3 once a message opening "anything"/"anyone" continues (without that, 5; from 1, 6).
STANDS_ALONE = 2


COUNTED = re.compile("section|sec |part|chapter|heading|one|intro")
SPELLED = {
    "wat": "what",
    "wut": "what",
    "whats": "what's",
    "wats": "what's",
    "whos": "who's",
    "wen": "when",
    "nxt": "next",
    "prev": "previous",
    "hw": "how",
    "abt": "about",
    "u": "you",
    "ur": "your",
    "y": "why",
    "wo": "who",
    "ths": "this",
    "writen": "written",
    "writed": "wrote",
    "titel": "title",
    "teh": "the",
    "wrot": "wrote",
    "authr": "author",
    "auther": "author",
    "writter": "writer",
    "tittle": "title",
    "summery": "summary",
    "wich": "which",
    "wdym": "what do you mean",
}
# Whole words only, never inside "u.s." or "y'all"; "y" only as a question opens ("y not", "y did it").
CHAT_SPELLING = re.compile(
    rf"(?<![\w.'-])(?:{'|'.join(SPELLED)})(?![\w.'-])|^y(?= (?:not|did|do|does|is|are|was|would|should)\b)"
)
YEAR = re.compile(r"\d{4}")
# The words a question opens with, as people type them in a chat.
ASKING_WORDS = frozenset("why how what what's when where who which whose".split())
# What may open a question after small talk, before its question word: "ok unrelated but how do i ...".
LEADING = frozenset(
    "and but so then well also btw anyway anyways unrelated random quick real question".split()
)
AUXILIARIES = frozenset(
    "is are was were do does did can could would will should has have had isn't wasn't doesn't didn't".split()
)
# Where a message's sentences part: a cue's topic is what its own sentence names (turns.read_turn).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Requests that open a question as a question word would: "ok list them with years pls".
REQUESTS = frozenset(
    "list give show tell explain quote name summarize summarise describe compare define".split()
)
PREPOSITIONS = frozenset("over under for in into to about since until from by with on at of".split())
POINTING = pattern("that", "it", "this", "those", "these", "them")
PLAYS_A_PART = pattern(r"part (?:[\w.'-]+ ){0,6}play(?:s|ed|ing)?")
# Paragraphs asked for by the numbers citations give them: "¶5", "paragraph 12", "para. 3", "par #7",
# "paragraphs 12 to 14", "¶12–14", "paragraph twenty"; or by counting ("the first paragraph", "the
# second to last paragraph"; the last alone is the ending).
_PARAGRAPH_NUMBER = rf"(\d{{1,4}}|{alternation(NUMBER_WORDS)})"
PARAGRAPH_NUMBERS = re.compile(
    rf"(?:¶\s*|(?<![\w'])(?:parag[a-z]*|paras?|pars?)\.?\s*(?:no\.?\s*|number\s*|#\s*)?){_PARAGRAPH_NUMBER}"
    rf"(?:\s*(?:-|–|—|to|through|thru|and|&)\s*(?:¶\s*)?{_PARAGRAPH_NUMBER})?(?![\w-])"
)
_PARAGRAPH_WORD = r"(?:parag[a-z]*|paras?)\b"
COUNTED_PARAGRAPH = re.compile(
    r"(?<![\w'])("
    + alternation(frozenset(word for word, number in ORDINALS.items() if number != -1))
    + rf"|{DIGIT_ORDINAL}) {_PARAGRAPH_WORD}"
)
# "the first three paragraphs", "the last 2 paras": paragraphs counted from either end.
_HOW_MANY = rf"({alternation(NUMBER_WORDS)}|\d{{1,2}})"
FIRST_PARAGRAPHS = re.compile(rf"(?<![\w'])first {_HOW_MANY} {_PARAGRAPH_WORD}")
LAST_PARAGRAPHS = re.compile(rf"(?<![\w'])(?:last|final|closing) {_HOW_MANY} {_PARAGRAPH_WORD}")
# A place counted from the one just quoted: "the next section", "previous paragraph", "the part after
# that"; and, when the reply before was such a place, "and the next one?", "go back one", "what comes
# before it?".
_SECTION_NOUN = r"sections?|sec|chapters?"
_PLACE_NOUN = rf"{_SECTION_NOUN}|parts?|parag[a-z]*|paras?"
STEPS = {
    "next": 1,
    "following": 1,
    "after": 1,
    "forward": 1,
    "previous": -1,
    "preceding": -1,
    "prior": -1,
    "before": -1,
    "back": -1,
}
STEPPED_PLACE = re.compile(
    rf"(?<![\w'])(?:(next|following|previous|preceding|prior) ({_PLACE_NOUN})"
    rf"|({_PLACE_NOUN}) (after|before)(?= (?:that|this|it)\b|[\s?.!]*$))(?![\w'])"
)
# A section next to one counted from either end: "the section right after the intro", "the part before
# the last one" (turns.step_from_counted reads what follows "after"/"before").
NEXT_TO_COUNTED = re.compile(
    rf"(?<![\w'])(?:{_SECTION_NOUN}|parts?|one) (?:that )?(?:comes? )?(?:right |just |immediately |directly )?"
    r"(after|before) (.+)$"
)
STEPPED_ONE = re.compile(
    r"(?<![\w'])(?:(next|following|previous|preceding|prior) one"
    r"|one (after|before)(?= (?:that|this|it)\b|[\s?.!]*$)"
    r"|(?:go |move )?(back|forward) one|go (back)\b"
    r"|comes? (before|after)(?: (?:that|this|it))?[\s?.!]*$)(?![\w'])"
)
SECTION_NOUN = re.compile(rf"^(?:{_SECTION_NOUN})$")
# The author's view of something: "what does <his name> think about an alliance?" asks where he comes down on
# the document's own question when the something is in its title's words only (turns.read_turn).
VIEW_OF = pattern(
    r"(?:does|did|do) (?:the )?(?:author|writer|he|she)(?: (?:actually|really|personally|himself|herself))? "
    r"(?:think|feel|believe) (?:(?:about|of|on|regarding)|(?:that )?(?:they|both|the two(?: countries)?|[\w-]+ and [\w-]+) "
    r"(?:should|ought to|must|need to))"
)
# "what's the main argument against an alliance?" asks for one side's case, which the document weighs: a
# content question, not the summary ("what's the main argument?").
ONE_SIDES_CASE = pattern(
    r"(?:arguments?|case|reasons?|points?|claims?) (?:for|against|in favou?r of|in support of)(?! (?:it|this)\b)"
)
# "is that the author's view?" asks whether what was just quoted is the author's own: a follow-up, not the summary.
POINTED_VIEW = pattern(
    r"(?:is|was|are|were) (?:that|this|it|these|those) (?:the |his |her )?(?:(?:author|writer)(?:'?s)? )?(?:own )?"
    r"(?:view|opinion|position|take|stance|verdict)s?"
)
# A section counted from either end: "the second part", "the 3rd section", "second to last section", or
# one counted in a conversation about sections ("and the third one?"); "the intro" is the first.
COUNTED_SECTION = re.compile(
    rf"(?<![\w'])({alternation(ORDINALS)}|{DIGIT_ORDINAL}) (?:section|part|chapter|heading|one)s?(?![\w'])"
    r"|(?<![\w'])(?:the|its) (intro)(?:duction)?(?![\w'])"
)
SECTION_WORD = pattern(r"sections?", r"sec", r"parts?", r"chapters?", r"intro(?:duction)?")
# A section counted by its number: "section 3", "part two", "sec 2".
COUNTED_BY_NUMBER = re.compile(
    rf"(?<![\w'])(?:section|sec|part|chapter)\.? (\d{{1,2}}|{alternation(NUMBER_WORDS)})(?![\w'-])"
)
# What asks for a counted section's text rather than its name: "what does section 3 say?", "summarize
# part 2", "what's the intro about?"; "what's the last section called?" asks for its name.
SECTION_TEXT = pattern(
    r"say|says|said|about|summar\w*|gist|quote|show|read|give|contents?|covers?|discuss\w*|argue\w*|tell",
    r"recap|tl ?;? ?dr|what'?s in|what is in|start|beginning|begins|opens",
)
CHAT_WORDS_RE = re.compile("|".join(f"(?:{cue.pattern})" for _, cue in CHAT_CUES))
# Small talk at either end of a message, with the punctuation and spaces around it.
LEAD_IN = re.compile(rf"[\s,.!;:~-]*(?:{CHAT_WORDS_RE.pattern})[\s,.!;:~-]*")
TRAIL = re.compile(rf"(?<=[,.!?;:~-])\s*(?:{CHAT_WORDS_RE.pattern})[\s,.!?;:~-]*$")  # "...? thanks"
