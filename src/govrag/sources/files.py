"""Writing what a harvest keeps (raw API pages, gazette PDFs) so that a killed run never leaves half a file."""

from __future__ import annotations

import os
from collections.abc import Iterable
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write beside the target, then rename: a crash leaves the old file or the new one, never half of one.
    The temporary file is `.{name}.*.tmp`, so a resuming reader can tell and remove leftovers. `data` may
    come in pieces (an audit export streams its records rather than holding them all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in ([data] if isinstance(data, bytes) else data):
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
