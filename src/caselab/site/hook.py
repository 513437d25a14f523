"""MkDocs hook: render the site's data-driven parts from the same files the quizzes use.

Listed under ``hooks:`` in mkdocs.yml.  It replaces the markers described in
AUTHORING.md (exercises, explanations, objectives, facts, figures, sources, glossary,
timeline), links the article's fact ids in running text ("(A3, A6)") to the list of the
article's facts (docs/article.md, from data/article_facts.yml), adds the glossary as
tooltips on every page, and leaves the teaching notes
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
from mkdocs.structure.files import File

from caselab.site import answer_page, charts
from caselab.quiz.figures import FIG_MARK, fill_markers
from caselab.quiz.model import load_quizzes
from caselab.quiz.sheets import answer_form, choices, example_calls, reference_value
from caselab.quiz.sources import load_sources
from caselab.quiz.variants import site_notice

INSTRUCTOR_DIR = "instructor/"
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
    if not instructor_mode():
        for f in list(files):
            if f.src_uri.startswith(INSTRUCTOR_DIR):
                files.remove(f)
    # an answer page for every module the site has a page for (an edition: its assigned modules)
    pages = {f.src_uri for f in files}
    for module, quiz in load_quizzes(_root(config)).items():
        if f"modules/{module}.md" in pages and answer_page.page_uri(module) not in pages:
            files.append(File.generated(config, answer_page.page_uri(module), content=answer_page.page_markdown(quiz)))
    return files


# --- renderers ------------------------------------------------------------------------------

def _indent(text: str, n: int = 4) -> str:
    return "\n".join((" " * n + line) if line.strip() else "" for line in text.splitlines())


def render_exercises(quiz) -> str:
    parts = [f"Answer in `exercises/{quiz.module}.py`, then run `caselab check {quiz.module}`. "
             f"{len(quiz.questions)} questions, {quiz.max_score:g} points. "
             "The rules for each type are on [How answers are checked](../checking.md). "
             f"Prefer a form? [Answer in the browser](../answers/{quiz.module}.md) and download the same sheet."]
    notice = site_notice(quiz)  # an edition released with --roster: a personal sheet's numbers and letters come first
    if notice:
        parts.insert(0, notice.rstrip())
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
    return _labelled_key(q) or f"`{reference_value(q)!r}`"


def render_explanations(quiz, root: Path) -> str:
    sources = load_sources(root)["documents"]
    parts = []
    for q in quiz.questions:
        cites = ", ".join(
            f"{s} ({sources[s]['number'] or sources[s]['title_en']})" if s in sources else s for s in q.sources)
        body = [f"### {q.id} · {q.title}", "", q.prompt, "", f"**Key:** {_key_text(q)}", "",
                *_parameter_lines(q), *_design_lines(q, quiz), f"**Explanation.** {q.explanation}", "",
                f"**Sources:** {cites}", ""]
        if q.hints:
            body += ["**Hints shown to students:** " + " / ".join(q.hints), ""]
        parts.append("\n".join(body))
    return "\n\n".join(parts)


def _parameter_lines(q) -> list[str]:
    """A question with per-student figures: what varies with ``caselab release --roster`` and the students' prompt."""
    params = q.spec.get("parameters")
    if not params:
        return []
    ranges = "; ".join(f"`{name}` {', '.join(f'{v:g}' for v in values[:3])}"
                       + (f" … {values[-1]:g} ({len(values)} values)" if len(values) > 3 else "")
                       for name, values in params.items())
    scenario = FIG_MARK.sub(lambda m: f"⟨{m.group(1)}⟩", " ".join(q.spec["scenario"].split()))
    return [f"**Per-student figures** (`caselab release --roster`; the key is `{q.spec['key_figure']}` computed "
            f"with each student's): {ranges}. Their prompt: {scenario}", ""]


# --- teaching notes: objectives, keys with their text, levels, rubrics ----------------------------

