"""Where homework attachments are kept: a storage interface, the local disk by default.

Limits come from `EZH_ATTACHMENT_MAX_BYTES` (3 MiB by default; at most
3.5 MiB, since a file travels to the journal in one gRPC message of at most
4 MiB) and `EZH_ATTACHMENT_EXTENSIONS` (comma-separated; by default PDF,
pictures, office documents and text). `EZH_ATTACHMENT_DIR` names the folder
of the local-disk storage (default `<EZH_DATA_DIR>/attachments`).
"""
from __future__ import annotations

import functools
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Protocol

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.journal.rules.homework import DEFAULT_ALLOWED_EXTENSIONS, FILE_TYPES

MAX_GRPC_SAFE_BYTES = 3_670_016  # 3.5 MiB


class AttachmentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EZH_ATTACHMENT_", extra="ignore", frozen=True)

    max_bytes: int = Field(default=3 * 1024 * 1024, ge=1024, le=MAX_GRPC_SAFE_BYTES)
    extensions: str = ",".join(DEFAULT_ALLOWED_EXTENSIONS)
    dir: Path | None = None

    @field_validator("extensions")
    @classmethod
    def _known(cls, value: str) -> str:
        items = [item.strip().lower().lstrip(".") for item in value.split(",") if item.strip()]
        unknown = [item for item in items if item not in FILE_TYPES]
        if not items or unknown:
            raise ValueError(f"unknown file types {unknown}; known: {', '.join(FILE_TYPES)}")
        return ",".join(items)

    @property
    def allowed_extensions(self) -> tuple[str, ...]:
        return tuple(self.extensions.split(","))


@functools.cache
def attachment_settings() -> AttachmentSettings:
    """Read once per process; a bad value stops the process with a message naming the variable."""
    try:
        return AttachmentSettings()
    except ValidationError as error:
        lines = ["ezh: invalid configuration:"] + [
            f"  EZH_ATTACHMENT_{str(item['loc'][0]).upper()}: {item['msg']}" for item in error.errors()]
        print("\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None


class AttachmentStorage(Protocol):
    def put(self, key: str, content: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


_KEY = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}$")


class LocalDiskStorage:
    """Files under a folder, written atomically (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key

    def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def default_storage(data_dir: Path) -> AttachmentStorage:
    configured = attachment_settings().dir
    return LocalDiskStorage(configured or Path(data_dir) / "attachments")
