"""Write files whole or not at all: a temporary file beside the target, then an atomic rename.

A reader never sees a half-written file, whatever happens to the writing process.  ``durable=True``
(the default) also flushes the data to disk before the rename, so that a power cut cannot leave an
empty file either; the per-student files of a large class pass ``durable=False`` (a flush each costs
more than grading the student; ext4 and most file systems flush a file replaced by rename anyway).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name stays short whatever the target's (a file name may have at most 255 bytes);
    # made as mkstemp makes it (a new name, O_EXCL, no link followed), with the usual permissions (0666
    # less the umask) from the start: a class writes thousands of files, and chmod and umask cost
    fd, tmp = _create(path.parent, f".{path.name[:40]}.")
    try:
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


_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _create(folder: Path, prefix: str) -> tuple[int, str]:
    """A new file ``folder/<prefix><random>.part`` opened for writing: (descriptor, path)."""
    for _ in range(100):
        tmp = os.path.join(folder, f"{prefix}{secrets.token_hex(6)}.part")
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def swap_in(tmp: Path, out: Path) -> None:
    """Put the finished folder ``tmp`` at ``out`` in one rename, the old ``out`` (if any) removed after."""
    tmp, out = Path(tmp), Path(out)
    if not out.exists():
        os.replace(tmp, out)
        return
    import shutil

    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
