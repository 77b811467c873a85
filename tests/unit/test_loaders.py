"""Loaders: every supported format becomes an Article with its metadata; bad files are reported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sources import Article, LoadError, discover, load_file

ROOT = Path(__file__).resolve().parents[2]


def _one(path: Path) -> Article:
    results = list(load_file(path))
    assert len(results) == 1, results
    assert isinstance(results[0], Article), results[0]
    return results[0]


def test_sample_format_date_and_headline_become_metadata() -> None:
    article = _one(ROOT / "data/articles/kim-putin-summit.txt")
    assert article.date == "2023-09-11"
    assert article.title.startswith("North Korea said Kim Jong Un would visit Russia")
    assert article.text.startswith("Pyongyang, North Korea")
    assert "©" not in article.text and "date 2023" not in article.text


def test_plain_text_with_and_without_headline(tmp_path: Path) -> None:
    (tmp_path / "with.txt").write_text("Storm hits coast\n\nThe storm arrived at noon. It left.")
    (tmp_path / "without_title.txt").write_text("The storm arrived at noon.\nIt left by night.")
    assert _one(tmp_path / "with.txt").title == "Storm hits coast"
    plain = _one(tmp_path / "without_title.txt")
    assert plain.title == "Without title"
    assert plain.text == "The storm arrived at noon.\nIt left by night."


def test_markdown_front_matter_heading_and_markup(tmp_path: Path) -> None:
    md = tmp_path / "a.md"
    md.write_text(
        "---\ntitle: Dam opens\ndate: 2024-03-02\nurl: https://example.org/dam\nsource: Gazette\n---\n"
        "# Ignored heading\n\nThe **dam** opened on [Monday](https://x.org).\n\n- It holds water.\n"
    )
    article = _one(md)
    assert (article.title, article.date, article.url, article.source) == (
        "Dam opens",
        "2024-03-02",
        "https://example.org/dam",
        "Gazette",
    )
    assert "The dam opened on Monday." in article.text
    assert "It holds water." in article.text and "**" not in article.text


def test_markdown_h1_is_the_title(tmp_path: Path) -> None:
    md = tmp_path / "b.md"
    md.write_text("# Bridge closes\n\nThe bridge closed for repairs on Friday.\n")
    article = _one(md)
    assert article.title == "Bridge closes"
    assert article.text == "The bridge closed for repairs on Friday."


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    body = " ".join(["The council approved the new park after a long debate."] * 6)
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><title>Park approved | City News</title>"
        '<meta property="og:title" content="Park approved">'
        '<meta property="og:url" content="https://news.example.com/park">'
        '<meta property="og:site_name" content="City News">'
        '<meta property="article:published_time" content="2024-05-06T10:00:00Z">'
        "</head><body><nav>Home | Sports | Weather</nav>"
        f"<article><h1>Park approved</h1><p>{body}</p></article>"
        "<footer>Contact us</footer></body></html>"
    )
    article = _one(page)
    assert article.title == "Park approved"
    assert article.url == "https://news.example.com/park"
    assert article.date == "2024-05-06"
    assert article.source == "City News"
    assert "council approved the new park" in article.text
    assert "Contact us" not in article.text and "Sports" not in article.text


def test_a_json_record_is_read_by_its_usual_field_names(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(
        json.dumps(
            {
                "headline": "Rates rise",
                "body": "The bank raised rates.",
                "published_at": "2022/06/16",
            }
        )
    )
    one = _one(tmp_path / "one.json")
    assert (one.title, one.date, one.text) == ("Rates rise", "2022-06-16", "The bank raised rates.")


def test_a_json_file_of_many_articles(tmp_path: Path) -> None:
    many = {
        "articles": [{"title": "A", "text": "Alpha text."}, {"title": "B", "content": "Beta text."}]
    }
    (tmp_path / "many.json").write_text(json.dumps(many))
    assert [a.title for a in load_file(tmp_path / "many.json")] == ["A", "B"]


def _lines(tmp_path: Path) -> list[Article | LoadError]:
    (tmp_path / "lines.jsonl").write_text(
        json.dumps(
            {
                "title": "One",
                "text": "First.",
                "url": "https://a.example/1",
                "source": {"name": "Wire"},
            }
        )
        + "\n{not json\n\n"
        + json.dumps({"title": "No text"})
        + "\n"
        + json.dumps({"title": "Two", "text": "Second.", "url": "javascript:alert(1)"})
        + "\n"
    )
    return list(load_file(tmp_path / "lines.jsonl"))


def test_jsonl_records_keep_their_source_and_only_http_urls(tmp_path: Path) -> None:
    articles = [r for r in _lines(tmp_path) if isinstance(r, Article)]
    assert [a.title for a in articles] == ["One", "Two"]
    assert articles[0].source == "Wire" and articles[0].url == "https://a.example/1"
    assert articles[1].url == ""  # only http(s) URLs are kept


def test_a_bad_jsonl_line_is_reported_by_its_line_and_the_rest_read(tmp_path: Path) -> None:
    errors = [r for r in _lines(tmp_path) if isinstance(r, LoadError)]
    assert [e.path for e in errors] == [
        f"{tmp_path / 'lines.jsonl'}:2",
        f"{tmp_path / 'lines.jsonl'}:4",
    ]
    assert "malformed JSON" in errors[0].reason and "no text" in errors[1].reason


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary"),
        ("broken.json", b'{"title": "x", "text": ', "malformed JSON"),
        ("nobody.html", b"<html><head><title>t</title></head></html>", "no article text"),
        ("doc.pdf", b"%PDF-1.4", "unsupported file type"),
    ],
)
def test_bad_files_are_reported_with_path_and_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [result] = list(load_file(path))
    assert isinstance(result, LoadError)
    assert result.path == str(path)
    assert reason in result.reason


def test_other_encodings_are_decoded(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(
        "Café owners in Zürich protested the new rules.".encode("latin-1")
    )
    (tmp_path / "utf16.txt").write_bytes("Tokyo ラーメン shops reopened.".encode("utf-16"))
    assert "Café owners in Zürich" in _one(tmp_path / "latin.txt").text
    assert "ラーメン" in _one(tmp_path / "utf16.txt").text


def test_discover_walks_folders_and_survives_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text("One.")
    (tmp_path / "a" / "b" / "two.md").write_text("Two.")
    (tmp_path / "a" / "b" / "skip.pdf").write_text("x")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "a" / "b" / "loop")
    found = list(discover([tmp_path / "a", tmp_path / "missing"]))
    files = sorted(p.name for p in found if isinstance(p, Path))
    errors = [e for e in found if isinstance(e, LoadError)]
    assert files == ["one.txt", "two.md"]
    assert len(errors) == 1 and "no such file" in errors[0].reason
