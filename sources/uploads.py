"""Files uploaded through the page: kept in one upload folder under safe names."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

from .article import MB
from .formats import SUPPORTED_SUFFIXES

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


class UploadError(ValueError):
    """An upload that is refused, with the reason."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def safe_name(name: str) -> str:
    """A plain file name for ``name``: no folders, no ``..``, no control characters.

    ``../../etc/passwd.txt`` and ``/abs/x.txt`` keep only their last part; a name left
    empty (or only dots) becomes ``upload``.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and stem:
        base = f"{stem[:100]}.{suffix[:10]}"
    return base[:120] or "upload"


def save_upload(source: str | Path, name: str, folder: Path, max_bytes: int) -> Path:
    """Copy one uploaded file into ``folder`` under a safe version of its ``name``.

    A name always lands on the same path, so uploading a file again changes nothing and
    uploading a new version of it updates that article, as re-ingesting a file does.
    Raises ``UploadError`` for an unsupported type or a file over ``max_bytes``.
    """
    source = Path(source)
    clean = safe_name(name)
    if Path(clean).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadError(
            clean, f"unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    size = source.stat().st_size
    if size > max_bytes:
        raise UploadError(
            clean, f"{size / MB:.1f} MB is over the {max_bytes / MB:.0f} MB upload limit"
        )
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / clean).resolve()
    if target.parent != folder:  # belt and braces: never write outside the upload folder
        raise UploadError(clean, "the file name points outside the upload folder")
    tmp = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, tmp)
    tmp.replace(target)  # atomic: a reader never sees half a file
    return target
