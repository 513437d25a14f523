"""MkDocs hook: render the site's data-driven parts from the same files the quizzes use.

Listed under ``hooks:`` in mkdocs.yml.  It replaces the markers described in
AUTHORING.md (exercises, explanations, figures, sources, glossary, timeline),
adds the glossary as tooltips on every page, and leaves the teaching notes
(docs/instructor/) out of the site unless the instructor asks for them with
``CASELAB_INSTRUCTOR=1``.
"""
from __future__ import annotations

import html
import os
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from caselab.site import charts
from caselab.quiz.figures import load_figures
from caselab.quiz.model import load_quizzes
from caselab.quiz.sheets import answer_form, choices, example_calls, reference_value
from caselab.quiz.sources import load_sources

INSTRUCTOR_DIR = "instructor/"
FIG = re.compile(r"\{\{\s*fig\s+([\w.]+)\s*\}\}")
MARKER = re.compile(r"<!--\s*caselab:(exercises|explanations|sources|glossary|timeline|chart|modules)\s*([\w:-]*)\s*-->")
# A chart marker survives Markdown as an HTML comment; on_page_content draws it (src/caselab/charts.py).
CHART = re.compile(r"(?:<p>\s*)?<!--\s*caselab:chart\s+([\w-]+)\s*-->(?:\s*</p>)?")


def instructor_mode() -> bool:
    """Teaching notes and answers are published only when asked for explicitly."""
    return os.environ.get("CASELAB_INSTRUCTOR", "").strip().lower() in ("1", "true", "yes")


def _root(config) -> Path:
    return Path(config["config_file_path"]).resolve().parent


def _drop_instructor(nav):
    out = []
    for entry in nav or []:
        if isinstance(entry, str):
            if not entry.startswith(INSTRUCTOR_DIR):
                out.append(entry)
            continue
        (title, value), = entry.items()
        if isinstance(value, list):
            kept = _drop_instructor(value)
            if kept:
                out.append({title: kept})
        elif not str(value).startswith(INSTRUCTOR_DIR):
            out.append(entry)
    return out


@event_priority(100)  # before the search plugin reads its options
def on_config(config):
    _anchor_search_paths(config)
    _quiet_jieba()
    if not instructor_mode():
        config["nav"] = _drop_instructor(config["nav"])
    return config


def _quiet_jieba() -> None:
    """The search plugin's Chinese word splitter (jieba) logs its dictionary loading on every build;
    nothing a user can act on.  jieba sets its own level when imported, so import it first."""
    import logging

    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)


def _anchor_search_paths(config) -> None:
    """The search plugin opens ``jieba_dict_user`` relative to the working directory;
    make it relative to mkdocs.yml so that ``mkdocs build -f path/mkdocs.yml`` works anywhere."""
    search = config["plugins"].get("material/search") or config["plugins"].get("search")
    if search is None:
        return
    for option in ("jieba_dict", "jieba_dict_user"):
        value = search.config.get(option)
        if value and not os.path.isabs(value):
            search.config[option] = str(_root(config) / value)


def on_files(files, config):
    if instructor_mode():
        return files
    for f in list(files):
        if f.src_uri.startswith(INSTRUCTOR_DIR):
            files.remove(f)
    return files


# --- renderers ------------------------------------------------------------------------------

def _indent(text: str, n: int = 4) -> str:
    return "\n".join((" " * n + line) if line.strip() else "" for line in text.splitlines())


def render_exercises(quiz) -> str:
    parts = [f"Answer in `exercises/{quiz.module}.py`, then run `caselab check {quiz.module}`. "
             f"{len(quiz.questions)} questions, {quiz.max_score:g} points. "
             "The rules for each type are on [How answers are checked](../checking.md)."]
    for q in quiz.questions:
        pts = f"{q.points:g} point" + ("" if q.points == 1 else "s")
        block = [f"### {q.id} · {q.title}", "", f"*{q.type} · {pts}*", "", q.prompt, ""]
        if q.type == "matching":
            block += ["| match each | with one of |", "| --- | --- |"]
            left = list(q.spec["left"].items())
            right = list(q.spec["right"].items())
            for i in range(max(len(left), len(right))):
                lcell = f"**{left[i][0]}.** {left[i][1]}" if i < len(left) else ""
                rcell = f"**{right[i][0]}.** {right[i][1]}" if i < len(right) else ""
                block.append(f"| {lcell} | {rcell} |")
            block.append("")
        else:
            block += [f"- **{label}.** {text}" for label, text in choices(q)] + ([""] if choices(q) else [])
        if q.type == "code":
            block += ["```python", q.spec["signature"].strip(), "    ...", "```", "",
                      "Called like: " + ", ".join(f"`{c}`" for c in example_calls(q)), ""]
        block += [f"**Answer:** {answer_form(q)}", ""]
        parts.append("\n".join(block))
    return "\n\n".join(parts)


