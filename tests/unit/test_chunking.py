"""Chunking: token-sized, sentence-aligned, overlapping, spans exact, and never past the model's limit."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from models.embeddings import MAX_WORDPIECES, wordpiece_fits
from sources import load_file
from vectorstore.chunking import chunk_text, count_tokens
from vectorstore.sentences import sentence_spans

ROOT = Path(__file__).resolve().parents[2]


def _sample_text() -> str:
    [article] = list(load_file(ROOT / "data/articles/kim-putin-summit.txt"))
    return article.text


def test_chunks_are_sentence_aligned_with_exact_spans() -> None:
    text = _sample_text()
    chunks = chunk_text(text, max_tokens=80, overlap_tokens=20)
    assert len(chunks) > 3
    starts = {s for s, _ in sentence_spans(text)}
    ends = {e for _, e in sentence_spans(text)}
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.start in starts and chunk.end in ends
        assert count_tokens(chunk.text) <= 80


def test_neighbouring_chunks_overlap_and_cover_the_article() -> None:
    text = _sample_text()
    chunks = chunk_text(text, max_tokens=80, overlap_tokens=30)
    overlapping = sum(1 for a, b in pairwise(chunks) if b.start < a.end)
    assert overlapping >= len(chunks) // 2
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    words = [i for i, ch in enumerate(text) if not ch.isspace()]
    assert all(i in covered for i in words)


def test_no_overlap_when_asked() -> None:
    chunks = chunk_text(_sample_text(), max_tokens=80, overlap_tokens=0)
    assert all(b.start >= a.end for a, b in pairwise(chunks))


def test_one_enormous_sentence_is_cut_at_words() -> None:
    text = "word " * 1000 + "end."
    chunks = chunk_text(text.strip(), max_tokens=50, overlap_tokens=10)
    assert len(chunks) >= 20
    assert all(count_tokens(c.text) <= 50 for c in chunks)
    assert all(not c.text.startswith(" ") and not c.text.endswith(" ") for c in chunks)


def test_every_chunk_fits_the_embedding_models_own_tokenizer(embeddings) -> None:  # type: ignore[no-untyped-def]
    """Text that tiktoken packs densely but word pieces split finely: runs of punctuation
    (a dotted leader is one tiktoken token and 16 word pieces), rules, URLs."""
    fits = wordpiece_fits(embeddings)
    dense = " ".join(
        f"Table {i} ................ see https://example.com/a/b?c={i}&e=f ========== {i * 7919}."
        for i in range(60)
    )
    chunks = chunk_text(dense, max_tokens=200, overlap_tokens=40, fits=fits)
    assert len(chunks) > 1
    for chunk in chunks:
        n = embeddings.count_tokens(chunk.text)
        assert n <= MAX_WORDPIECES, (n, chunk.text[:80])
    # and the check is doing work: without it the same text would overflow
    unchecked = chunk_text(dense, max_tokens=200, overlap_tokens=40)
    assert any(not fits(c.text) for c in unchecked)


def test_cached_sentence_embeddings_match_fresh_ones(embeddings) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    texts = [
        "Kim travels by armored train.",
        "Putin wants shells.",
        "Kim travels by armored train.",
    ]
    before = len(embeddings._cache)
    cached = embeddings.embed_cached(texts)
    fresh = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
    assert np.allclose(cached, fresh, atol=1e-5)
    assert len(embeddings._cache) - before <= 2  # the repeat is one entry
    again = embeddings.embed_cached(texts[:2])
    assert np.array_equal(again, cached[:2])
