"""The content: retold, not copied; published builds hold no answers; every page has the module shape."""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from caselab.site.originality import copied_passages, load_fingerprint
from conftest import ROOT

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


def build(dest: Path, instructor: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "CASELAB_INSTRUCTOR": "1" if instructor else ""}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(dest)],
                          cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    dest = tmp_path_factory.mktemp("site")
    proc = build(dest, instructor=False)
    assert proc.returncode == 0, proc.stderr
    return dest


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


def test_instructor_build_has_the_teaching_notes(tmp_path, quizzes):
    proc = build(tmp_path / "site", instructor=True)
    assert proc.returncode == 0, proc.stderr
    note = (tmp_path / "site" / "instructor" / "framework" / "index.html").read_text(encoding="utf-8")
    q = quizzes["framework"].questions[0]
    assert "Explanation" in note and q.title in note


def test_students_page_lists_every_module_in_course_order(published, quizzes):
    students = (published / "students" / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<li><a href="\.\./modules/([\w-]+)/">', students)
    assert listed == list(quizzes)


# Pages whose CBECI shares are printed through {{ fig cbeci_china_share_pct.YYYY_MM }} markers.
# docs/modules/mining.md, docs/instructor/mining.md and docs/modules/framework.md still type them
# (outside the compare review); add them here once they use the markers.
CBECI_PAGES = ["docs/case.md", "docs/modules/compare.md", "docs/instructor/compare.md"]
# Pages checked for any raw figure of data/case.yml typed by hand (the compare review's pages).
MARKED_PAGES = ["docs/index.md", "docs/case.md", "docs/modules/compare.md", "docs/instructor/compare.md",
                "docs/instructor/index.md"]


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


@pytest.mark.parametrize("page", CBECI_PAGES)
def test_cbeci_shares_are_not_typed_by_hand(page):
    text = re.sub(r"\{\{\s*fig\s+[\w.]+\s*\}\}", " ", (ROOT / page).read_text(encoding="utf-8"))
    typed = []
    for row in _cbeci_rows():
        if row["value"] == 0:
            continue  # "0 %" is too common to tell apart
        for d in (0, 1, 2):
            form = f"{row['value']:.{d}f}"
            if re.search(rf"(?<![\d.]){re.escape(form)}(?![\d]|\.\d)\s*%", text):
                typed.append(f"{form} % ({row['month']})")
    assert not typed, f"{page} types CBECI shares by hand: {typed}; print them with {{{{ fig cbeci_china_share_pct.YYYY_MM }}}}"


@pytest.mark.parametrize("page", MARKED_PAGES)
def test_case_figures_are_printed_through_markers(page):
    """A raw number of data/case.yml written on the page as digits, not as {{ fig name }}, would not
    follow the data file when it changes.  Numbers of fewer than four digits without a decimal point
    (counts, article numbers, OJ L 150) are too common to tell apart and are not looked for."""
    from caselab.quiz.figures import DERIVED, load_figures

    forms: dict[str, list[str]] = {}
    for name, f in load_figures(ROOT).items():
        v = f.value
        if name in DERIVED or isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        decimals = f.decimals if f.decimals is not None else (0 if float(v).is_integer() else len(repr(v).split(".")[1]))
        text = f"{v:,.{decimals}f}"
        if len(text.replace(",", "")) >= 4 or "." in text:
            forms.setdefault(text, []).append(name)
    page_text = re.sub(r"\{\{\s*fig\s+[\w.]+\s*\}\}", " ", (ROOT / page).read_text(encoding="utf-8"))
    typed = sorted(f"{text} ({', '.join(names)})" for text, names in forms.items()
                   if re.search(rf"(?<![\d.,]){re.escape(text)}(?![\d]|[.,]\d)", page_text))
    assert not typed, f"{page} types figures of data/case.yml by hand: {typed}; print them with {{{{ fig name }}}}"


def test_every_timeline_event_carries_a_confidence_mark():
    """FACTS.md marks each fact V, W or U; the timeline prints W as "reported" and U as "unconfirmed",
    so an event without a mark would be stated plainly whatever its confidence."""
    import yaml

    events = yaml.safe_load((ROOT / "data" / "timeline.yml").read_text(encoding="utf-8"))
    unmarked = [f"{e['date']}: {e['event'][:60]}" for e in events if e.get("confidence") not in ("V", "W", "U")]
    assert not unmarked, f"data/timeline.yml events without a confidence mark (V, W or U): {unmarked}"
