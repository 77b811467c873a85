"""Shipped weights are checked against the SHA-256 their manifest records before use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models import ModelError, SentenceEmbeddings
from models import embeddings as embedding_module
from models.weights import MANIFEST, WEIGHTS, check_weights, file_sha256


def _shipped(folder: Path, content: bytes, recorded: bytes) -> Path:
    folder.mkdir()
    (folder / WEIGHTS).write_bytes(content)
    (folder / "config.json").write_text("{}")
    (folder / MANIFEST).write_text(json.dumps({"sha256": file_sha256(_file(folder, recorded))}))
    return folder


def _file(folder: Path, content: bytes) -> Path:
    other = folder.parent / "recorded.bin"
    other.write_bytes(content)
    return other


def test_weights_matching_their_manifest_pass(tmp_path: Path) -> None:
    folder = _shipped(tmp_path / "model", b"weights", b"weights")
    assert check_weights(folder, "python training/x.py") is None
    assert check_weights(tmp_path, "python training/x.py") is None  # no manifest: nothing to check


def test_other_weights_are_refused_naming_the_training_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _shipped(tmp_path / "model", b"tampered", b"weights")
    problem = check_weights(folder, "python training/train_embedder.py")
    assert problem and "is not the file manifest.json names" in problem
    assert "python training/train_embedder.py" in problem
    monkeypatch.setitem(embedding_module.SHIPPED, "news-minilm", folder)
    with pytest.raises(ModelError, match=r"train_embedder\.py"):
        SentenceEmbeddings("news-minilm").model_name()
