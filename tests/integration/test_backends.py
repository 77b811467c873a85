"""The two model backends (int8 ONNX, fp32 torch), the embedder a store records, reindexing,
and filtered dense search from the chunk index instead of Chroma's ``where``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from models import load_embeddings
from qa import Assistant, Settings, StoreError
from tests.fixtures.stores import SAMPLE_DIR, council_articles
from vectorstore import ChunkIndex, ingest, where_clause
from vectorstore.store import ArticleStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_QUESTIONS = [
    "What does Kim want from Russia?",
    "What is Kim hoping to get out of Moscow?",
    "Where will Kim meet Putin?",
    "How will Kim travel to Russia?",
    "What does Putin want from North Korea?",
    "Who is Andrei Lankov?",
]
# a fixed set of sentences: news prose, headlines, numbers, names, a question, a long passage
SENTENCES = [
    "North Korea said Monday that leader Kim Jong Un would visit Russia and meet Putin.",
    "Kim is reportedly in search of advanced technology for satellites and submarines.",
    "The council of Arlen voted 7 to 2 on Tuesday to fund project 148.",
    "Stocks fell 3.2% on Wednesday as investors weighed the central bank's next move.",
    "What does Kim want from Russia?",
    "Heavy rain flooded parts of Valencia, Spain, leaving at least 95 people dead.",
    "BREAKING: Wildfire forces evacuations near Los Angeles",
    "The striker scored twice in the second half to seal a 3-1 win over the champions.",
    " ".join(["The committee heard testimony from officials about the budget."] * 20),
    "Mayor Lee said the plan would cost 12 million euros and take three years.",
]


def test_the_quantized_embedder_stays_close_to_fp32() -> None:
    onnx = load_embeddings(backend="onnx").embed_array(SENTENCES)
    torch = load_embeddings(backend="torch").embed_array(SENTENCES)
    cosine = (onnx * torch).sum(axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.97, cosine
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-3)
    # one text gives one vector, whatever it is embedded with (activations are quantized
    # per text, so a batch's other texts must not change it)
    alone = load_embeddings(backend="onnx").embed_array(SENTENCES[:1])
    assert np.allclose(alone[0], onnx[0], atol=1e-6)


def test_the_onnx_backend_answers_without_torch(sample_store_dir: Path) -> None:
    code = (
        "import sys; from qa import Assistant; "
        f"r = Assistant(store_dir={str(sample_store_dir)!r}).ask('What does Kim want from Russia?'); "
        "assert 'satellites' in r.text, r.text; "
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_both_backends_find_the_same_top_passages(tmp_path: Path) -> None:
    tops = {}
    for backend in ("onnx", "torch"):
        bot = Assistant(Settings(store_dir=tmp_path / backend, backend=backend))
        bot.ingest([SAMPLE_DIR, council_articles(tmp_path / "council", 24)])
        tops[backend] = [sorted(p.id for p in bot.passages(q)[:3]) for q in SAMPLE_QUESTIONS]
    # the same passages; their order may differ inside one article, whose chunks share
    # the headline they are embedded with (near ties for int8 against fp32)
    assert tops["onnx"] == tops["torch"]


@pytest.fixture(scope="module")
def other_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second, incompatible embedding model: the packaged MiniLM with a dense layer down
    to 128 dimensions on top (a real sentence-transformers model, saved to a folder)."""
    from sentence_transformers import SentenceTransformer, models

    from models.embeddings import packaged_model_path

    base = SentenceTransformer(packaged_model_path(), device="cpu")
    dense = models.Dense(384, 128, activation_function=None)
    folder = tmp_path_factory.mktemp("models") / "minilm-128"
    SentenceTransformer(modules=[*base, dense], device="cpu").save(str(folder))
    return folder


def test_a_store_of_another_embedder_says_to_reindex_and_reindex_fixes_it(
    sample_store: Path, other_model: Path
) -> None:
    other = Assistant(
        Settings(store_dir=sample_store, embedding_model=str(other_model), backend="torch")
    )
    with pytest.raises(StoreError, match="article-qa reindex") as err:
        other.ask("What does Kim want from Russia?")
    assert "all-MiniLM-L6-v2" in str(err.value) and "minilm-128" in str(err.value)
    with pytest.raises(StoreError, match="article-qa reindex"):  # nor written into
        other.ingest([council_articles(sample_store.parent / "more", 2)])

    seen: list[tuple[int, int]] = []
    assert other.reindex(on_progress=lambda done, total: seen.append((done, total))) == 5
    assert seen[-1] == (5, 5)
    answer = other.ask("What does Kim want from Russia?")
    assert answer.citations  # answered from 128-dimensional vectors now
    # and now the default model is the stranger
    with pytest.raises(StoreError, match="embedded with minilm-128"):
        Assistant(Settings(store_dir=sample_store)).ask("What does Kim want from Russia?")