def _cell(text) -> str:
    """Text safe inside a Markdown table cell: one line, no column breaks."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _labelled_key(q) -> str:
    """The key with the text of every option it names (never a bare letter); '' for other types."""
    if q.type == "choice":
        label = str(q.key).upper()
        options = {str(k).upper(): v for k, v in q.spec["options"].items()}
        return f"**{label}** — {_cell(options.get(label, ''))}"
    if q.type == "multi":
        options = {str(k).upper(): v for k, v in q.spec["options"].items()}
        keys = [str(k).upper() for k in q.key]
        return "".join(f"\n\n- **{k}** — {_cell(options.get(k, ''))}" for k in keys)
    if q.type == "ordering":
        items = {str(k).upper(): v for k, v in q.spec["items"].items()}
        return "".join(f"\n\n{i}. **{k}** — {_cell(items.get(str(k).upper(), ''))}"
                       for i, k in enumerate(q.key, start=1))
    if q.type == "matching":
        left = {str(k): v for k, v in q.spec["left"].items()}
        right = {str(k).upper(): v for k, v in q.spec["right"].items()}
        rows = ["", "", "| left | matches |", "| --- | --- |"]
        rows += [f"| **{k}.** {_cell(left.get(str(k), ''))} | **{str(v).upper()}.** {_cell(right.get(str(v).upper(), ''))} |"
                 for k, v in q.key.items()]
        return "\n".join(rows)
    if q.type == "text":
        return "any of " + ", ".join(f"`{form}`" for form in q.key)
    return ""


def _design_lines(q, quiz) -> list[str]:
    """The question's level and objective, and a memo's rubric as a table (teaching notes only)."""
    lines = []
    if q.level or q.objective:
        objective = q.objective or "—"
        if q.objective in quiz.objectives:
            objective = f"{q.objective} ({quiz.objectives[q.objective]})"
        lines += [f"**Level:** {q.level or '—'} · **Objective:** {objective}", ""]
    rubric = q.spec.get("rubric") or []
    if rubric:
        lines += ["**Rubric** (for the instructor's marking):", "", "| criterion | points |", "| --- | ---: |"]
        lines += [f"| {_cell(r['criterion'])} | {r['points']:g} |" for r in rubric]
        lines += [f"| **total** | **{sum(r['points'] for r in rubric):g}** |", ""]
    return lines


def render_objectives(quiz) -> str:
    """The module's objectives, each with the questions that test it (from the quiz file, so it cannot drift)."""
    if not quiz.objectives:
        return (f"*The quiz of module {quiz.module} declares no objectives yet "
                f"(add `objectives:` to `tests/quizzes/{quiz.module}.yml`).*")
    rows = ["| objective | tested by | points |", "| --- | --- | ---: |"]
    groups = [(oid, f"**{oid}.** {_cell(text)}") for oid, text in quiz.objectives.items()]
    if any(q.objective not in quiz.objectives for q in quiz.questions):
        groups.append((None, "*no objective named*"))
    for oid, label in groups:
        tested = [q for q in quiz.questions if (q.objective == oid if oid else q.objective not in quiz.objectives)]
        cell = "<br>".join(f"{q.id} · {_cell(q.title)} ({q.level or 'no level'}, {q.points:g} "
                           f"point{'' if q.points == 1 else 's'})" for q in tested) or "**no question yet**"
        rows.append(f"| {label} | {cell} | {sum(q.points for q in tested):g} |")
    return "\n".join(rows)


# --- the article's facts: the list, and links from the fact ids in running text ------------------

FACTS_FILE = "article_facts.yml"
FACTS_PAGE = "article.md"
FACT_KEY = re.compile(r"^A([1-9]|1[0-9]|2[0-2])$")
OBJECTIVES_MARKER = re.compile(r"<!--\s*caselab:objectives\s+([\w-]+)\s*-->")
FACTS_MARKER = re.compile(r"<!--\s*caselab:facts\s*-->")
# What a fact id must not be linked inside: code, links, HTML tags and comments, headings,
# admonition titles and abbreviation lines; the last alternative is the fact id itself.
_FACT_CONTEXT = re.compile(
    r"(?P<skip>^[ \t]*(?P<fence>`{3,}|~{3,}).*?^[ \t]*(?P=fence)[ \t]*$"
    r"|`[^`\n]+`"
    r"|!?\[[^\]\n]*\]\([^)\n]*\)"
    r"|<!--.*?-->"
    r"|<[^>\n]+>"
    r"|^[ \t]*#{1,6}[ \t][^\n]*$"
    r"|^[ \t]*[!?]{3}[^\n]*$"
    r"|^\*\[[^\n]*$)"
    r"|(?<![A-Za-z0-9_.-])(?P<fact>A(?:[1-9]|1[0-9]|2[0-2]))(?![A-Za-z0-9_-])",
    re.M | re.S)


def article_facts(root: Path) -> dict[str, str]:
    """data/article_facts.yml: fact id -> one line; checked so that a bad entry fails the build clearly."""
    path = (root / "data" / FACTS_FILE).resolve()
    if not path.is_file():
        return {}
    data = _read_yaml(path, path.stat().st_mtime) or {}
    if not isinstance(data, dict):
        raise PluginError(f"data/{FACTS_FILE}: expected a mapping of fact ids (A1..A22) to one line each")
    for fid, line in data.items():
        if not FACT_KEY.match(str(fid)):
            raise PluginError(f"data/{FACTS_FILE}: {fid!r} is not a fact id of the article (A1..A22)")
        if not isinstance(line, str) or not line.strip() or "\n" in line.strip():
            raise PluginError(f"data/{FACTS_FILE}: {fid} needs exactly one line of text")
    return {str(k): " ".join(_filled(v, root, f"data/{FACTS_FILE}").split()) for k, v in data.items()}


def _filled(text: str, root: Path, where: str) -> str:
    """Figure markers in a data file's text, printed as on pages (figures.fill_markers)."""
    try:
        return fill_markers(str(text), root, where)
    except ValueError as exc:
        raise PluginError(str(exc)) from None


