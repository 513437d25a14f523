"""The edition's site: the case pages and the assigned modules' pages only, figures printed, links to left-out pages made plain text.

The home and students' pages speak to the edition's reader: list items about pages the
edition leaves out (other modules, the instructors' page) go, the course's own test run
goes, and examples that name a module name an assigned one (``for_the_reader``).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from caselab.quiz.model import Quiz
from caselab.editions.quizfile import ReleaseError, Tagged, YamlLoader, dump_yaml, render_figs

LEFT_OUT = ("instructor/", "instructors.md")
LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\(([^)\s]+)(\s+\"[^\"]*\")?\)")
EXERCISES = re.compile(r"<!--\s*caselab:exercises\s*([\w-]*)\s*-->")
EXPLANATIONS = re.compile(r"<!--\s*caselab:explanations")
REFERENCE = re.compile(r"""(?:\]\(|src=["'])([^)"'\s#?]+)""")


# --- the site --------------------------------------------------------------------------------

def left_out(path: str) -> bool:
    return path.startswith(LEFT_OUT[0]) or path == LEFT_OUT[1]


def _module_page(path: str) -> str | None:
    m = re.fullmatch(r"modules/([\w-]+)\.md", path)
    return m.group(1) if m else None


def filter_nav(nav: list, keep) -> list:
    """The nav with only the pages ``keep(path)`` accepts; empty sections dropped."""
    out = []
    for entry in nav or []:
        if isinstance(entry, str):
            if keep(entry):
                out.append(entry)
            continue
        (title, value), = entry.items()
        if isinstance(value, list):
            kept = filter_nav(value, keep)
            if kept:
                out.append({title: kept})
        elif isinstance(value, str) and (re.match(r"^[a-z]+://", value) or keep(value)):
            out.append(entry)
    return out


def nav_pages(nav: list) -> list[str]:
    pages = []
    for entry in nav or []:
        if isinstance(entry, str):
            pages.append(entry)
            continue
        (_, value), = entry.items()
        if isinstance(value, list):
            pages += nav_pages(value)
        elif isinstance(value, str) and not re.match(r"^[a-z]+://", value):
            pages.append(value)
    return pages


def _resolve_link(page: str, target: str) -> str | None:
    """The docs-relative path a relative link on ``page`` points to, or None for anchors and URLs."""
    if re.match(r"^([a-z][a-z0-9+.-]*:|/|#)", target, flags=re.I):
        return None
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return None
    parts: list[str] = []
    for part in (PurePosixPath(page).parent / path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    resolved = "/".join(parts)
    if path.endswith("/"):
        resolved += "/index.md"
    return resolved


def transform_page(text: str, page: str, pages: set[str], modules: list[str], figures: dict) -> str:
    """A page as the edition prints it: figures as values, links to pages left out as plain text."""
    if EXPLANATIONS.search(text):
        raise ReleaseError(f"docs/{page} shows explanations; it cannot go into a student edition")

    def link(m):
        target = _resolve_link(page, m.group(2))
        if target is None or not target.endswith(".md") or target in pages:
            return m.group(0)
        return m.group(1)

    def exercises(m):
        if m.group(1) in modules:
            return m.group(0)
        return f"*(The exercises of module {m.group(1)} are not part of this edition.)*"

    return EXERCISES.sub(exercises, LINK.sub(link, render_figs(text, figures)))


# --- pages that speak to the edition's reader ----------------------------------------------

READER_PAGES = ("index.md", "students.md")  # rewritten so that they speak of the assigned modules only
LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|(\d+)\.)\s+")
FENCE = re.compile(r"^\s*(```|~~~)")


def _drop_items_about_missing_pages(text: str, page: str, pages: set[str]) -> str:
    """List items that link to a page the edition leaves out (an unassigned module, the instructors'
    page) go, with their continuation lines; ordered lists are numbered again."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = LIST_ITEM.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent = len(m.group(1))
        j = i + 1
        while j < len(lines) and lines[j].strip() and not LIST_ITEM.match(lines[j]) \
                and len(lines[j]) - len(lines[j].lstrip()) > indent:
            j += 1
        item = "\n".join(lines[i:j])
        targets = [_resolve_link(page, t.group(2)) for t in LINK.finditer(item)]
        if any(t and t.endswith(".md") and t not in pages for t in targets):
            i = j
            continue
        out += lines[i:j]
        i = j
    numbered: list[str] = []
    counters: dict[int, int] = {}
    for line in out:
        m = LIST_ITEM.match(line)
        if m and m.group(2):
            indent = len(m.group(1))
            counters[indent] = counters.get(indent, 0) + 1
            line = f"{m.group(1)}{counters[indent]}." + line[m.end(2) + 1:]
        elif line.strip() and not line.startswith((" ", "\t")):
            counters.clear()
        numbered.append(line)
    return "\n".join(numbered)


def _drop_package_tests(text: str) -> str:
    """The course's own test run (``pip install -e ".[test]"``) is not the student's: drop the block
    and the sentence that introduces it."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]):
                j += 1
            block = lines[i:j + 1]
            if any(".[test]" in line for line in block):
                while out and not out[-1].strip():
                    out.pop()
                if out and out[-1].rstrip().endswith(":"):
                    while out and out[-1].strip():
                        out.pop()  # the paragraph that introduces the block
                i = j + 1
                continue
            out += block
            i = j + 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def _examples_with_assigned_modules(text: str, modules: list[str], course: list[str]) -> str:
    """Examples that name a module (``exercises/framework.py``, ``caselab check framework``, a module's
    line in sample output) name an assigned one instead."""
    others = [m for m in course if m not in modules]
    if not others or not modules:
        return text
    ids = "|".join(re.escape(m) for m in others)
    patterns = [re.compile(rf"(?<=exercises/)({ids})(?=\.py)"), re.compile(rf"(?<=quizzes/)({ids})(?=\.yml)"),
                re.compile(rf"(?<=caselab check )((?:[\w-]+ )*?)({ids})\b"),
                re.compile(rf"^({ids})(?=$|:| +[\d-])")]
    out: list[str] = []
    in_code = False
    lines = text.split("\n")
    seen: set[str] = set()  # assigned modules the current paragraph already names
    for n, line in enumerate(lines):
        if FENCE.match(line):
            in_code = not in_code
        if not line.strip() or n == 0:
            end = next((k for k in range(n + 1, len(lines)) if not lines[k].strip()), len(lines))
            paragraph = "\n".join(lines[n:end])
            seen = {m for m in modules if re.search(rf"\b{re.escape(m)}\b", paragraph)}

        def pick(name: str) -> str:
            free = [m for m in modules if m not in seen]
            chosen = (free or modules)[0]
            seen.add(chosen)
            return chosen

        for k, pattern in enumerate(patterns):
            if k == 3 and not in_code:
                continue
            while True:
                m = pattern.search(line)
                if not m:
                    break
                group = m.lastindex or 0
                line = line[:m.start(group)] + pick(m.group(group)) + line[m.end(group):]
        # one assigned module for two examples: say it once
        line = re.sub(r"(caselab check ([\w-]+))(?: \2\b)+", r"\1", line)
        command = line.split("#", 1)[0].strip()
        if in_code and command.startswith("caselab check ") and any(
                o.split("#", 1)[0].strip() == command for o in out[-3:]):
            continue  # the same command as the line above
        out.append(line)
    return re.sub(r"(`exercises/([\w-]+)\.py`),(\s*)`exercises/\2\.py`", r"\1\3", "\n".join(out))


def for_the_reader(text: str, page: str, pages: set[str], modules: list[str], course: list[str]) -> str:
    """A home or students' page as the edition's reader needs it: only the assigned modules, in lists
    and in examples; nothing for instructors; no test run of the course package."""
    if page not in READER_PAGES:
        return text
    text = _drop_items_about_missing_pages(text, page, pages)
    text = _drop_package_tests(text)
    return _examples_with_assigned_modules(text, modules, course)


def _default_index(quizzes: dict[str, Quiz]) -> str:
    lines = ["# Student edition", "", "The modules of this edition:", ""]
    lines += [f"- [{q.title}](modules/{m}.md)" for m, q in quizzes.items()]
    return "\n".join(lines) + "\n"


def _default_module_page(quiz: Quiz) -> str:
    return f"# {quiz.title}\n\n## Exercises\n\n<!-- caselab:exercises {quiz.module} -->\n"


def _edition_note(quizzes: dict[str, Quiz], feedback: str) -> str:
    what = {"full": "says for each question whether your answer is right",
            "score": "shows your score for each module (not which questions are right)",
            "none": "checks only that each answer is well-formed; your instructor grades them"}[feedback]
    names = ", ".join(q.title for q in quizzes.values())
    return (f'!!! info "This edition"\n    Assigned modules: {names}. '
            f"Answer in `exercises/<module>.py`; `caselab check` {what}.\n\n")


def _config_files(value: Any, root: Path) -> set[str]:
    """Files of the project that mkdocs.yml names by a relative path (a search dictionary, say).

    Nothing under tests/, solutions/ or the teaching notes: they hold answers.
    """
    found: set[str] = set()
    if isinstance(value, Tagged):
        return _config_files(value.value, root)
    if isinstance(value, dict):
        for v in value.values():
            found |= _config_files(v, root)
    elif isinstance(value, list):
        for v in value:
            found |= _config_files(v, root)
    elif isinstance(value, str) and "/" in value and "\n" not in value and not re.match(r"^[a-z]+:", value):
        path = (root / value).resolve()
        if root in path.parents and path.is_file():
            rel = path.relative_to(root).as_posix()
            if not rel.startswith(("tests/", "solutions/", "docs/instructor/", ".git/")):
                found.add(rel)
    return found


def _course_modules(root: Path, modules: list[str]) -> list[str]:
    """Every module of the course (from its quizzes), so that examples naming others can be retargeted."""
    found = sorted(p.stem for p in (root / "tests" / "quizzes").glob("*.yml"))
    return found + [m for m in modules if m not in found]


def build_site(root: Path, dest: Path, quizzes: dict[str, Quiz], feedback: str, figures: dict) -> list[str]:
    """Write the edition's docs/ and mkdocs.yml; return the pages it holds."""
    config_path = root / "mkdocs.yml"
    config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=YamlLoader) if config_path.is_file() else {}
    docs = root / config.get("docs_dir", "docs")
    modules = list(quizzes)
    course = _course_modules(root, modules)

    def keep(path: str) -> bool:
        if left_out(path):
            return False
        module = _module_page(path)
        if module is not None:
            return module in modules
        return (docs / path).is_file()

    nav = filter_nav(config.get("nav") or [], keep)
    listed = nav_pages(nav)
    # every assigned module is in the nav, even one the main nav does not list yet
    missing = [f"modules/{m}.md" for m in modules if f"modules/{m}.md" not in listed]
    if missing:
        nav.append({"Modules": missing})
        listed += missing
    if "index.md" not in listed:
        nav.insert(0, {"Home": "index.md"})
        listed.insert(0, "index.md")
    if (docs / "checking.md").is_file() and "checking.md" not in listed:
        nav.append({"How answers are checked": "checking.md"})
        listed.append("checking.md")
    pages = set(listed)

    referenced: set[str] = set()
    for page in listed:
        src = docs / page
        if src.is_file():
            text = src.read_text(encoding="utf-8")
        elif page == "index.md":
            text = _default_index(quizzes)
        elif _module_page(page) in quizzes:
            text = _default_module_page(quizzes[_module_page(page)])
        else:
            continue
        if page == "index.md":
            lines = text.split("\n")
            at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
            text = "\n".join(lines[:at] + ["", _edition_note(quizzes, feedback).rstrip("\n")] + lines[at:])
        text = for_the_reader(text, page, pages, modules, course)
        out = transform_page(text, page, pages, modules, figures)
        (dest / "docs" / page).parent.mkdir(parents=True, exist_ok=True)
        (dest / "docs" / page).write_text(out, encoding="utf-8")
        for ref in REFERENCE.findall(out):
            target = _resolve_link(page, ref)
            if target and not target.endswith(".md"):
                referenced.add(target)
    theme = config.get("theme") if isinstance(config.get("theme"), dict) else {}
    for name in [*(config.get("extra_css") or []), *(config.get("extra_javascript") or []),
                 theme.get("logo"), theme.get("favicon")]:
        if isinstance(name, str) and not re.match(r"^[a-z]+://", name):
            referenced.add(name)
    for ref in sorted(referenced):
        src = docs / ref
        if src.is_file() and not left_out(ref):
            (dest / "docs" / ref).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / "docs" / ref)
    if isinstance(theme.get("custom_dir"), str) and (root / theme["custom_dir"]).is_dir():
        shutil.copytree(root / theme["custom_dir"], dest / theme["custom_dir"])

    for name in sorted(_config_files(config, root)):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        if not (dest / name).exists():
            shutil.copyfile(root / name, dest / name)

    config = dict(config)
    config["site_name"] = f"{config.get('site_name', 'caselab')} (student edition)"
    config.pop("site_url", None)
    config["docs_dir"] = "docs"
    config["strict"] = True
    config["nav"] = nav
    (dest / "mkdocs.yml").write_text(
        "# The site of a caselab student edition, generated by `caselab release`.\n" + dump_yaml(config),
        encoding="utf-8")
    return listed