def test_reindex_killed_midway_then_rerun_completes(
    tmp_path: Path, other_model: Path, embeddings
) -> None:  # type: ignore[no-untyped-def]
    store_dir = tmp_path / "store"
    store = ArticleStore(embeddings, path=store_dir)
    ingest([council_articles(tmp_path / "in", 120)], store)
    before = {cid: (text, meta) for cid, text, meta in store.all_chunks()}
    del store
    env = {
        **os.environ,
        "ARTICLE_QA_EMBEDDING_MODEL": str(other_model),
        "ARTICLE_QA_BACKEND": "torch",
        "ARTICLE_QA_INGEST_BATCH": "8",
    }
    command = [sys.executable, "-m", "cli", "reindex", "--store", str(store_dir)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    seen = ""
    assert proc.stderr is not None
    while not any(f" {n}/120" in seen for n in range(16, 100, 8)):
        ch = proc.stderr.read(1)
        assert ch, f"reindex ended before it could be interrupted: {seen[-500:]}"
        seen += ch
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    # killed: the store still answers with the model it was built with, nothing lost
    old = Assistant(Settings(store_dir=store_dir))
    assert old.count() == 120 and old.passages("Cobalt council project 74")

    rerun = subprocess.run([*command, "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "120 chunks" in rerun.stdout and "embedded in this run" in rerun.stdout
    embedded = int(rerun.stdout.split("; ")[1].split()[0])
    assert 0 < embedded < 120  # what the killed run had done was not done again
    other = load_embeddings(str(other_model), "torch")
    after = ArticleStore(other, path=store_dir)
    assert {cid: (text, meta) for cid, text, meta in after.all_chunks()} == before
    vectors = [np.asarray(v) for found in after.pages(["embeddings"]) for v in found["embeddings"]]
    assert len(vectors) == 120 and {v.shape for v in vectors} == {(128,)}
    names = {c.name for c in after.client.list_collections()}
    assert names == {"articles", "articles.stories"}  # no half-swapped or left-over one
    ledger = after.story_ledger()  # the stories regrouped with the new model's leads
    assert ledger.complete and len(ledger) > 0
    assert {len(a.vector) for story in ledger.stories() for a in story.articles} == {128}


def test_filtered_search_returns_what_chromas_where_returns(tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    """Both ways the retriever filters: the chunk index's vectors compared directly (a
    narrow filter) and the vector index widened until enough allowed ones come (a wide one)."""
    store = ArticleStore(embeddings, path=tmp_path / "store")
    folder = council_articles(tmp_path / "in", 120, days=28)
    records = []  # the same articles over seven weeks and three sources, as JSON lines
    for i, f in enumerate(sorted(folder.iterdir())):
        head, _, body = f.read_text(encoding="utf-8").partition("\n\n")
        day = date(2024, 2, 1) + timedelta(days=(i * 5) % 49)
        source = ("Herald", "Courier", "")[i % 3]
        records.append({"title": head[16:], "date": str(day), "source": source, "text": body})
        f.unlink()
    (folder / "all.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    ingest([folder], store)
    index = ChunkIndex.for_store(store)
    index.sync()
    assert set(index.sources) == {"Herald", "Courier", ""}
    cases = [
        (date(2024, 2, 3), date(2024, 2, 9), ()),
        (date(2024, 2, 20), None, ()),
        (None, date(2024, 2, 2), ()),
        (date(2024, 3, 1), date(2024, 3, 31), ()),
        (None, None, ("Herald",)),
        (date(2024, 2, 1), date(2024, 3, 5), ("Herald", "Courier")),
        (date(2025, 1, 1), None, ()),  # nothing published then
    ]
    questions = ["Arlen council vote", "How much will the plan cost?", "project 74 budget"]
    checked = 0
    for q in questions:
        vector = np.asarray(embeddings.embed_query(q), dtype=np.float32)
        for date_from, date_to, sources in cases:
            where = where_clause(date_from, date_to, sources)
            scope = index.scope(date_from, date_to, sources)
            assert scope is not None
            among = index.chunk_ids(scope)
            assert among is not None
            # the keyword side keeps the same chunks
            kept = {cid for found in store.pages([], where=where) for cid in found["ids"]}
            assert among == kept
            assert {h.id for h in index.search(q, 500, scope)} <= kept
            expected, _ = store.nearest(vector, 10, where=where)
            found = store.nearest_ids(vector, 10, among)  # wide
            assert [cid for cid, _ in found] == [p.id for p in expected], (q, date_from, date_to)
            assert all(abs(a[1] - b.score) < 1e-4 for a, b in zip(found, expected, strict=False))
            # and from the chunk index's own copy of the vectors (the retriever's way)
            mirrored = index.nearest(vector, 10, scope)
            assert mirrored is not None
            assert [cid for cid, _ in mirrored] == [p.id for p in expected]
            checked += len(found)
    assert checked > 100