def _key_text(q) -> str:
    if q.type == "code":
        return "reference solution:\n\n" + _indent("```python\n" + q.spec["solution"].strip() + "\n```")
    if q.type == "memo":
        text = "structure-checked; grade the content with the rubric in this note."
        model = q.spec.get("solution", "").strip()
        if model:
            body = re.sub(r"^#{1,3}\s+(.+)$", r"**\1**", model, flags=re.M)
            text += '\n\n??? example "Model memo"\n\n' + _indent(body)
        return text
    return f"`{reference_value(q)!r}`"


def render_explanations(quiz, root: Path) -> str:
    sources = load_sources(root)["documents"]
    parts = []
    for q in quiz.questions:
        cites = ", ".join(
            f"{s} ({sources[s]['number'] or sources[s]['title_en']})" if s in sources else s for s in q.sources)
        body = [f"### {q.id} · {q.title}", "", q.prompt, "", f"**Key:** {_key_text(q)}", "",
                f"**Explanation.** {q.explanation}", "", f"**Sources:** {cites}", ""]
        if q.hints:
            body += ["**Hints shown to students:** " + " / ".join(q.hints), ""]
        parts.append("\n".join(body))
    return "\n\n".join(parts)


def render_sources(root: Path) -> str:
    data = load_sources(root)
    rows = ["| id | document | number | issued by | date | confidence |", "| --- | --- | --- | --- | --- | --- |"]
    for d in data["documents"].values():
        date = d.get("date_note") or str(d.get("date", ""))
        issuers = "; ".join(map(str, d.get("issuers", [])))
        rows.append(f"| `{d['id']}` | 《{d['title_zh']}》<br>{d['title_en']} | {d.get('number') or '—'} | "
                    f"{issuers} | {date} | {d.get('confidence', '')} |")
    art = data["article"]
    facts = ["| fact | what the article reports (paraphrased) |", "| --- | --- |"]
    facts += [f"| {k} | {v} |" for k, v in art["facts"].items()]
    return "\n".join(rows) + f"\n\n### The article (`{art['id']}`)\n\n{art['title_zh']}: {art['title_en']}.\n\n" + "\n".join(facts)


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the build reads these per page


@lru_cache(maxsize=16)
def _read_yaml(path: Path, mtime: float):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_FAST_LOADER)


def _glossary(root: Path) -> list[dict]:
    path = (root / "data" / "glossary.yml").resolve()
    return _read_yaml(path, path.stat().st_mtime) if path.is_file() else []


def render_glossary(root: Path) -> str:
    rows = ["| term | 中文 | meaning |", "| --- | --- | --- |"]
    rows += [f"| **{g['term']}** | {g.get('zh', '')} | {g['definition']} |"
             for g in sorted(_glossary(root), key=lambda g: str(g["term"]).lower())]
    return "\n".join(rows)


def render_module_list(root: Path, src_uri: str) -> str:
    """The course's modules in order (data/modules.yml), only those this site has a quiz for."""
    up = "../" * src_uri.count("/")
    quizzes = load_quizzes(root)
    return "\n".join(f"{i}. [{quiz.title}]({up}modules/{module}.md)"
                     for i, (module, quiz) in enumerate(quizzes.items(), start=1))


def render_timeline(root: Path, span: str = "") -> str:
    """The dated events, optionally only those in ``span`` = ``FROM:TO`` (prefixes of ISO dates)."""
    path = root / "data" / "timeline.yml"
    events = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []
    if span:
        start, _, end = span.partition(":")
        events = [e for e in events if str(e["date"])[:len(start)] >= start and str(e["date"])[:len(end)] <= end]
    rows = ["| date | event | source |", "| --- | --- | --- |"]
    for e in sorted(events, key=lambda e: str(e["date"])):
        zh = f" ({e['event_zh']})" if e.get("event_zh") else ""
        flag = " *(reported)*" if e.get("confidence") == "W" else " *(unconfirmed)*" if e.get("confidence") == "U" else ""
        rows.append(f"| {e['date']} | {e['event']}{zh}{flag} | {e.get('source', '')} |")
    return "\n".join(rows)


