"""The site as built: a strict build, charts drawn from the data, search segmented for Chinese,
a meta description on every page, and nothing fetched from another host.

The site is built once per test session (``built_site()``), into a temporary folder, from the
real mkdocs.yml: a page listed in the nav but not written yet makes the strict build fail, and
the failure names the missing pages.  The browser tests (test_site_browser.py) reuse the build.
"""
from __future__ import annotations

import atexit
import datetime as dt
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

# --- the build, shared by this file and test_site_browser.py ---------------------------------------


def nav_pages(root: Path = ROOT) -> list[str]:
    """Every page named in mkdocs.yml's nav (instructor pages included)."""
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:"):]
    return re.findall(r"([\w./-]+\.md)\b", nav)


@functools.lru_cache(maxsize=2)
def built_site(instructor: bool = False) -> Path:
    """Build the site (``mkdocs build --strict``) into a temporary folder, once per session: the
    students' edition, or with ``instructor`` the edition with the teaching notes."""
    out = Path(tempfile.mkdtemp(prefix="caselab-site-"))
    atexit.register(shutil.rmtree, out, True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("CASELAB_INSTRUCTOR", None)
    if instructor:
        env["CASELAB_INSTRUCTOR"] = "1"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(out / "site")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        missing = [p for p in nav_pages() if not (ROOT / "docs" / p).is_file()]
        note = (f"\npages in the nav not written yet (expected while content is arriving): {', '.join(missing)}"
                if missing else "")
        log = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines()
                        if "WARNING" in line or "ERROR" in line or "Error" in line or "Aborted" in line)
        raise AssertionError(f"mkdocs build --strict failed ({proc.returncode}){note}\n{log or proc.stderr[-3000:]}")
    return out / "site"


def site_pages(site: Path) -> list[str]:
    """The URL path of every page of the built site ('' for the home page, 'modules/kyc/' ...)."""
    pages = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        if rel.startswith(("assets", "search")):
            continue
        pages.append("" if rel == "." else rel + "/")
    return pages


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


# --- helpers ----------------------------------------------------------------------------------------


class _Resources(HTMLParser):
    """Every URL the browser would fetch by itself: scripts, styles, images, frames, media, preloads."""

    FETCH = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"), ("video", "src"),
             ("audio", "src"), ("embed", "src"), ("object", "data"), ("image", "href"), ("use", "href")}
    LINK_FETCH = {"stylesheet", "preload", "prefetch", "preconnect", "dns-prefetch", "icon", "modulepreload",
                  "manifest"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for t, attr in self.FETCH:
            if tag == t and a.get(attr):
                self.urls.append(a[attr])
        if tag == "link" and set((a.get("rel") or "").split()) & self.LINK_FETCH and a.get("href"):
            self.urls.append(a["href"])
        if a.get("srcset"):
            self.urls += [part.split()[0] for part in a["srcset"].split(",") if part.strip()]
        if a.get("style") and "url(" in a["style"]:
            self.urls += re.findall(r"url\(['\"]?([^'\")]+)", a["style"])


def external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.I))


def meta_description(html_text: str) -> str | None:
    """The page's meta description; a quote inside it (which would cut it short) fails."""
    m = re.search(r'<meta name="description" content="([^"]*)"(.?)', html_text)
    if not m:
        return None
    assert m.group(2) == ">", f"the meta description is cut short by a quote: {m.group(0)}"
    return m.group(1)


def chart_texts(svg: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)]


# --- the build ---------------------------------------------------------------------------------------


def test_strict_build_succeeds_and_every_nav_page_is_built(site):
    built = set(site_pages(site))
    for page in nav_pages():
        if page.startswith("instructor/"):
            continue  # teaching notes are published only with CASELAB_INSTRUCTOR=1
        url = "" if page == "index.md" else page[:-3] + "/"
        url = url.replace("/index/", "/")
        assert url in built, f"{page} is in the nav but {url or 'the home page'} was not built"


@pytest.mark.slow  # several seconds: left out of the authors' quick run
def test_the_instructors_edition_builds_with_every_teaching_note():
    site = built_site(instructor=True)
    built = set(site_pages(site))
    notes = [p for p in nav_pages() if p.startswith("instructor/")]
    for page in notes:
        url = page[:-3] + "/"
        url = url.replace("/index/", "/")
        assert url in built, f"{page} was not built with CASELAB_INSTRUCTOR=1"


