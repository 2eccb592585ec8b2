"""The index on disk, and the durable-file helpers that write it."""
