"""The trained reader (models/reader.py): the shipped weights, their check, what they read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from models import WEIGHTS
from models.reader import MANIFEST, TRAIN_COMMAND, Reader, ReaderError, default_folder

SENTENCES = [
    "Kim is expected to meet Putin in the Russian port city of Vladivostok.",
    "Vladivostok will be hosting the Eastern Economic Forum until Wednesday.",
    "The weather in Seoul was mild on Monday.",
]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.shared()


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "reader"
    shutil.copytree(default_folder(), folder)
    return folder


def test_shipped_weights_are_small_and_documented() -> None:
    folder = default_folder()
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert size <= 60 * 1024 * 1024, size
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["reads"] == "passages" and manifest["max_tokens"] == 256
    assert 0 <= manifest["min_short"] < 1
    card = (folder / "README.md").read_text()
    for needed in ("RealTime QA", "train", "Apache-2.0", "licence", "train_passage_reader.py"):
        assert needed in card


def test_missing_weights_name_the_training_command(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / WEIGHTS).unlink()
    with pytest.raises(ReaderError, match="missing") as err:
        Reader(folder)
    assert TRAIN_COMMAND in str(err.value)


def test_damaged_weights_fail_the_hash_check(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    data = bytearray((folder / WEIGHTS).read_bytes())
    data[-1] ^= 0xFF
    (folder / WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(ReaderError, match="SHA-256") as err:
        Reader(folder)
    assert TRAIN_COMMAND in str(err.value)


def test_one_reader_per_process_and_folder() -> None:
    assert Reader.shared() is Reader.shared(default_folder())


def test_scores_are_deterministic_and_ordered(reader: Reader) -> None:
    """The same batch in any order gives the same scores. (int8 activations are scaled per
    batch, so a score may move by ~0.005 with other batch mates: both reads start from an
    empty cache so that they read the same batch.)"""
    question = "Where is Kim expected to meet Putin?"
    reader._cache.clear()
    first = reader.read(question, SENTENCES)
    reader._cache.clear()
    again = reader.read(question, list(reversed(SENTENCES)))[::-1]  # other batch order
    assert [round(r.relevance, 5) for r in first] == [round(r.relevance, 5) for r in again]
    assert first[0].relevance > first[2].relevance
    assert all(0.0 <= r.relevance <= 1.0 for r in first)


def test_the_span_is_the_answer_inside_the_sentence(reader: Reader) -> None:
    reading = reader.read("In which city will Kim meet Putin?", SENTENCES[:1])[0]
    assert 0 <= reading.start < reading.end <= len(SENTENCES[0])
    assert "Vladivostok" in SENTENCES[0][reading.start : reading.end]
    assert 0 < reading.confidence <= reading.relevance
