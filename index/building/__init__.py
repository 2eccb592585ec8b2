"""Building the index from the corpus folder: cut into units, embed, publish; and telling when it is stale."""
