"""Scoring sentences against a question, and deciding whether a document addresses it, with the fitted numbers."""
