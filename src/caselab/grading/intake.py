"""Intake: find a class's submissions and copy the sheets that matter out of each, refusing what is unsafe.

``discover_submissions(folder)`` lists one ``(student id, path)`` per folder or ``.zip``;
``intake(path, modules, dest, limits)`` copies the graded modules' sheets into ``dest`` or
raises ``Refused(status, message, limit)``.  The rules are in ``caselab.grading.batch``'s docstring.
"""
from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from caselab.grading.sandbox import Limits

MAX_RATIO = 100  # an entry compressed more than this (and over 1 MB unpacked) is a zip bomb
_IGNORED_TOP = ("__MACOSX",)


# --- finding submissions -----------------------------------------------------------------------

def discover_submissions(folder: Path) -> list[tuple[str, Path]]:
    """One ``(student id, path)`` per folder or ``.zip`` in ``folder``, sorted by id.

    Hidden entries, ``__MACOSX`` and other files are skipped.  Symbolic links
    are listed (grading refuses them, so the report shows them).  If both
    ``alice/`` and ``alice.zip`` exist, the zip's id is ``alice.zip``.
    """
    found: dict[str, Path] = {}
    zips = []
    with os.scandir(folder) as entries:
        for e in sorted(entries, key=lambda e: e.name):
            if e.name.startswith(".") or e.name in ("__MACOSX", "__pycache__"):
                continue
            if e.name.lower().endswith(".zip") and (e.is_symlink() or e.is_file(follow_symlinks=False)):
                zips.append(e)
            elif e.is_symlink() or e.is_dir(follow_symlinks=False):
                found[e.name] = Path(e.path)
    for e in zips:
        sid = e.name[:-4]
        found[sid if sid and sid not in found else e.name] = Path(e.path)
    return sorted(found.items())


def student_id(name: str) -> str:
    """A submission's name as text a gradebook can hold: a name that is not valid UTF-8 (an LMS
    download unzipped in GBK or Latin-1) is read as GB 18030, else as Latin-1; control characters
    become ``_``.  Decoding is a best guess; ``unique_ids`` keeps two names from merging."""
    if any("\udc80" <= c <= "\udcff" for c in name):
        raw = os.fsencode(name)
        try:
            name = raw.decode("gb18030")
        except UnicodeDecodeError:
            name = raw.decode("latin-1")
    if not name.isprintable():
        name = "".join(c if c.isprintable() else "_" for c in name)
    return name


