"""Reading the corpus: Markdown documents, their paragraphs and sentences, and text normalisation."""
