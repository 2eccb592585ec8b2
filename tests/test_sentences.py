from index.corpus.sentences import split_sentences


def texts(paragraph: str) -> list[str]:
    return [paragraph[start:end] for start, end in split_sentences(paragraph)]


def test_sentences_split_at_full_stops_and_keep_offsets():
    paragraph = "The conclusion is simple. China and Russia should maintain a partnership! Why? Because."
    assert texts(paragraph) == [
        "The conclusion is simple.",
        "China and Russia should maintain a partnership!",
        "Why?",
        "Because.",
    ]


def test_us_abbreviation_inside_a_sentence_does_not_split_it():
    paragraph = "The Soviet Union supplied a loan worth 250 million U.S. dollars to China. It was large."
    assert texts(paragraph) == [
        "The Soviet Union supplied a loan worth 250 million U.S. dollars to China.",
        "It was large.",
    ]


def test_us_abbreviation_at_a_sentence_end_splits_before_a_new_sentence():
    paragraph = "Now the ball is on the side of the U.S. Surely the U.S. thinks it is the other way."
    assert texts(paragraph) == [
        "Now the ball is on the side of the U.S.",
        "Surely the U.S. thinks it is the other way.",
    ]


def test_closing_quotes_stay_with_their_sentence():
    paragraph = "They prefer a policy of “sitting on top of the mountain”. Taking all into account, no."
    assert texts(paragraph)[0] == "They prefer a policy of “sitting on top of the mountain”."


def test_a_paragraph_without_final_punctuation_is_one_sentence():
    assert texts("  A heading-like line without a stop  ") == ["A heading-like line without a stop"]
