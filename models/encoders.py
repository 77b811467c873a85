"""The two ways a sentence-transformers model turns texts into vectors.

- ``onnx`` (the default): the model exported and quantized to int8 per channel
  (``onnx_build.py``), run by ONNX Runtime with the model's own ``tokenizers`` tokenizer;
  no torch in the process. About twice as fast on two cores, cosine 0.99 to fp32.
- ``torch``: the model in fp32 through sentence-transformers, as it was trained.

The ONNX model reads one text at a time: its activations are quantized per call, so in a
batch a text's vector would depend on its neighbours (cosine 0.993 between the two), and
unpadded single texts are faster anyway on two cores (69 chunks/s against 56 at batch 32).
Torch batches texts sorted by length, padded to the longest of each batch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from .onnx_build import built_model, export, model_inputs, session

Backend = Literal["onnx", "torch"]
BACKENDS: tuple[Backend, ...] = ("onnx", "torch")
DEFAULT_BACKEND: Backend = "onnx"
MAX_WORDPIECES = 256  # where all-MiniLM-L6-v2 truncates (special tokens included)
BATCH = 32  # texts per torch batch
SHORT_TOKENS = 64  # a text up to this many word pieces runs on one thread (ONNX)


class Encoder(Protocol):
    """Texts → unit-length rows; and how many word pieces a text is."""

    max_tokens: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def max_seq_length(folder: Path) -> int:
    """The model's own truncation length (``sentence_bert_config.json``)."""
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 512))
    return MAX_WORDPIECES


class TorchEncoder:
    """fp32 sentence-transformers on the CPU."""

    def __init__(self, folder: Path) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        self.model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self.model.float()  # shipped weights may be fp16: the CPU runs fp32
        self.max_tokens = int(self.model.max_seq_length or MAX_WORDPIECES)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            self.model.encode(
                list(texts), batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True
            ),
            dtype=np.float32,
        )

    def count_tokens(self, text: str) -> int:
        enc = self.model.tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
        return len(enc["input_ids"])


class OnnxEncoder:
    """The int8 ONNX export of the same model, with its ``tokenizers`` tokenizer."""

    def __init__(self, folder: Path, threads: int = 0) -> None:
        from tokenizers import Tokenizer

        from .errors import ModelError

        if not (folder / "tokenizer.json").is_file():
            raise ModelError(
                f"the model in {folder} has no tokenizer.json, which the ONNX backend reads; "
                "set ARTICLE_QA_BACKEND=torch to run it with sentence-transformers"
            )
        self.max_tokens = max_seq_length(folder)
        self._counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.no_padding()
        self._path = built_model("embedder", folder, _exporter(folder))
        self._threads = threads
        self._sessions: dict[bool, Any] = {}
        self._inputs = [i.name for i in self._session(short=True).get_inputs()]

    def _session(self, short: bool) -> Any:
        """A session per kind of text: a short one (a question, a sentence) runs on one
        thread — on two cores, answers asked at once then share the cores instead of
        fighting over them (8 at once: 30 % faster), and alone it is as fast; a chunk
        runs on every core (10 % faster at ingest)."""
        if short not in self._sessions:
            self._sessions[short] = session(self._path, 1 if short else self._threads)
        return self._sessions[short]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        rows = []
        for enc in self._tokenizer.encode_batch(list(texts)):
            feed = {k: v for k, v in model_inputs([enc]).items() if k in self._inputs}
            short = len(enc.ids) <= SHORT_TOKENS
            rows.append(self._session(short).run(None, feed)[0][0])
        return np.vstack(rows).astype(np.float32, copy=False)

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text).ids)


def _exporter(folder: Path) -> Any:
    """Builds the fp32 ONNX graph of the sentence-transformers model in ``folder``: its
    transformer, pooling and normalisation in one graph, vectors out."""

    def build(path: Path) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(
            str(folder),
            device="cpu",
            local_files_only=True,
            model_kwargs={"attn_implementation": "eager"},  # fused by ONNX Runtime
        )
        model.float()  # exported (then quantized) from fp32, whatever the weights' dtype
        features = model.preprocess(["an example sentence", "and one more"])

        class Vectors(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
                out = self.model(dict(zip(features, tensors, strict=True)))["sentence_embedding"]
                return torch.nn.functional.normalize(out, p=2, dim=1)

        export(Vectors(), dict(features), ["embedding"], path)

    return build


def open_encoder(folder: Path, backend: Backend) -> Encoder:
    """The model in ``folder`` on ``backend``."""
    if backend == "torch":
        return TorchEncoder(folder)
    return OnnxEncoder(folder)
