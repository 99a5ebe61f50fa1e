"""Homework (J2, section 4.4.2): its due date and the files attached to it.

A due date is a school day after the lesson, at most a term ahead.  An
attached file is accepted by its extension from the school's list, and its
first bytes must match that type, so a renamed program is not served as a
PDF or a picture.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from services.journal.rules.verdicts import RuleError
from services.journal.rules.wording import russian_date

MAX_DUE_AHEAD = dt.timedelta(days=92)
MAX_HOMEWORK_LENGTH = 5000
MAX_FILE_NAME_LENGTH = 200

# Extension → (content type, signature check).
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "doc": ("application/msword", _OLE),
    "xls": ("application/vnd.ms-excel", _OLE),
    "ppt": ("application/vnd.ms-powerpoint", _OLE),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    "odp": ("application/vnd.oasis.opendocument.presentation", _ZIP),
    "rtf": ("application/rtf", (b"{\\rtf",)),
    "txt": ("text/plain", None),  # checked as text below
}
DEFAULT_ALLOWED_EXTENSIONS = tuple(FILE_TYPES)


def homework_due_date(lesson_date: dt.date, due: dt.date | None, field: str = "due_date") -> dt.date | None:
    """J2: the due date, if any, is after the lesson and at most a term ahead."""
    if due is None:
        return None
    if due <= lesson_date:
        raise RuleError(field, f"Срок сдачи домашнего задания — позже дня урока ({russian_date(lesson_date)})")
    if due - lesson_date > MAX_DUE_AHEAD:
        raise RuleError(field, "Срок сдачи домашнего задания — не дальше трёх месяцев от урока")
    return due


@dataclass(frozen=True)
class AcceptedFile:
    file_name: str
    extension: str
    content_type: str
    size: int


def _looks_like_text(content: bytes) -> bool:
    if b"\x00" in content[:4096]:
        return False
    for encoding in ("utf-8", "cp1251"):
        try:
            content.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def accept_attachment(file_name: str, content: bytes, *, max_bytes: int,
                      allowed_extensions: Collection[str], field: str = "file") -> AcceptedFile:
    """The file as stored (a safe base name, its type by extension) or RuleError naming `field`."""
    name = PureWindowsPath(PurePosixPath(file_name or "").name).name.strip()
    name = "".join(char for char in name if char.isprintable())
    if not name or name in {".", ".."}:
        raise RuleError(field, "У файла нет имени")
    if len(name) > MAX_FILE_NAME_LENGTH:
        raise RuleError(field, f"Имя файла — не длиннее {MAX_FILE_NAME_LENGTH} символов")
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    allowed = sorted({item.lower() for item in allowed_extensions} & set(FILE_TYPES))
    if extension not in allowed:
        raise RuleError(field, f"Файлы этого типа прикладывать нельзя; можно: {', '.join(allowed)}")
    if not content:
        raise RuleError(field, "Файл пустой")
    if len(content) > max_bytes:
        raise RuleError(field, f"Файл больше допустимого размера ({max_bytes // 1024} КБ)")
    content_type, signatures = FILE_TYPES[extension]
    matches = _looks_like_text(content) if signatures is None else content.startswith(signatures)
    if not matches:
        raise RuleError(field, f"Содержимое файла не похоже на файл типа {extension}")
    return AcceptedFile(name, extension, content_type, len(content))
