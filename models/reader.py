"""The reader: a small trained model that reads (question, text) pairs.

One MiniLM encoder (fine-tuned from the packaged all-MiniLM-L6-v2 weights on RealTime QA
*train*) with two heads, so one pass gives both:

- **relevance**: the chance that the text holds the answer (a cross-encoder);
- **span**: where the short answer starts and ends inside the text ("Vladivostok"), its
  ``SPANS_KEPT`` likeliest spans.

The shipped weights read whole passages (``training/train_passage_reader.py``, their
manifest says ``"reads": "passages"`` and how many word pieces); weights trained by
``training/train_reader.py`` read sentences. ``qa`` picks the answerer that fits.

One model rather than two because two fp16 MiniLMs (91 MB) would not fit the 60 MB budget
for shipped weights, and one pass per pair halves the cost per question. The weights ship
in ``models/shipped/reader/`` as fp16 safetensors with a SHA-256 the loader checks; they load
offline, lazily, once per process (``Reader.shared()``): by default as an int8 ONNX model
built from them once per machine, else in torch as fp32 with int8 linear layers.
"""

from __future__ import annotations

import json
import math
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .encoders import DEFAULT_BACKEND, Backend
from .errors import ReaderError
from .onnx_build import built_model, export, model_inputs, session
from .weights import WEIGHTS, file_sha256

TRAIN_COMMAND = ".venv/bin/python training/train_passage_reader.py"
MANIFEST = "reader.json"
MAX_TOKENS = 128  # question and text together, in word pieces (unless the manifest says)
MAX_ANSWER_TOKENS = 12  # the longest short answer, in word pieces
SPANS_KEPT = 5  # spans kept per reading, for spans found in several passages to add up
CACHE_SIZE = 20_000  # (question, sentence) readings kept


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader makes of one sentence for one question."""

    relevance: float  # chance that the sentence holds the answer
    start: int = -1  # the short answer's span in the sentence (-1: none found)
    end: int = -1
    span_score: float = 0.0  # chance of that span among the sentence's spans
    spans: tuple[tuple[int, int, float], ...] = ()  # the likeliest spans, best first

    @property
    def confidence(self) -> float:
        """Chance that the sentence answers and this span is the answer."""
        return self.relevance * self.span_score


def default_folder() -> Path:
    return Path(str(resources.files("models") / "shipped" / "reader"))


def build_model(config: Any) -> Any:
    """The network: a BERT encoder, a relevance head on [CLS], a start/end head per token."""
    import torch
    from transformers import BertModel

    class ReaderModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = BertModel(config, add_pooling_layer=False)
            self.relevance = torch.nn.Linear(config.hidden_size, 1)
            self.span = torch.nn.Linear(config.hidden_size, 2)

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            start, end = self.span(hidden).unbind(-1)
            return self.relevance(hidden[:, 0]).squeeze(-1), start, end

    return ReaderModel()


class Reader:
    """Reads (question, text) pairs with the shipped model; thread-safe, cached.

    ``backend="onnx"`` (the default) runs the int8 ONNX export of the weights
    (``models.onnx_build``); ``"torch"`` runs them in torch with int8 linear layers.
    Both read the pairs with the model's own ``tokenizers`` tokenizer.
    """

    _shared: dict[tuple[Path, str], Reader] = {}  # noqa: RUF012 (one per folder, backend, process)
    _shared_lock = threading.Lock()

    def __init__(
        self, folder: Path | None = None, quantize: bool = True, backend: Backend = DEFAULT_BACKEND
    ) -> None:
        self.folder = Path(folder or default_folder())
        self.manifest = self._check(self.folder)
        # the sentence reader's refusal floor (on its lead model); a passage reader has none
        self.min_relevance: float = self.manifest.get("min_relevance", 0.0)
        self.min_short: float = self.manifest["min_short"]  # short answer's least confidence
        self.max_tokens: int = int(self.manifest.get("max_tokens", MAX_TOKENS))
        # weights trained on whole passages (train_passage_reader.py), else on sentences
        self.reads_passages: bool = self.manifest.get("reads") == "passages"
        self.quantize = quantize
        self.backend = backend
        self._model: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], Reading] = OrderedDict()

    @classmethod
    def shared(cls, folder: Path | None = None, backend: Backend = DEFAULT_BACKEND) -> Reader:
        """The process's one reader over the weights in ``folder`` (default: shipped)."""
        key = (Path(folder or default_folder()).resolve(), backend)
        with cls._shared_lock:
            if key not in cls._shared:
                cls._shared[key] = cls(key[0], backend=backend)
            return cls._shared[key]

    @staticmethod
    def _check(folder: Path) -> dict[str, Any]:
        manifest_path = folder / MANIFEST
        weights = folder / WEIGHTS
        if not manifest_path.is_file() or not weights.is_file():
            missing = manifest_path if not manifest_path.is_file() else weights
            raise ReaderError(
                f"the reader model is missing ({missing} not found); rebuild it from the "
                f"RealTime QA train split with `{TRAIN_COMMAND}`"
            )
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = manifest.get("sha256", "")
        actual = file_sha256(weights)
        if actual != expected:
            raise ReaderError(
                f"the reader weights {weights} have SHA-256 {actual[:12]}…, but {MANIFEST} "
                f"names {expected[:12] or 'none'}…: the file is damaged or from another "
                f"training run. Restore it (git checkout) or retrain with `{TRAIN_COMMAND}`"
            )
        return manifest

    def _load(self) -> tuple[Any, Any]:
        with self._load_lock:
            if self._model is None:
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                tokenizer.enable_truncation(self.max_tokens, strategy="longest_first")
                tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0)
                if self.backend == "onnx":
                    path = built_model("reader", self.folder, lambda out: self._export(out))
                    # one thread a pair: pairs are short, and answers asked at once then
                    # share the cores (see models.encoders.OnnxEncoder._session)
                    self._model = OnnxNetwork(session(path, threads=1))
                else:
                    self._model = TorchNetwork(self._torch_model(self.quantize))
                self._tokenizer = tokenizer
            return self._model, self._tokenizer

    def _torch_model(self, quantize: bool, eager: bool = False) -> Any:
        import torch
        from safetensors.torch import load_file
        from transformers import BertConfig

        config = BertConfig.from_json_file(str(self.folder / "config.json"))
        if eager:
            config._attn_implementation = "eager"  # what ONNX Runtime fuses into Attention
        model = build_model(config)
        state = {k: v.float() for k, v in load_file(self.folder / WEIGHTS).items()}
        model.load_state_dict(state)
        model.eval()
        if quantize:
            with warnings.catch_warnings():  # torch.ao is deprecated for torchao
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(
                    model, {torch.nn.Linear}, dtype=torch.qint8
                )
        return model

    def _export(self, path: Path) -> None:
        import torch

        ids = torch.ones(2, 16, dtype=torch.long)
        inputs = {"input_ids": ids, "attention_mask": ids, "token_type_ids": ids * 0}
        export(self._torch_model(False, eager=True), inputs, ["relevance", "start", "end"], path)

    def read(self, question: str, texts: Sequence[str], batch: int = 0) -> list[Reading]:
        """One ``Reading`` per text, in order; repeated pairs come from a cache.

        ``batch`` pairs are read at once (0: one at a time on the ONNX model, whose
        activations are quantized per call, so that a pair's reading never depends on the
        pairs read beside it — nor on what was asked before and cached; 32 in torch, as
        before the ONNX backend)."""
        batch = batch or (1 if self.backend == "onnx" else 32)
        out: dict[int, Reading] = {}
        todo = []
        for i, text in enumerate(texts):
            hit = self._cache.get((question, text))
            if hit is not None:
                out[i] = hit
            else:
                todo.append(i)
        if todo:
            model, tokenizer = self._load()
            # similar lengths together: less padding
            todo.sort(key=lambda i: len(texts[i]))
            for at in range(0, len(todo), batch):
                part = todo[at : at + batch]
                readings = self._run(model, tokenizer, question, [texts[i] for i in part])
                for i, reading in zip(part, readings, strict=True):
                    out[i] = reading
            with self._cache_lock:
                for i in todo:
                    self._cache[(question, texts[i])] = out[i]
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [out[i] for i in range(len(texts))]

    def _run(self, model: Any, tokenizer: Any, question: str, texts: list[str]) -> list[Reading]:
        encodings = tokenizer.encode_batch([(question, text) for text in texts])
        relevance, start, end = model(model_inputs(encodings))
        out = []
        for row, enc in enumerate(encodings):
            in_text = [j for j, s in enumerate(enc.sequence_ids) if s == 1]
            prob = 1.0 / (1.0 + math.exp(-float(relevance[row])))
            spans = tuple(
                (enc.offsets[i][0], enc.offsets[j][1], p)
                for i, j, p in top_spans(start[row], end[row], in_text, SPANS_KEPT)
            )
            if not spans:
                out.append(Reading(prob))
                continue
            out.append(Reading(prob, spans[0][0], spans[0][1], spans[0][2], spans))
        return out


