"""Scale-out on a Chroma server, interrupted ingests, concurrent use, broken parts, bad input."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from qa import Answer, Assistant, QuestionError, Settings
from sources import LoadError, load_file
from tests.fixtures.cli import start_cli
from tests.fixtures.stores import council_articles as _corpus
from vectorstore import ArticleStore, StoreError
from vectorstore.chunk_index import ChunkIndex
from vectorstore.ingest import ingest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "articles"


def _snapshot(store: ArticleStore) -> dict[str, str]:
    return {cid: text for cid, text, _ in store.all_chunks()}


# -- a Chroma server ------------------------------------------------------------------------


def test_ingest_and_ask_against_a_chroma_server(chroma_server: str, tmp_path: Path) -> None:
    env = {"ARTICLE_QA_CHROMA_URL": chroma_server}
    proc = start_cli("ingest", "-q", str(SAMPLE), env=env)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert "1 added" in out
    bot = Assistant(Settings(chroma_url=chroma_server))
    result = bot.ask("What does Kim want from Russia?")
    assert "satellites" in result.text and result.citations
    # another process ingests: this one sees it without restarting, the keyword side too
    proc = start_cli("ingest", "-q", str(_corpus(tmp_path / "more", 3)), env=env)
    assert proc.wait(600) == 0
    keyword = bot.with_llm(None)
    keyword.settings.retrieval_mode = "bm25"
    found = keyword.passages("Cobalt council project 74")
    assert found and "Cobalt" in found[0].text
    assert len(ChunkIndex.for_store(bot.store)) == bot.store.count()


def test_chroma_server_down_is_a_clear_error(tmp_path: Path) -> None:
    from tests.fixtures.servers import free_port

    bot = Assistant(Settings(chroma_url=f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(StoreError, match="Chroma server"):
        bot.ask("What does Kim want from Russia?")
    proc = start_cli("ask", "What does Kim want?", "--chroma-url", bot.settings.chroma_url or "")
    _out, err = proc.communicate(timeout=600)
    assert proc.returncode == 2 and "Chroma server" in err and "Traceback" not in err


def test_corrupt_store_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        Assistant(Settings(store_dir=folder)).ask("What does Kim want from Russia?")
    proc = start_cli("ask", "What does Kim want?", "--store", str(folder))
    _out, err = proc.communicate(timeout=600)
    assert proc.returncode == 2 and "ARTICLE_QA_STORE_DIR" in err and "Traceback" not in err


# -- interrupted ingest ------------------------------------------------------------------------


def test_ingest_killed_midway_then_rerun_ends_as_if_never_interrupted(
    embeddings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = _corpus(tmp_path / "in", 120)
    reference = ArticleStore(embeddings, path=tmp_path / "reference")
    ingest([folder], reference, batch_chunks=8)
    expected = _snapshot(reference)

    store_dir = tmp_path / "store"
    proc = start_cli(
        "ingest", str(folder), "--store", str(store_dir), env={"ARTICLE_QA_INGEST_BATCH": "8"}
    )
    # wait until part of the folder is stored (tqdm reports progress on stderr), then kill -9
    seen = ""
    assert proc.stderr is not None
    while "/120" not in seen or not any(f" {n}/120" in seen for n in range(20, 100)):
        ch = proc.stderr.read(1)
        assert ch, f"ingest ended before it could be interrupted: {seen[-500:]}"
        seen += ch
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    partial = ArticleStore(embeddings, path=store_dir)
    assert 0 < len({m["article_id"] for _, _, m in partial.all_chunks()}) < 120
    del partial

    rerun = start_cli("ingest", "-q", str(folder), "--store", str(store_dir))
    _out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    store = ArticleStore(embeddings, path=store_dir)
    assert _snapshot(store) == expected  # same ids, same texts: no duplicate, nothing half
    assert store.count() == len(expected)
    index = ChunkIndex.for_store(store)
    index.sync()
    assert sorted(index.ids) == sorted(expected)


# -- concurrent use ------------------------------------------------------------------------------


def test_ingest_while_answering(sample_store: Path, tmp_path: Path) -> None:
    bot = Assistant(Settings(store_dir=sample_store))
    folder = _corpus(tmp_path / "in", 40)
    errors: list[BaseException] = []
    answers: list[Answer] = []
    done = threading.Event()

    def ask_loop() -> None:
        try:
            while not done.is_set():
                answers.append(bot.ask("How is Kim traveling to Russia?", remember=False))
        except BaseException as exc:
            errors.append(exc)

    askers = [threading.Thread(target=ask_loop) for _ in range(2)]
    for t in askers:
        t.start()
    try:
        report = bot.ingest([folder])
    finally:
        done.set()
        for t in askers:
            t.join(120)
    assert not errors, errors
    assert report.added == 40 and not report.failed
    assert len(answers) >= 2
    for a in answers:
        assert "armored train" in a.text and a.citations
        assert all(c.passage and c.title for c in a.citations)
    assert len(bot.articles()) == 41


# -- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "x" * 100_000,
        "What\x00 does\x1b[31m Kim want?\x07",
        "金正恩は何を望んでいますか？",
        "🚂🇰🇵➡️🇷🇺 ???",
    ],
)
def test_hostile_questions_get_an_answer_or_a_clear_message(sample_bot, question: str) -> None:  # type: ignore[no-untyped-def]
    try:
        result = sample_bot.ask(question, remember=False)
    except QuestionError as exc:
        assert str(exc)  # a clear message, not a crash
        return
    assert result.refused or result.citations


def test_control_characters_are_dropped_from_questions(sample_bot) -> None:  # type: ignore[no-untyped-def]
    result = sample_bot.ask("How is\x00 Kim\x1b traveling to Russia?\x07", remember=False)
    assert "armored train" in result.text


def test_fifty_megabyte_article_is_refused_with_reason(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("w") as fh:
        line = "The council met again and talked for a very long time about the budget.\n"
        for _ in range(50 * 2**20 // len(line) + 1):
            fh.write(line)
    [result] = list(load_file(big))
    assert isinstance(result, LoadError) and "MB limit" in result.reason and result.path == str(big)


def test_article_without_date_or_title_is_stored(store: ArticleStore, tmp_path: Path) -> None:
    path = tmp_path / "untitled_note.txt"
    path.write_text("Just a body with no headline line at all. It mentions the harbour.\n")
    report = ingest([path], store)
    assert report.added == 1
    [info] = store.list_articles()
    assert info.title == "Untitled note" and info.date == ""


def test_oversized_upload_is_refused_by_the_page(
    page_factory, sample_store: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import httpx

    page = page_factory(store_dir=sample_store, max_upload_mb=1)
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 500_000)  # 2.5 MB
    with big.open("rb") as fh:
        r = httpx.post(page.url + "gradio_api/upload", files={"files": ("big.txt", fh)})
    assert r.status_code == 413
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())
    assert "size" in r.text.lower()
