"""Turning text into vectors: the model on torch or ONNX Runtime, its export, and the embedding cache."""
