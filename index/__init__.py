"""The answer engine: corpus parsing, the embedded index on disk, and retrieval of cited excerpts."""