def test_no_page_fetches_from_another_host(site):
    """Offline: no script, style, font, image or frame comes from another host (web fonts, CDNs)."""
    offenders = []
    for html_file in site.rglob("*.html"):
        parser = _Resources()
        parser.feed(html_file.read_text(encoding="utf-8"))
        offenders += [f"{html_file.relative_to(site)}: {u}" for u in parser.urls if external(u)]
    for css in site.rglob("*.css"):
        for url in re.findall(r"url\(['\"]?([^'\")]+)", css.read_text(encoding="utf-8", errors="replace")):
            if external(url):
                offenders.append(f"{css.relative_to(site)}: {url}")
        for url in re.findall(r"@import\s+(?:url\()?['\"]([^'\"]+)", css.read_text(encoding="utf-8", errors="replace")):
            if external(url):
                offenders.append(f"{css.relative_to(site)}: @import {url}")
    assert not offenders, "resources from another host:\n" + "\n".join(offenders)


def test_no_mermaid_or_emoji_cdn_is_configured():
    """Material loads mermaid from a CDN when a mermaid fence exists, and twemoji from one with the
    emoji extension's default index: the site uses neither (charts are inline SVG drawn at build)."""
    cfg = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "mermaid" not in cfg and "twemoji" not in cfg.replace("material.extensions.emoji.twemoji", "")
    for md in (ROOT / "docs").rglob("*.md"):
        assert "```mermaid" not in md.read_text(encoding="utf-8"), f"{md}: a mermaid diagram needs a CDN or a bundle"


def test_every_page_has_its_own_meta_description(site):
    site_wide = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\ntheme:")[0])["site_description"]
    pages = site_pages(site)
    without, generic = [], []
    for page in pages:
        description = meta_description((site / page / "index.html").read_text(encoding="utf-8"))
        if not description:
            without.append(page or "/")
        elif description == site_wide and page:
            generic.append(page)
    assert not without, f"pages without a meta description: {without}"
    # Pages with a text paragraph get their own; a page of tables only may keep the site's.
    assert len(generic) <= max(1, len(pages) // 4), f"pages with only the site-wide description: {generic}"


def test_description_from_the_first_paragraph_skips_admonitions():
    from caselab.site.hook import describe_page

    html_text = ('<h1>T</h1><div class="admonition abstract"><p class="admonition-title">Q</p>'
                 "<p><strong>Objectives.</strong> After this module you can do many things, listed below here.</p></div>"
                 "<p>In late September 2021 the People&#x27;s Bank of China and other departments issued the Notice, "
                 "which treats exchange services as illegal financial activity, including offshore exchanges.</p>")
    text = describe_page(html_text)
    assert text.startswith("In late September 2021 the People's Bank of China")
    assert len(text) <= 161 and text.endswith("…")


def test_search_is_configured_for_chinese(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    config = index["config"]
    assert config["lang"] == ["en", "zh"]
    assert "\\u200b" in config["separator"] or "\u200b" in config["separator"]
    text = " ".join(d["text"] + " " + d["title"] for d in index["docs"])
    assert "\u200b" in text, "no Chinese text was segmented: is jieba installed?"
    # The user dictionary keeps the case's terms whole and splits 中国人民银行 so 人民银行 finds it.
    tokens = set(re.split(config["separator"], text))
    for term in ("虚拟货币", "泰达币", "人民银行"):
        assert term in tokens, f"{term} is not a search token"
    assert "中国人民银行" not in tokens


def test_jieba_dictionary_segments_the_case_terms():
    jieba = pytest.importorskip("jieba")
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(ROOT / "data" / "jieba_dict.txt"))
    assert tokenizer.lcut("中国人民银行") == ["中国", "人民银行"]
    for term in ("虚拟货币", "泰达币", "比特大陆", "挖矿", "差别电价"):
        assert term in tokenizer.lcut(f"关于{term}的通知"), term


# --- charts -------------------------------------------------------------------------------------------


def test_chart_markers_are_documented_and_drawn(tmp_path):
    from caselab.site import charts

    authoring = (ROOT / "AUTHORING.md").read_text(encoding="utf-8")
    for name in charts.CHARTS:
        assert f"caselab:chart {name}" in authoring, f"chart {name} is not in AUTHORING.md's marker table"
        html_text = charts.render(name, ROOT, uid=f"t-{name}")
        assert html_text.startswith(f'<figure class="cl-chart cl-chart--{name}"') or "cl-chart-missing" in html_text


@pytest.mark.parametrize("name", ["timeline", "kyc-economics", "mining-electricity", "zhejiang-funnel",
                                  "cbeci-china-share"])
def test_each_chart_is_accessible_and_names_its_source(name):
    from caselab.site import charts

    html_text = charts.render(name, ROOT, uid="u1")
    svg = re.search(r"<svg\b[^>]*>", html_text).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="u1-title u1-desc"' in svg and "data-search-exclude" in svg
    assert re.search(r'<title id="u1-title">[^<]{10,}</title>', html_text)
    assert re.search(r'<desc id="u1-desc">[^<]{20,}</desc>', html_text)
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html_text, re.S).group(1)
    assert "Source" in caption or "sources:" in caption
    assert re.search(r"[\u4e00-\u9fff]", "".join(chart_texts(html_text))), "no Chinese label on the chart"
    assert "font-family" in svg and "Noto Sans CJK SC" in svg


