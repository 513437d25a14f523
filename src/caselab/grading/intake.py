"""Intake: find a class's submissions and copy the sheets that matter out of each, refusing what is unsafe.

``discover_submissions(folder)`` lists one ``(student id, path)`` per folder or ``.zip``;
``intake(path, modules, dest, limits)`` copies the graded modules' sheets into ``dest`` or
raises ``Refused(status, message, limit)``.  The rules are in ``caselab.grading.batch``'s docstring.
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from caselab.grading.sandbox import Limits

MAX_RATIO = 100  # an entry compressed more than this (and over 1 MB unpacked) is a zip bomb
_IGNORED_TOP = ("__MACOSX",)


# --- finding submissions -----------------------------------------------------------------------

MOODLE_SUFFIX = re.compile(r"_assignsubmission_(file|onlinetext)_?$")
CANVAS_FILE = re.compile(r"^(?P<name>[^_]+)_(?:late_)?(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.I)
_SKIP_DIRS = ("__MACOSX", "__pycache__")
_ARCHIVES = (".rar", ".7z", ".tar", ".tar.gz", ".tgz", ".gz", ".bz2", ".xz")


@dataclass
class Scan:
    """What a submissions folder holds (``scan_submissions``)."""
    submissions: list[tuple[str, Path]]  # a folder or .zip per student, by student id
    canvas: dict[str, list[tuple[str, Path]]]  # Canvas flat export: student id -> (file name as uploaded, path)
    skipped: list[tuple[str, str]]  # (entry name, why it was not graded)
    layouts: dict[str, str]  # student id -> "folder", "zip", "moodle" or "canvas"


def canvas_original_name(name: str) -> str:
    """``kyc-1.py`` (Canvas's name for a resubmitted ``kyc.py``) -> ``kyc.py``."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return name
    return re.sub(r"-\d+$", "", stem) + "." + ext


def scan_submissions(folder: Path) -> Scan:
    """Every entry of ``folder``: a student's folder or ``.zip``, a Canvas flat-export file, or skipped (with why).

    - a folder is one student; a Moodle folder ``Full Name_12345_assignsubmission_file_`` is the
      student ``Full Name_12345`` (an ``_onlinetext_`` folder is skipped: it holds no file);
    - ``name.zip`` is the student ``name`` (``name.zip`` when a folder ``name`` exists too);
    - a file named as Canvas's "Download submissions" names it, ``name_12345_67890_kyc.py``
      (also ``name_LATE_12345_67890_kyc-1.py``), belongs to the student ``name_12345``; a Canvas
      ``.zip`` is that student's whole submission;
    - anything else (hidden entries, ``.rar``, a loose ``.py``, ...) is listed in ``skipped``.
    """
    folder = Path(folder)
    found: dict[str, Path] = {}
    layouts: dict[str, str] = {}
    zips, skipped = [], []
    canvas: dict[str, list[tuple[str, Path]]] = {}
    with os.scandir(folder) as entries:
        for e in sorted(entries, key=lambda e: e.name):
            name = e.name
            if name == ".caselab-classroom":  # the mark of a folder written by caselab classroom
                continue
            if name.startswith(".") or name in _SKIP_DIRS:
                skipped.append((name, "hidden or system entry"))
                continue
            is_dir = e.is_dir(follow_symlinks=False)
            if is_dir or (e.is_symlink() and not name.lower().endswith(".zip")):
                moodle = MOODLE_SUFFIX.search(name)
                if moodle and moodle.group(1) == "onlinetext":
                    skipped.append((name, "a Moodle online-text entry (only uploaded files are graded)"))
                    continue
                sid = name[:moodle.start()] if moodle else name
                if not sid or sid in found:
                    sid = name
                found[sid] = Path(e.path)
                layouts[sid] = "moodle" if moodle else "folder"
                continue
            if not (e.is_file(follow_symlinks=False) or e.is_symlink()):
                skipped.append((name, "not a regular file or folder"))
                continue
            m = CANVAS_FILE.match(name)
            if m and not e.is_symlink():
                sid = f"{m.group('name')}_{m.group('user')}"
                canvas.setdefault(sid, []).append((m.group("file"), Path(e.path)))
                continue
            if name.lower().endswith(".zip"):
                zips.append(e)
                continue
            low = name.lower()
            if low.endswith(_ARCHIVES):
                why = (f"a {low.rsplit('.', 1)[-1]} archive: only folders and .zip files are read; unpack it into "
                       "a folder named after the student (or zip it again as .zip)")
            elif low.endswith(".py"):
                why = ("a loose sheet outside any student's folder, not named as in a Canvas export "
                       "(name_12345_67890_kyc.py); put it in a folder named after the student")
            else:
                why = "a file outside any student's folder"
            skipped.append((name, why))
    for e in zips:
        sid = e.name[:-4]
        sid = sid if sid and sid not in found else e.name
        found[sid] = Path(e.path)
        layouts[sid] = "zip"
    for sid, files in list(canvas.items()):
        archives = [p for n, p in files if n.lower().endswith(".zip")]
        if archives and sid not in found:
            found[sid] = sorted(archives)[-1]
            layouts[sid] = "canvas"
            rest = [(n, p) for n, p in files if p != found[sid]]
            skipped += [(p.name, f"another file of {sid}'s Canvas submission, which is a .zip") for n, p in rest]
            del canvas[sid]
        elif sid in found:
            skipped += [(p.name, f"a Canvas export file, but {sid} also has a folder or .zip") for n, p in files]
            del canvas[sid]
        else:
            layouts[sid] = "canvas"
    return Scan(sorted(found.items()), canvas, sorted(skipped), layouts)


def discover_submissions(folder: Path) -> list[tuple[str, Path]]:
    """One ``(student id, path)`` per folder or ``.zip`` in ``folder``, sorted by id.

    Hidden entries, ``__MACOSX`` and other files are skipped (``scan_submissions`` says which and why;
    Canvas flat-export files are left out here).  Symbolic links are listed (grading refuses them, so
    the report shows them).  If both ``alice/`` and ``alice.zip`` exist, the zip's id is ``alice.zip``.
    """
    return scan_submissions(folder).submissions


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
    held: str = ""  # a few of the submission's files, for the message when no sheet is found
    paths: dict[str, str] | None = None  # module -> where its sheet was found


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


_NOT_SHEET_DIRS = {"__macosx", "__pycache__", "solutions", "node_modules", "site-packages", "venv", "env"}
MAX_DEPTH = 6  # folders above a sheet: cai/Assignment 2/kyc-mining/exercises/kyc.py is 4


def _locate(files: set[str], dirs: set[str], modules: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """(module -> the sheet's relative path, sentences on sheets left out): ``<module>.py`` at any depth.

    Up to MAX_DEPTH folders deep; folders that cannot hold a student's sheet (hidden ones,
    ``__MACOSX``, ``solutions``, virtual environments) are passed over.  When a module's sheet
    appears more than once, the one in an ``exercises`` folder wins, then the shallowest; two
    that tie (``one/kyc.py`` and ``two/kyc.py``) are ambiguous and neither is taken.
    """
    out, notes = {}, []
    for m in modules:
        ranked = []
        for rel in files:
            parts = rel.split("/")
            if parts[-1] != f"{m}.py" or len(parts) - 1 > MAX_DEPTH:
                continue
            if any(p.startswith(".") or p.casefold() in _NOT_SHEET_DIRS for p in parts[:-1]):
                continue
            ranked.append(((len(parts) < 2 or parts[-2] != "exercises", len(parts)), rel))
        ranked.sort()
        if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
            ties = [printable(rel) for rank, rel in ranked if rank == ranked[0][0]]
            notes.append(f"{m}.py is in {len(ties)} places ({', '.join(ties[:3])}); keep only one")
        elif ranked:
            out[m] = ranked[0][1]
    return out, notes


def printable(name: str, width: int = 60) -> str:
    """A file name from a submission, safe to print: control characters become ?, long names are cut."""
    text = "".join(c if c.isprintable() else "?" for c in name)
    return text if len(text) <= width else text[:width - 3] + "..."


def _listing(files: set[str]) -> str:
    shown = [printable(f) for f in sorted(files)[:5]]
    return ", ".join(shown) + (f" and {len(files) - 5} more" if len(files) > 5 else "")


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
    located, notes = _locate(files, dirs, modules)
    intake = Intake(set(), {}, "; ".join([_listing(files), *notes]), located)
    cap = limits.sheet_kb * 1024
    for module, rel in located.items():
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
    located, notes = _locate(set(files), dirs, modules)
    intake = Intake(set(), {}, "; ".join([_listing(set(files)), *notes]), located)
    cap = limits.sheet_kb * 1024
    for module, rel in located.items():
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
        looked = ", ".join(f"{m}.py" for m in modules[:3]) + (", ..." if len(modules) > 3 else "")
        held = f"it holds {result.held}" if result.held else "it holds no file"
        raise Refused("empty", f"no answer sheet was found (looked for {looked} in every folder); {held}")
    return result
