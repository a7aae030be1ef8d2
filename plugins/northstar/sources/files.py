"""Atomic file writes shared by the replay and the extraction state."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_bytes_atomic(path: Path, content: bytes) -> None:
    """Write `content` to `path` through a temporary file and a rename.

    A reader sees either the old file or the complete new one, never a partial write, because
    a rename is atomic on one filesystem and the temporary file sits beside the target.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, document: Any) -> None:
    """Write `document` as indented UTF-8 JSON, atomically."""
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))
