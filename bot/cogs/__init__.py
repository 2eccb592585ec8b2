"""One feature per cog: asking, the answer buttons, /about, and /reindex."""