class OnnxNetwork:
    """The reader's network in ONNX Runtime: arrays in, (relevance, start, end) out."""

    def __init__(self, sess: Any) -> None:
        self.session = sess

    def __call__(self, arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        return tuple(self.session.run(None, arrays))


class TorchNetwork:
    """The reader's network in torch: arrays in, (relevance, start, end) out."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        import torch

        with torch.inference_mode():
            out = self.model(**{k: torch.from_numpy(v) for k, v in arrays.items()})
        return tuple(t.float().numpy() for t in out)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def top_spans(start: Any, end: Any, tokens: list[int], n: int) -> list[tuple[int, int, float]]:
    """The ``n`` likeliest (first token, last token, chance) among the text's tokens, at
    most ``MAX_ANSWER_TOKENS`` long; chances are softmaxes over the text's tokens."""
    if not tokens:
        return []
    idx = np.asarray(tokens)
    ps = _softmax(np.asarray(start, dtype=np.float64)[idx])
    pe = _softmax(np.asarray(end, dtype=np.float64)[idx])
    size = len(tokens)
    allowed = np.triu(np.ones((size, size), dtype=bool)) & ~np.triu(
        np.ones((size, size), dtype=bool), k=MAX_ANSWER_TOKENS
    )
    joint = np.where(allowed, ps[:, None] * pe[None, :], 0.0).ravel()
    best = np.argsort(-joint, kind="stable")[:n]
    return [(tokens[k // size], tokens[k % size], float(joint[k])) for k in best if joint[k] > 0]
