"""The content: retold, not copied; published builds hold no answers; every page has the module shape."""
from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from caselab.site.originality import copied_passages, load_fingerprint
from conftest import ROOT
from test_site_build import built_site

TEXT_SUFFIXES = {".md", ".yml", ".yaml", ".py", ".txt", ".html", ".json", ".toml"}


def tracked_text_files():
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True).stdout.split()
    return [ROOT / f for f in out if Path(f).suffix in TEXT_SUFFIXES and f != "data/article-fingerprint.txt"
            and (ROOT / f).is_file()]


def test_no_file_repeats_the_article_word_for_word():
    fingerprint = load_fingerprint(ROOT)
    assert len(fingerprint) > 500
    hits = {str(p.relative_to(ROOT)): copied_passages(p.read_text(encoding="utf-8", errors="ignore"), fingerprint)
            for p in tracked_text_files()}
    hits = {k: v for k, v in hits.items() if v}
    assert not hits, f"passages repeated from the article (retell them): {hits}"


def test_the_detector_finds_a_copied_sentence():
    article_like = "以下内容为测试：" + "".join(chr(0x4E00 + i) for i in range(20))
    import hashlib

    fp = {hashlib.sha1(article_like[8:20].encode()).hexdigest()[:16]}
    assert copied_passages(article_like, fp)
    assert not copied_passages("《" + article_like + "》", fp)


SHAPE = ["Questions and objectives", "## Reading", "## Key terms", "## Discussion questions", "## Exercises",
         "## Key points", "## Sources"]


@pytest.mark.parametrize("page", sorted((ROOT / "docs" / "modules").glob("*.md")), ids=lambda p: p.stem)
def test_every_module_page_has_the_same_shape(page):
    text = page.read_text(encoding="utf-8")
    positions = [text.find(h) for h in SHAPE]
    assert all(p >= 0 for p in positions), f"{page.name} lacks {[h for h, p in zip(SHAPE, positions) if p < 0]}"
    assert positions == sorted(positions), f"{page.name}: sections out of order"
    assert f"<!-- caselab:exercises {page.stem} -->" in text


@pytest.mark.parametrize("page", sorted((ROOT / "docs" / "instructor").glob("*.md")), ids=lambda p: p.stem)
def test_teaching_notes_have_plans_and_explanations(page):
    if page.stem == "index":
        return
    text = page.read_text(encoding="utf-8").lower()
    for part in ("synopsis", "<!-- caselab:objectives", "pre-class", "50-minute", "80-minute", "decision point",
                 "board plan", "model answers", "misreading", "what happened next", "further reading"):
        assert part in text, f"{page.name} lacks {part}"
    assert f"<!-- caselab:explanations {page.stem} -->" in text


@pytest.fixture(scope="module")
def published():
    return built_site(instructor=False)  # built once per session, shared with test_site_build.py


def test_published_site_has_no_teaching_notes_and_no_answers(published, quizzes):
    assert not (published / "instructor").exists()
    pages = "\n".join(p.read_text(encoding="utf-8") for p in published.rglob("*.html"))
    words = " ".join(re.findall(r"\w+", html.unescape(re.sub(r"<[^>]+>", " ", pages))))
    for quiz in quizzes.values():
        for q in quiz.questions:
            snippet = " ".join(re.findall(r"\w+", q.explanation)[:10])
            assert snippet not in words, f"{q.nodeid}: explanation published"
            if q.type == "code":
                body = q.spec["solution"].strip().splitlines()[-1].strip()
                assert body not in pages, f"{q.nodeid}: reference code published"
    assert "Teaching notes" not in pages


def test_published_module_pages_show_every_question(published, quizzes):
    for module, quiz in quizzes.items():
        html = (published / "modules" / module / "index.html").read_text(encoding="utf-8")
        for q in quiz.questions:
            assert f"{q.id} · " in html


@pytest.mark.slow  # several seconds: left out of the authors' quick run
def test_instructor_build_has_the_teaching_notes(quizzes):
    note = (built_site(instructor=True) / "instructor" / "framework" / "index.html").read_text(encoding="utf-8")
    q = quizzes["framework"].questions[0]
    assert "Explanation" in note and q.title in note


def test_students_page_lists_every_module_in_course_order(published, quizzes):
    students = (published / "students" / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<li><a href="\.\./modules/([\w-]+)/">', students)
    assert listed == list(quizzes)


def _cbeci_rows():
    import yaml

    return yaml.safe_load((ROOT / "data" / "case.yml").read_text(encoding="utf-8"))["cbeci_china_share_pct"]


def test_each_cbeci_row_is_a_figure_with_its_source():
    from caselab.quiz.figures import load_figures

    figures = load_figures(ROOT)
    for row in _cbeci_rows():
        f = figures[f"cbeci_china_share_pct.{str(row['month']).replace('-', '_')}"]
        assert (f.value, f.source, f.unit) == (row["value"], row["source"], "%")
        assert f.formatted() == f"{row['value']:,.{row['decimals']}f} %"


# Every page of the site (docs/, student pages and teaching notes alike) and the data files whose text
# the site prints (the glossary: its table and the tooltips; the article's facts: their list and the
# titles of fact-id links; the timeline: its tables and chart) print the case's figures through
# {{ fig name }} markers, never typed, so that a change in data/case.yml reaches every page.
FIGURE_TEXTS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")) + [
    "data/glossary.yml", "data/article_facts.yml", "data/timeline.yml"]
