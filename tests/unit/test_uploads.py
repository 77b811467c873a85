"""Uploads from the page never write outside the upload folder; oversized ones are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from sources.uploads import UploadError, safe_name, save_upload
from web import PageSettings


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/cron.d/evil.txt", "evil.txt"),
        ("/abs/path/news.md", "news.md"),
        ("..\\..\\windows\\x.html", "x.html"),
        ("..", "upload"),
        ("a\x00b\nc.txt", "abc.txt"),
        ("Überschrift <1>.md", "Überschrift _1_.md"),
    ],
)
def test_safe_name_keeps_only_a_plain_file_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_save_upload_stays_inside_the_folder(tmp_path: Path) -> None:
    src = tmp_path / "incoming"
    src.write_text("date 2024-01-01 Title\n\nBody text here.", encoding="utf-8")
    folder = tmp_path / "uploads"
    saved = save_upload(src, "../../outside.txt", folder, max_bytes=1000)
    assert saved == (folder / "outside.txt").resolve()
    assert saved.read_text(encoding="utf-8").startswith("date 2024-01-01")
    assert not (tmp_path / "outside.txt").exists()
    assert [p.name for p in folder.iterdir()] == ["outside.txt"]  # no temp file left behind
    # the same name again replaces the file (a new version of the same article)
    src.write_text("date 2024-01-02 Title\n\nNew body.", encoding="utf-8")
    assert save_upload(src, "outside.txt", folder, max_bytes=1000) == saved
    assert "New body" in saved.read_text(encoding="utf-8")


def test_oversized_and_unsupported_uploads_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(UploadError, match=r"over the .* upload limit"):
        save_upload(big, "big.txt", tmp_path / "up", max_bytes=1000)
    with pytest.raises(UploadError, match="unsupported file type"):
        save_upload(big, "tool.exe", tmp_path / "up", max_bytes=10_000)
    assert not (tmp_path / "up").exists() or not any((tmp_path / "up").iterdir())


def test_auth_setting_is_checked() -> None:
    assert PageSettings(auth="a:pw1, b:pw2").auth_pairs() == [("a", "pw1"), ("b", "pw2")]
    assert PageSettings().auth_pairs() == []
    with pytest.raises(ValueError, match="user:password"):
        PageSettings(auth="just-a-password")