def render_facts(root: Path) -> str:
    facts = article_facts(root)
    if not facts:
        raise PluginError(f"<!-- caselab:facts -->: data/{FACTS_FILE} is missing or empty")
    rows = ["| fact | what the article reports (retold) |", "| --- | --- |"]
    rows += [f'| <span id="{fid.lower()}"></span>**{fid}** | {_cell(line)} |' for fid, line in facts.items()]
    return "\n".join(rows)


def link_article_facts(markdown: str, src_uri: str, facts: dict[str, str]) -> str:
    """Every fact id in running text ("A15", "(A3, A6)") becomes a link to its line on the facts page,
    with the line as the link's title; ids in code, links, tags, headings and admonition titles stay."""
    up = "../" * src_uri.count("/")

    def link(m):
        fid = m.group("fact")
        if not fid or fid not in facts:
            return m.group(0)
        title = facts[fid].replace("\\", "").replace('"', "'").replace("|", "/")
        return f'[{fid}]({up}{FACTS_PAGE}#{fid.lower()} "{title}")'

    return _FACT_CONTEXT.sub(link, markdown)


def render_teaching_markers(markdown: str, page, root: Path, has_facts_page: bool) -> str:
    """The objectives and facts markers, then the fact-id links (the facts page itself keeps plain ids)."""
    def objectives(m):
        quizzes = load_quizzes(root)
        if m.group(1) not in quizzes:
            raise PluginError(f"{page.file.src_uri}: no quiz for module {m.group(1)!r} in <!-- caselab:objectives -->")
        return render_objectives(quizzes[m.group(1)])

    markdown = OBJECTIVES_MARKER.sub(objectives, markdown)
    markdown = FACTS_MARKER.sub(lambda m: render_facts(root), markdown)
    if has_facts_page and page.file.src_uri != FACTS_PAGE:
        markdown = link_article_facts(markdown, page.file.src_uri, article_facts(root))
    return markdown


def render_sources(root: Path) -> str:
    data = load_sources(root)
    rows = ["| id | document | number | issued by | date | confidence |", "| --- | --- | --- | --- | --- | --- |"]
    for d in data["documents"].values():
        date = d.get("date_note") or str(d.get("date", ""))
        issuers = "; ".join(map(str, d.get("issuers", [])))
        rows.append(f"| `{d['id']}` | 《{d['title_zh']}》<br>{d['title_en']} | {d.get('number') or '—'} | "
                    f"{issuers} | {date} | {d.get('confidence', '')} |")
    art = data["article"]
    return "\n".join(rows) + (f"\n\n### The article (`{art['id']}`)\n\n{art['title_zh']}: {art['title_en']}.\n\n"
                               "Its facts (A1–A22), each retold in one line, are listed on "
                               "[The article's facts](article.md).")


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the build reads these per page


@lru_cache(maxsize=16)
def _read_yaml(path: Path, mtime: float):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_FAST_LOADER)


def _glossary(root: Path) -> list[dict]:
    """The glossary's entries, their definitions' figure markers printed (table and tooltips alike)."""
    path = (root / "data" / "glossary.yml").resolve()
    entries = _read_yaml(path, path.stat().st_mtime) if path.is_file() else []
    return [{**g, "definition": _filled(g["definition"], root, "data/glossary.yml")} if "definition" in g else g
            for g in entries or []]


def render_glossary(root: Path) -> str:
    rows = ["| term | 中文 | meaning |", "| --- | --- | --- |"]
    rows += [f"| **{g['term']}** | {g.get('zh', '')} | {g['definition']} |"
             for g in sorted(_glossary(root), key=lambda g: str(g["term"]).lower())]
    return "\n".join(rows)


def render_module_list(root: Path, src_uri: str) -> str:
    """The course's modules in order (data/modules.yml), only those this site has a quiz for."""
    up = "../" * src_uri.count("/")
    quizzes = load_quizzes(root)
    return "\n".join(f"{i}. [{quiz.title}]({up}modules/{module}.md) ([answer page]({up}answers/{module}.md))"
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
        event = _filled(e["event"], root, "data/timeline.yml")
        rows.append(f"| {e['date']} | {event}{zh}{flag} | {e.get('source', '')} |")
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

    try:
        markdown = fill_markers(MARKER.sub(marker, markdown), root, page.file.src_uri)
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    has_facts_page = files is not None and files.get_file_from_path(FACTS_PAGE) is not None
    markdown = render_teaching_markers(markdown, page, root, has_facts_page)
    return markdown + "\n\n" + abbreviations(root) + "\n"


# --- after Markdown: charts, answer forms and the page's meta description ---------------

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

    def form(m):
        quizzes = load_quizzes(root)
        if m.group(1) not in quizzes:
            raise PluginError(f"{page.file.src_uri}: no quiz for module {m.group(1)!r}")
        return answer_page.render_form(quizzes[m.group(1)], edition=config["site_name"])

    html_text = answer_page.MARKER.sub(form, html_text)
    if not page.meta.get("description"):
        description = describe_page(html_text)
        if description:
            # The theme writes it into content="..." as it is: escape it here.
            page.meta["description"] = html.escape(description, quote=True)
    return html_text
