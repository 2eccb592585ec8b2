"""An all-MiniLM-L6-v2 encoder on ONNX Runtime, exported locally from the shipped weights (optional).

Needs ``onnxruntime`` (and ``onnx`` for the export); the benchmark skips this part when they are missing.
Serving needs neither torch nor sentence-transformers: ``tokenizers`` reads the model's tokenizer.json
and ONNX Runtime runs the graph; mean pooling and normalisation are done here as the model's
sentence-transformers modules do them (Transformer → mean Pooling → Normalize).
"""

import json
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)


def export(model_dir: Path, out_file: Path) -> Path:
    """Write the transformer of ``model_dir`` as ONNX (dynamic batch and length); needs torch once."""
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Transformer(torch.nn.Module):
        """Three tensors in, token vectors out: the one signature the exported graph needs."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = (
        torch.ones((2, 8), dtype=torch.int64),
        torch.ones((2, 8), dtype=torch.int64),
        torch.zeros((2, 8), dtype=torch.int64),
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad():
        torch.onnx.export(
            Transformer(),
            example,
            str(out_file),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]},
            opset_version=17,
            dynamo=False,
        )
    return out_file


class OnnxEncoder:
    """``encode`` as the index's Embedder protocol has it; ``encode_with_tokens`` as the real one does."""

    def __init__(
        self, model_dir: Path, onnx_file: Path, *, model_id: str, weights_sha256: str, threads: int = 0
    ):
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        # Idle pool threads would otherwise spin for a while after each run, taking the cores from torch
        # (and anything else) running next on a small machine: measured, that skews every comparison.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        config = json.loads((model_dir / "config.json").read_text())
        named = json.loads((model_dir / "special_tokens_map.json").read_text()).values()
        tokens = [value["content"] if isinstance(value, dict) else value for value in named]
        # Special ids are left out of token vectors, as the torch embedder leaves them out ([UNK] too).
        self._special = {self._tokenizer.token_to_id(token) for token in tokens} - {None}
        self.model_id = model_id
        self.weights_sha256 = weights_sha256
        self.dimension = int(config["hidden_size"])
        self.batch_size = 32

    def _forward(self, texts: list[str]):
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (tokens,) = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
        return encodings, mask, tokens

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), self.batch_size):
            _, mask, tokens = self._forward(texts[start : start + self.batch_size])
            parts.append(_pool(tokens, mask))
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)

    def encode_with_tokens(self, texts: list[str]):
        from index.embedding import TokenEncoding

        out = []
        for start in range(0, len(texts), self.batch_size):
            encodings, mask, tokens = self._forward(texts[start : start + self.batch_size])
            pooled = _pool(tokens, mask)
            for row, encoding in enumerate(encodings):
                keep = [n for n, i in enumerate(encoding.ids) if i not in self._special]
                vectors = tokens[row, keep].astype(np.float32)
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
                out.append(
                    TokenEncoding(
                        vector=np.ascontiguousarray(pooled[row]),
                        tokens=np.ascontiguousarray(vectors),
                        pieces=tuple(encoding.tokens[n] for n in keep),
                    )
                )
        return out


def _pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    summed = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)