def _key_values(quizzes) -> list[tuple[str, float, int | None]]:
    """Every numeric key and code-case output of the quiz bank: (where, value, decimals)."""
    out = []
    for quiz in quizzes.values():
        for q in quiz.questions:
            if q.type == "numeric" and isinstance(q.key, (int, float)) and not isinstance(q.key, bool):
                out.append((q.nodeid, float(q.key), q.spec.get("decimals")))
            if q.type == "code":
                for case in q.spec.get("cases", []):
                    exp = case.get("expected")
                    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
                        out.append((q.nodeid, float(exp), None))
    return out


def _forms(value: float, decimals: int | None) -> set[str]:
    forms = set()
    for d in ({decimals} if decimals is not None else {0, 1, 2, 3}):
        forms |= {f"{value:,.{d}f}", f"{value:.{d}f}"}
    return {f for f in forms if float(f.replace(",", "")) != 0}


def test_charts_never_print_a_quiz_answer(quizzes):
    """Charts show raw inputs; a derived figure that is a key (rates, profit, break-even ...) is never
    written on them.  Small whole numbers (< 100) are left out: they appear as counts and ticks."""
    from caselab.site import charts

    texts = []
    for name in charts.CHARTS:
        html_text = charts.render(name, ROOT, uid="k")
        texts += chart_texts(html_text) + [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", html_text, re.S)]
    figures_raw = {str(v) for v in _raw_numbers()}
    leaks = []
    for where, value, decimals in _key_values(quizzes):
        if value == int(value) and abs(value) < 100:
            continue
        for form in _forms(value, decimals):
            if form in figures_raw:
                continue  # the key is itself a raw input of the case (printed on purpose)
            for t in texts:
                if re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)", t):
                    leaks.append(f"{where}: {form} in {t!r}")
    assert not leaks, "charts print quiz answers:\n" + "\n".join(sorted(set(leaks)))


def _raw_numbers() -> list:
    from caselab.quiz.figures import DERIVED, load_figures

    out = []
    for name, f in load_figures(ROOT).items():
        if name not in DERIVED and isinstance(f.value, (int, float)) and not isinstance(f.value, bool):
            out += [f.value, f"{f.value:,}"]
    return out


def test_timeline_chart_handles_a_missing_data_file(tmp_path):
    from caselab.site import charts

    (tmp_path / "data").mkdir()
    assert "cl-chart-missing" in charts.render("timeline", tmp_path, uid="x")


def test_timeline_chart_draws_every_event(tmp_path):
    from caselab.site import charts

    (tmp_path / "data").mkdir()
    events = [{"date": dt.date(2013, 12, 3), "event": "First notice", "event_zh": "通知", "source": "A1", "confidence": "W"},
              {"date": "2021-09-24", "event": "Second & third <notice>", "source": "A3", "confidence": "V"},
              {"date": "2026-02-06", "event": "x " * 80, "source": "A3", "confidence": "U"}]
    (tmp_path / "data" / "timeline.yml").write_text(yaml.safe_dump(events, allow_unicode=True), encoding="utf-8")
    shutil.copy(ROOT / "data" / "sources.yml", tmp_path / "data" / "sources.yml")
    html_text = charts.render("timeline", tmp_path, uid="x")
    assert html_text.count('class="cl-year"') == 3
    assert "Second &amp; third &lt;notice&gt;" in html_text and "…" in html_text
    assert "2013–2026" in html_text


def test_unknown_chart_names_fail_the_build_with_the_known_names(tmp_path):
    from mkdocs.exceptions import PluginError

    from caselab.site import hook

    class Page:
        class file:
            src_uri = "modules/x.md"

    config = {"config_file_path": str(ROOT / "mkdocs.yml")}
    with pytest.raises(PluginError, match="known: timeline"):
        hook.on_page_markdown("<!-- caselab:chart nope -->", Page, config, None)
    out = hook.on_page_markdown("text\n\n<!-- caselab:chart kyc-economics -->\n", Page, config, None)
    assert "<!-- caselab:chart kyc-economics -->" in out


def test_chart_marker_becomes_a_figure_on_the_built_page(site):
    """docs/figures.md shows every chart; each SVG's ids are unique on the page."""
    from caselab.site import charts

    page = site / "figures" / "index.html"
    assert page.is_file(), "docs/figures.md is not part of the site"
    html_text = page.read_text(encoding="utf-8")
    for name in charts.CHARTS:
        assert f"cl-chart--{name}" in html_text or (name == "timeline" and "cl-chart-missing" in html_text), name
    assert "caselab:chart" not in html_text
    ids = re.findall(r'\bid="([^"]+)"', html_text)
    assert len(ids) == len(set(ids)), "duplicate ids on the figures page"