def unique_ids(found: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """``(student_id(name), path)`` for each submission, a ``~2``, ``~3``... added where two ids would be the same."""
    out, seen = [], set()
    for name, path in found:
        sid = base = student_id(name)
        n = 1
        while sid in seen:
            n += 1
            sid = f"{base}~{n}"
        seen.add(sid)
        out.append((sid, path))
    return out


# --- intake: refuse what is unsafe, copy the sheets that matter ---------------------------------

class Refused(Exception):
    def __init__(self, status: str, message: str, limit: str = ""):
        super().__init__(message)
        self.status, self.message, self.limit = status, message, limit


@dataclass
class Intake:
    found: set[str]  # modules whose sheet was copied
    too_large: dict[str, str]  # module -> sentence


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


def _locate(files: set[str], dirs: set[str], modules: Sequence[str]) -> dict[str, str]:
    """module -> the sheet's relative path, by the rule in the module docstring."""
    def sheets_at(prefix: str) -> dict[str, str]:
        out = {}
        for m in modules:
            for rel in (f"{prefix}exercises/{m}.py", f"{prefix}{m}.py"):
                if rel in files:
                    out[m] = rel
                    break
        return out

    here = sheets_at("")
    if here:
        return here
    tops = {p.split("/", 1)[0] for p in files | dirs if "/" in p} | {d for d in dirs if "/" not in d}
    tops = {t for t in tops if not t.startswith(".") and t not in _IGNORED_TOP}
    if len(tops) == 1:
        return sheets_at(next(iter(tops)) + "/")
    return {}


def _write_sheet(dest: Path, module: str, data: bytes) -> None:
    fd = os.open(dest / f"{module}.py", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(dest / f"{module}.py", 0o644)


def _intake_folder(root: Path, modules: Sequence[str], dest: Path, limits: Limits) -> Intake:
    files, dirs = set(), set()
    stack = [("", str(root))]
    count = 0
    while stack:
        rel_dir, full = stack.pop()
        try:
            entries = list(os.scandir(full))
        except OSError as exc:
            raise Refused("broken-archive", f"the folder {rel_dir or '.'} cannot be read ({exc.strerror})") from None
        for e in entries:
            count += 1
            if count > limits.members:
                raise Refused("too-large", f"the submission holds more than {limits.members:,} files and folders",
                              "members")
            rel = f"{rel_dir}{e.name}"
            if e.is_symlink():
                raise Refused("unsafe-archive", f"{rel} is a symbolic link; submit the files themselves")
            if e.is_dir(follow_symlinks=False):
                dirs.add(rel)
                stack.append((rel + "/", e.path))
            elif e.is_file(follow_symlinks=False):
                files.add(rel)
            else:
                raise Refused("unsafe-archive", f"{rel} is not a regular file (a pipe, a socket or a device)")
    intake = Intake(set(), {})
    cap = limits.sheet_kb * 1024
    for module, rel in _locate(files, dirs, modules).items():
        try:
            fd = os.open(root / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            raise Refused("unsafe-archive" if exc.errno == 40 else "broken-archive",
                          f"{rel} cannot be opened ({exc.strerror})") from None
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise Refused("unsafe-archive", f"{rel} is not a regular file")
            if st.st_nlink > 1:
                raise Refused("unsafe-archive", f"{rel} is a hard link to another file; submit a copy of the file itself")
            if st.st_size > cap:
                intake.too_large[module] = f"{rel} is {_mb(st.st_size)}; a sheet may be at most {_mb(cap)}"
                continue
            data = f.read(cap + 1)
        if len(data) > cap:
            intake.too_large[module] = f"{rel} is larger than {_mb(cap)}, the most a sheet may be"
            continue
        _write_sheet(dest, module, data)
        intake.found.add(module)
    return intake


def _zip_directory_declared(f) -> tuple[int, int] | None:
    """(entries, central directory bytes) from the zip's end record, read before the directory is parsed."""
    try:
        end = zipfile._EndRecData(f)  # noqa: SLF001 (stable since Python 2; avoids parsing a huge directory)
    except (OSError, AttributeError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if end is None:
        return None
    return end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # noqa: SLF001


# A central-directory record is 46 bytes plus a name, an extra field and a comment; real zips
# spend well under 1 KB an entry.  More than this per declared entry is a directory bomb.
DIRECTORY_BYTES_PER_ENTRY = 4096


def open_zip(f, limits: Limits) -> zipfile.ZipFile:
    """A ``ZipFile`` on the open file ``f``, or Refused: the end record's entry count and directory size
    are checked before zipfile parses the directory (whose cost grows with its size, not its count)."""
    declared = _zip_directory_declared(f)
    if declared is not None:
        entries, size = declared
        if entries > limits.members:
            raise Refused("too-large", f"the zip holds {entries:,} entries; at most {limits.members:,} are accepted",
                          "members")
        if size > DIRECTORY_BYTES_PER_ENTRY * (max(entries, 1) + 16):
            raise Refused("too-large", f"the zip's directory is {_mb(size)} for {entries:,} declared entries "
                          "(a damaged or hostile zip)", "members")
    f.seek(0)
    try:
        return zipfile.ZipFile(f)
    except Exception as exc:  # BadZipFile, NotImplementedError (an unknown version), struct.error, ...
        raise Refused("broken-archive", f"not a readable zip ({type(exc).__name__}: {str(exc)[:200]})") from None


def zip_names(path: Path, limits: Limits = Limits()) -> set[str]:
    """The base names of a zip's entries, under the same checks as intake; empty if it would be refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return set()
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return set()
        try:
            with open_zip(f, limits) as zf:
                infos = zf.infolist()
        except Refused:
            return set()
        if len(infos) > limits.members:
            return set()
        return {info.filename.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] for info in infos}


def _unsafe_name(name: str) -> bool:
    norm = name.replace("\\", "/")
    parts = norm.split("/")
    return (norm.startswith("/") or ".." in parts or "\x00" in name
            or (len(norm) >= 2 and norm[1] == ":" and norm[0].isalpha()))


def _intake_zip(path: Path, modules: Sequence[str], dest: Path, limits: Limits) -> Intake:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise Refused("broken-archive", f"the zip cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Refused("unsafe-archive", "the zip is not a regular file")
        zf = open_zip(f, limits)
        with zf:
            return _zip_members(zf, modules, dest, limits)


def _zip_members(zf: zipfile.ZipFile, modules: Sequence[str], dest: Path, limits: Limits) -> Intake:
    infos = zf.infolist()
    if len(infos) > limits.members:
        raise Refused("too-large", f"the zip holds {len(infos):,} entries; at most {limits.members:,} are accepted",
                      "members")
    files: dict[str, zipfile.ZipInfo] = {}
    dirs: set[str] = set()
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            raise Refused("unsafe-archive", f"the zip entry {name!r} would be written outside the submission")
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise Refused("unsafe-archive", f"the zip entry {name!r} is a symbolic link; zip the files themselves")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise Refused("unsafe-archive", f"the zip entry {name!r} is not a regular file")
        key = name.replace("\\", "/")
        while key.startswith("./"):
            key = key[2:]
        key = key.rstrip("/")
        if not key:
            continue
        if key in seen:
            raise Refused("unsafe-archive", f"the zip holds {key!r} twice")
        seen.add(key)
        total += info.file_size
        if total > limits.archive_mb << 20:
            raise Refused("too-large", f"the zip unpacks to more than {limits.archive_mb:,} MB", "archive_mb")
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refused("too-large", f"the zip entry {name!r} is compressed more than {MAX_RATIO}:1 "
                          "(a zip bomb)", "archive_mb")
        if name.endswith("/") or kind == stat.S_IFDIR:
            dirs.add(key)
        else:
            files[key] = info
            parent = key.rsplit("/", 1)[0] if "/" in key else ""
            while parent:
                dirs.add(parent)
                parent = parent.rsplit("/", 1)[0] if "/" in parent else ""
    intake = Intake(set(), {})
    cap = limits.sheet_kb * 1024
    for module, rel in _locate(set(files), dirs, modules).items():
        info = files[rel]
        if info.file_size > cap:
            intake.too_large[module] = f"{rel} is {_mb(info.file_size)}; a sheet may be at most {_mb(cap)}"
            continue
        if info.flag_bits & 0x1:
            raise Refused("broken-archive", f"{rel} is encrypted in the zip; zip it without a password")
        try:
            with zf.open(info) as src:
                data = src.read(cap + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
            raise Refused("broken-archive", f"{rel} cannot be unpacked ({exc})") from None
        except Exception as exc:  # zlib.error, lzma.LZMAError, ... (a corrupt stream)
            raise Refused("broken-archive", f"{rel} cannot be unpacked ({type(exc).__name__})") from None
        if len(data) > cap:
            intake.too_large[module] = f"{rel} unpacks to more than {_mb(cap)}, the most a sheet may be"
            continue
        _write_sheet(dest, module, data)
        intake.found.add(module)
    return intake


def intake(path: Path, modules: Sequence[str], dest: Path, limits: Limits = Limits()) -> Intake:
    """Copy the sheets of ``modules`` from the submission at ``path`` into ``dest``, or raise Refused."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise Refused("broken-archive", f"the submission cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise Refused("unsafe-archive", "the submission is a symbolic link")
    if stat.S_ISDIR(st.st_mode):
        result = _intake_folder(Path(path), modules, dest, limits)
    elif stat.S_ISREG(st.st_mode):
        result = _intake_zip(Path(path), modules, dest, limits)
    else:
        raise Refused("unsafe-archive", "the submission is neither a folder nor a file")
    if not result.found and not result.too_large:
        raise Refused("empty", "no answer sheet was found (looked for " + ", ".join(f"{m}.py" for m in modules[:3])
                      + (", ..." if len(modules) > 3 else "") + " directly inside, under exercises/, or in one top folder)")
    return result