# Numbers that read like a figure of data/case.yml but are something else: (file, typed form) -> why.
# Keep this short; an entry that no longer matches anything fails the test so that it is removed.
NOT_FIGURES = {
    ("docs/modules/mining.md", "1,000"): "watts to kilowatts (W/TH × 24 ÷ 1,000), not the FATF threshold",
    ("docs/instructor/mining.md", "1000"): "watts to kilowatts on the board (W / 1000 = kW), not the FATF threshold",
    ("docs/instructors.md", "1,000"): "class sizes in the guide to the similarity check, not the FATF threshold",
}
_FIG_MARKER = re.compile(r"\{\{\s*fig\s+[\w.]+\s*\}\}")


def _figure_patterns(figures) -> dict[str, tuple[str, list[str]]]:
    """regex -> (the typed form, the figures it would be).  Raw numbers of four digits or more, or with
    a decimal point, at their own precision with and without thousands separators (smaller whole
    numbers, such as counts, article numbers and OJ L 150, are too common to tell apart); shares (raw
    figures in %) with their sign at their precision or finer; derived figures as the site prints them;
    dates written out (15 September 2021)."""
    import datetime as dt

    from caselab.quiz.figures import DERIVED

    out: dict[str, tuple[str, list[str]]] = {}

    def add(regex, form, name):
        out.setdefault(regex, (form, []))[1].append(name)

    for name, f in figures.items():
        v = f.value
        if isinstance(v, dt.date):
            add(rf"(?<!\d){v.day}\s+{v:%B}\s+{v.year}(?!\d)", f.formatted(), name)
            continue
        values = v if isinstance(v, list) else [v]
        for x in values:
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                continue
            decimals = f.decimals if f.decimals is not None else (0 if float(x).is_integer() else len(repr(x).split(".")[1]))
            if f.unit == "%" and name not in DERIVED:
                if x != 0:  # "0 %" is too common to tell apart
                    for d in range(decimals, max(decimals, 2) + 1):
                        add(rf"(?<![\d.,]){re.escape(f'{x:.{d}f}')}(?![\d]|[.,]\d)\s*%", f"{x:.{d}f} %", name)
                continue
            forms = {f"{x:,.{decimals}f}", f"{x:.{decimals}f}"} | ({repr(x)} if isinstance(x, float) and name not in DERIVED else set())
            for form in forms:
                if len(form.replace(",", "").lstrip("-")) >= 4 or "." in form:
                    add(rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)", form, name)
    return out


def typed_figures(text: str, figures) -> dict[str, list[str]]:
    """The figures of data/case.yml (raw or derived) that ``text`` types instead of marking: form -> names."""
    text = _FIG_MARKER.sub(" ", text)
    return {form: names for regex, (form, names) in _figure_patterns(figures).items() if re.search(regex, text)}


@pytest.mark.parametrize("path", FIGURE_TEXTS)
def test_case_figures_are_printed_through_markers(path):
    from caselab.quiz.figures import load_figures

    typed = typed_figures((ROOT / path).read_text(encoding="utf-8"), load_figures(ROOT))
    excused = {form for (where, form) in NOT_FIGURES if where == path}
    stale = sorted(excused - set(typed))
    assert not stale, f"NOT_FIGURES lists {stale} for {path}, which no longer types them: remove the entries"
    typed = sorted(f"{form} ({', '.join(names)})" for form, names in typed.items() if form not in excused)
    assert not typed, f"{path} types figures of data/case.yml by hand: {typed}; print them with {{{{ fig name }}}}"


def test_markers_in_data_texts_name_raw_figures():
    """The glossary, the facts and the timeline show on student pages and in student editions, whose
    figures.py has no derived figures (they are answers): their markers name raw figures only."""
    from caselab.quiz.figures import DERIVED, load_figures

    figures = load_figures(ROOT)
    used, bad = 0, []
    for path in (p for p in FIGURE_TEXTS if p.startswith("data/")):
        for name in re.findall(r"\{\{\s*fig\s+([\w.]+)\s*\}\}", (ROOT / path).read_text(encoding="utf-8")):
            used += 1
            if name not in figures or name in DERIVED:
                bad.append(f"{path}: {name}")
    assert used and not bad, f"markers in data texts must name raw figures of data/case.yml: {bad}"


