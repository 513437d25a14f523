"""Write files whole or not at all: a temporary file beside the target, then an atomic rename.

A reader never sees a half-written file, whatever happens to the writing process.  ``durable=True``
(the default) also flushes the data to disk before the rename, so that a power cut cannot leave an
empty file either; the per-student files of a large class pass ``durable=False`` (a flush each costs
more than grading the student; ext4 and most file systems flush a file replaced by rename anyway).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name stays short whatever the target's (a file name may have at most 255 bytes)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".part", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def swap_in(tmp: Path, out: Path) -> None:
    """Put the finished folder ``tmp`` at ``out`` in one rename, the old ``out`` (if any) removed after."""
    tmp, out = Path(tmp), Path(out)
    if not out.exists():
        os.replace(tmp, out)
        return
    import secrets
    import shutil

    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
