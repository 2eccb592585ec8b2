"""The answer engine, laid out by stage."""

# ``corpus`` (parsing), ``encoding`` (text to vectors), ``building`` (the index from the corpus
# folder), ``storage`` (the index on disk), ``scoring`` (sentences against a question, with the fitted
# numbers) and ``answering`` (from a message to cited, verbatim excerpts).