def _data_project(root: Path, glossary_marker: str) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "case.yml").write_text("kyc:\n  sale_price_usdt: {value: 10000, source: A9}\n", encoding="utf-8")
    (root / "data" / "glossary.yml").write_text(
        f'- term: USDT\n  zh: 泰达币\n  definition: "Priced at {glossary_marker} USDT an account."\n', encoding="utf-8")
    (root / "data" / "article_facts.yml").write_text('A9: "One account: {{ fig kyc.sale_price_usdt }} USDT."\n',
                                                     encoding="utf-8")
    (root / "data" / "timeline.yml").write_text(
        '- {date: 2021-10-20, event: "Accounts sold at {{ fig kyc.sale_price_usdt }} USDT", source: A9, confidence: V}\n',
        encoding="utf-8")
    return root


def test_markers_in_data_texts_print_as_on_pages(tmp_path):
    """Glossary tooltips and table, the facts list (and so the fact-id link titles), the timeline table and
    chart: each prints the figure, not the marker; an unknown name stops the build naming the file."""
    from mkdocs.exceptions import PluginError

    from caselab.site import charts, hook

    root = _data_project(tmp_path / "ok", "{{ fig kyc.sale_price_usdt }}")
    assert "Priced at 10,000 USDT an account." in hook.abbreviations(root)
    assert "Priced at 10,000 USDT an account." in hook.render_glossary(root)
    assert hook.article_facts(root)["A9"] == "One account: 10,000 USDT."
    assert '"One account: 10,000 USDT."' in hook.link_article_facts("as A9 says", "modules/kyc.md", hook.article_facts(root))
    assert "Accounts sold at 10,000 USDT" in hook.render_timeline(root)
    chart = charts.render("timeline", root, uid="x")
    assert "Accounts sold at 10,000 USDT" in chart and "{{" not in chart
    bad = _data_project(tmp_path / "bad", "{{ fig kyc.sale_price_cny }}")
    with pytest.raises(PluginError, match=r"data/glossary.yml: unknown figure 'kyc.sale_price_cny'"):
        hook.abbreviations(bad)


def test_the_check_covers_every_page():
    pages = {p for p in FIGURE_TEXTS if p.startswith("docs/")}
    assert {"docs/index.md", "docs/glossary.md", "docs/modules/mining.md", "docs/instructor/mining.md",
            "docs/instructors.md"} <= pages
    assert all((ROOT / p).is_file() for p in FIGURE_TEXTS)
    assert len(pages) == len(list((ROOT / "docs").rglob("*.md")))


def test_the_check_finds_planted_figures():
    """The checker itself: each kind of typed figure is found, and marked or unrelated numbers are not."""
    from caselab.quiz.figures import load_figures

    figures = load_figures(ROOT)
    planted = {
        "a raw number with thousands": ("He paid {{ fig kyc.sale_price_usdt }} USDT, about RMB 64,000.", "kyc.sale_price_cny"),
        "the same without the separator": ("Zhejiang screened 4699 addresses.", "zhejiang.ips_screened"),
        "a raw decimal": ("a surcharge of CNY 0.30 per kWh", "mining.differential_tariff_cny_per_kwh"),
        "a raw decimal written short": ("a surcharge of CNY 0.3 per kWh", "mining.differential_tariff_cny_per_kwh"),
        "a list item": ("power at 0.45 CNY/kWh", "mining.example_tariffs_cny_per_kwh"),
        "a share": ("China's share was 22.29 % in September", "cbeci_china_share_pct.2021_09"),
        "a share at a finer precision": ("46.0% in April 2021", "cbeci_china_share_pct.2021_04"),
        "a derived figure": ("a success rate of 8.67 %", "kyc.success_rate_pct"),
        "a date broken over a line": ("issued on 15\nSeptember 2021", "framework.notice_issued"),
    }
    for label, (text, name) in planted.items():
        found = [n for names in typed_figures(text, figures).values() for n in names]
        assert name in found, f"{label}: {text!r} not found ({found})"
    clean = ("He paid {{ fig kyc.sale_price_usdt }} USDT (A10) under art. 153, OJ L 150, in 2021, "
             "1283号, 46 table rows, 24 hours, on 15 September, 0 % in July.")
    assert typed_figures(clean, figures) == {}


def test_a_page_with_one_marker_undone_fails_the_check():
    from caselab.quiz.figures import load_figures

    figures = load_figures(ROOT)
    text = (ROOT / "docs" / "modules" / "kyc.md").read_text(encoding="utf-8")
    marker = "{{ fig kyc.revenue_usdt }}"
    assert marker in text and typed_figures(text, figures) == {}
    undone = text.replace(marker, figures["kyc.revenue_usdt"].formatted(), 1)
    assert typed_figures(undone, figures) == {"130,000": ["kyc.revenue_usdt"]}


def test_every_timeline_event_carries_a_confidence_mark():
    """FACTS.md marks each fact V, W or U; the timeline prints W as "reported" and U as "unconfirmed",
    so an event without a mark would be stated plainly whatever its confidence."""
    import yaml

    events = yaml.safe_load((ROOT / "data" / "timeline.yml").read_text(encoding="utf-8"))
    unmarked = [f"{e['date']}: {e['event'][:60]}" for e in events if e.get("confidence") not in ("V", "W", "U")]
    assert not unmarked, f"data/timeline.yml events without a confidence mark (V, W or U): {unmarked}"