def abbreviations(root: Path) -> str:
    lines = []
    for g in _glossary(root):
        zh = f" ({g['zh']})" if g.get("zh") else ""
        text = f"{g['definition']}{zh}".replace("\n", " ").replace("]", ")")
        lines.append(f"*[{g['term']}]: {html.escape(text, quote=False)}")
    return "\n".join(lines)


def on_page_markdown(markdown, page, config, files):
    root = _root(config)
    figures = load_figures(root)

    def fig(m):
        name = m.group(1)
        if name not in figures:
            raise PluginError(f"{page.file.src_uri}: unknown figure {name!r} in {{{{ fig {name} }}}}")
        return figures[name].formatted()

    def marker(m):
        kind, arg = m.group(1), m.group(2)
        if kind in ("exercises", "explanations"):
            quizzes = load_quizzes(root)
            if arg not in quizzes:
                raise PluginError(f"{page.file.src_uri}: no quiz for module {arg!r}")
            if kind == "explanations" and not page.file.src_uri.startswith(INSTRUCTOR_DIR):
                raise PluginError(f"{page.file.src_uri}: explanations belong on instructor pages only")
            return render_exercises(quizzes[arg]) if kind == "exercises" else render_explanations(quizzes[arg], root)
        if kind == "timeline":
            return render_timeline(root, arg)
        if kind == "modules":
            return render_module_list(root, page.file.src_uri)
        if kind == "chart":
            if arg not in charts.CHARTS:
                raise PluginError(f"{page.file.src_uri}: unknown chart {arg!r} in <!-- caselab:chart -->; "
                                  f"known: {', '.join(charts.CHARTS)}")
            return f"<!-- caselab:chart {arg} -->"  # drawn in on_page_content, after Markdown
        return {"sources": render_sources, "glossary": render_glossary}[kind](root)

    markdown = FIG.sub(fig, MARKER.sub(marker, markdown))
    return markdown + "\n\n" + abbreviations(root) + "\n"


# --- after Markdown: charts and the page's meta description ----------------------------------

class _FirstParagraph(HTMLParser):
    """The text of the first plain paragraph outside admonitions, details, tables and figures."""

    SKIP = {"details", "table", "figure", "aside", "nav", "pre", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: does it hide its paragraphs?
        self.in_p = False
        self.parts: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "hr", "input", "meta", "link", "wbr"):
            return
        cls = dict(attrs).get("class") or ""
        hidden = tag in self.SKIP or "admonition" in cls.split() or "cl-chart" in cls
        self.stack.append(hidden)
        if tag == "p" and not attrs and not any(self.stack[:-1]) and not self.found:
            self.in_p, self.parts = True, []

    def handle_endtag(self, tag):
        if tag in ("br", "img", "hr", "input", "meta", "link", "wbr"):
            return
        if self.stack:
            self.stack.pop()
        if tag == "p" and self.in_p:
            self.in_p = False
            paragraph = " ".join("".join(self.parts).split())
            if len(paragraph) >= 60:
                self.found.append(paragraph)

    def handle_data(self, data):
        if self.in_p:
            self.parts.append(data)


def describe_page(html_text: str, limit: int = 160) -> str:
    """A meta description from the page's first real paragraph, cut at a word near ``limit``."""
    parser = _FirstParagraph()
    parser.feed(html_text)
    if not parser.found:
        return ""
    text = parser.found[0]
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def on_page_content(html_text, page, config, files):
    root = _root(config)
    count = {"n": 0}

    def chart(m):
        count["n"] += 1
        try:
            return charts.render(m.group(1), root, uid=f"cl-{m.group(1)}-{count['n']}")
        except charts.ChartError as exc:
            raise PluginError(f"{page.file.src_uri}: {exc}") from None

    html_text = CHART.sub(chart, html_text)
    if not page.meta.get("description"):
        description = describe_page(html_text)
        if description:
            # The theme writes it into content="..." as it is: escape it here.
            page.meta["description"] = html.escape(description, quote=True)
    return html_text
