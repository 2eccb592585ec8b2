"""From a message to an Answer: reading the turn, the conversation, quoting excerpts, and replies about the documents."""
