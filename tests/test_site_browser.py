"""The site as a reader meets it, in headless Chromium (Debian's ``chromium`` + ``fonts-noto-cjk``,
driven by Playwright for Python; no browser download).

Every page of a strict build, served from 127.0.0.1: no request to another host and no console
error; no serious or critical axe-core violation; Chinese and English queries find the right
pages; Chinese labels render with a CJK font; a module prints as a handout; and screenshots of
the home page and a module page (desktop and phone, light and dark) are saved for a look.

Without playwright or chromium these tests skip, saying why; with ``CASELAB_REQUIRE_BROWSER=1``
(CI) they fail instead.  Screenshots go to ``tests/screenshots/`` (ignored by git) or to
``$CASELAB_SCREENSHOTS``.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT
from test_site_build import built_site, site_pages

CHROMIUM = os.environ.get("CASELAB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
REQUIRE = os.environ.get("CASELAB_REQUIRE_BROWSER", "").strip().lower() in ("1", "true", "yes")
SHOTS = Path(os.environ.get("CASELAB_SCREENSHOTS") or ROOT / "tests" / "screenshots")
MODULE_PAGE = "modules/kyc/"

# query -> pages that must be among its results (top 10 result groups)
SEARCHES = {
    "虚拟货币": ["modules/framework/"],
    "泰达币": ["modules/kyc/", "modules/courts/"],
    "人民银行": ["modules/framework/", "glossary/"],
    "中国人民银行": ["modules/framework/", "glossary/"],
    "挖矿": ["modules/mining/"],
    "KYC": ["modules/kyc/"],
    "Bitmain": ["modules/mining/"],
}


def _browser_or_skip():
    missing = []
    try:
        import playwright.sync_api  # noqa: F401  (only: is it installed?)
    except ImportError:
        missing.append("playwright is not installed (pip install -e '.[test]')")
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        missing.append("axe-playwright-python is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        missing.append(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    if missing:
        reason = "browser tests need: " + "; ".join(missing)
        if REQUIRE:
            pytest.fail(f"CASELAB_REQUIRE_BROWSER is set but {reason}", pytrace=False)
        pytest.skip(reason)


# --- fixtures: the built site served on 127.0.0.1, one Chromium for the module -----------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@contextlib.contextmanager
def _serve(site: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def served(browser):
    """(base URL, site folder, page paths) of the students' edition, served until the module ends."""
    site = built_site()
    with _serve(site) as base:
        yield base, site, site_pages(site)


@pytest.fixture(scope="module")
def every_page(browser, served):
    """Every page of both editions as (base URL, path): the students' pages, then the teaching
    notes from the instructors' edition (CASELAB_INSTRUCTOR=1)."""
    base, _, pages = served
    site = built_site(instructor=True)
    with _serve(site) as ibase:
        yield [(base, p) for p in pages] + [(ibase, p) for p in site_pages(site) if p not in pages]


class Watch:
    """A page that records requests to other hosts and console errors, and blocks the former."""

    def __init__(self, browser, base: str, **context):
        self.base = base
        self.context = browser.new_context(**context)
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: r.url.startswith(base) and self.errors.append(
            f"failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.url.startswith(base) and r.status >= 400 and self.errors.append(
            f"HTTP {r.status}: {r.url}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def open(self, path: str):
        self.page.goto(self.base + path, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self):
        self.context.close()


def _report(request, line: str) -> None:
    """A line for the person running the tests, shown even when output is captured."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print("\n" + line)


# --- 1. offline: no other host, no console error ---------------------------------------------------------


def test_every_page_loads_offline_without_console_errors(browser, every_page):
    problems = []
    for base, path in every_page:
        w = Watch(browser, base)
        try:
            page = w.open(path)
            # Open the search dialog too: it loads the index and the language files in a worker.
            page.locator("input.md-search__input").click()
            page.keyboard.type("kyc")
            page.keyboard.press("End")
            page.wait_for_selector(".md-search-result__item", timeout=10_000)
            page.wait_for_load_state("networkidle")
        except Exception as exc:  # a timeout is a finding, not a crash of the whole test
            problems.append(f"/{path}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        problems += [f"/{path}: request to another host: {u}" for u in w.foreign]
        problems += [f"/{path}: {e}" for e in w.errors]
        w.close()
    assert every_page, "the build has no pages"
    assert not problems, "\n".join(problems)


# --- 2. accessibility ------------------------------------------------------------------------------------------


def _axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    out = []
    for v in result.response["violations"]:
        if v.get("impact") in ("serious", "critical"):
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:4])
            out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes: {targets}): {v['help']}")
    return out


def test_axe_finds_no_serious_or_critical_violation(browser, served, every_page, request):
    base, _, pages = served
    checks = [(b, p, "light") for b, p in every_page]
    checks += [(base, p, "dark") for p in ("", MODULE_PAGE, "figures/") if p in pages]
    problems, counted = [], 0
    for base, path, scheme in checks:
        w = Watch(browser, base, color_scheme=scheme)
        page = w.open(path)
        problems += [f"/{path} [{scheme}]: {v}" for v in _axe_serious(page)]
        counted += 1
        w.close()
    _report(request, f"axe-core: {counted} page views checked, {len(problems)} serious/critical violations")
    assert not problems, "\n".join(problems)


def test_search_dialog_has_an_accessible_name_and_footer_text_has_contrast(browser, served):
    base, _, _ = served
    w = Watch(browser, base)
    page = w.open("")
    assert page.get_attribute(".md-search[role=dialog]", "aria-label")
    ratio = page.evaluate("""() => {
        const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => v / 255)
            .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4); return 0.2126*r + 0.7152*g + 0.0722*b; };
        const el = document.querySelector('.md-copyright');
        const fg = getComputedStyle(el).color;
        const bg = getComputedStyle(document.querySelector('.md-footer-meta')).backgroundColor;
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        return (a + 0.05) / (b + 0.05);
    }""")
    w.close()
    assert ratio >= 4.5, f"footer text contrast {ratio:.2f}:1 is below 4.5:1"


# --- 3. search in both languages --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", list(SEARCHES))
def test_search_finds_the_right_pages(browser, served, query):
    base, site, pages = served
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = {}
    for doc in index["docs"]:
        page_path = doc["location"].split("#")[0]
        text[page_path] = text.get(page_path, "") + doc["title"] + doc["text"]
    expected = SEARCHES[query]
    for page_path in expected:
        assert page_path in pages, f"{page_path} is not in the build"
        plain = text.get(page_path, "").replace("\u200b", "").lower()
        assert query.lower() in plain, (f"{page_path} no longer mentions {query!r}: the content changed, "
                                        "update SEARCHES in this test")
    w = Watch(browser, base, viewport={"width": 1280, "height": 900})
    page = w.open("")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query)  # Chinese characters arrive as text input, as from an IME
    box.press("End")  # Material reads the query on keyup
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    links = page.eval_on_selector_all(".md-search-result__item > a.md-search-result__link",
                                      "els => els.map(e => e.getAttribute('href'))")
    found = [urlsplit(h).path.removeprefix(urlsplit(base).path) for h in links]
    w.close()
    missing = [p for p in expected if p not in found]
    assert not missing, f"{query!r} does not find {missing}; results: {found}"


# --- 4. charts: drawn, named, Chinese labels in a CJK font -----------------------------------------------------


def test_charts_render_with_a_cjk_font(browser, served):
    base, _, pages = served
    path = "figures/" if "figures/" in pages else next(
        (p for p in pages if "cl-chart" in (served[1] / p / "index.html").read_text(encoding="utf-8")), None)
    assert path is not None, "no page of the site shows a chart"
    w = Watch(browser, base)
    page = w.open(path)
    charts = page.locator("figure.cl-chart svg[role=img]")
    assert charts.count() >= 1
    for i in range(charts.count()):
        svg = charts.nth(i)
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, "a chart is not laid out"
        labelled = svg.get_attribute("aria-labelledby").split()
        for ident in labelled:
            assert page.locator(f"[id='{ident}']").count() == 1
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]["nodeId"]
    fonts = set()
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "figure.cl-chart text"})["nodeIds"]:
        for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
            fonts.add(f["familyName"])
    w.close()
    assert any(re.search(r"CJK|Han Sans|Noto Sans SC|PingFang|YaHei", f) for f in fonts), (
        f"Chinese labels are not drawn in a CJK font (fonts used: {sorted(fonts)}); apt-get install fonts-noto-cjk")


# --- 5. print ---------------------------------------------------------------------------------------------------


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def test_a_module_prints_as_a_clean_handout(browser, served, request, tmp_path):
    base, _, pages = served
    path = MODULE_PAGE if MODULE_PAGE in pages else next(p for p in pages if p.startswith("modules/"))
    w = Watch(browser, base)
    page = w.open(path)
    # A collapsed block as pymdownx.details writes it (``??? note``): print must show its content.
    page.evaluate("""() => document.querySelector('article').insertAdjacentHTML('beforeend',
        '<details class="note" id="cl-test-details"><summary>Model answer</summary><p>Shown on paper.</p></details>')""")
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.md-header', '.md-sidebar--primary', '.md-sidebar--secondary', '.md-footer',
        '.md-search'].map(s => [s, document.querySelector(s) ? getComputedStyle(document.querySelector(s)).display : 'none'])""")
    shown = [s for s, display in hidden if display != "none"]
    assert not shown, f"printed with the screen chrome: {shown}"
    closed = page.evaluate("""() => [...document.querySelectorAll('details:not([open])')]
        .filter(d => { const c = d.querySelector(':scope > :not(summary)'); return c && c.getBoundingClientRect().height === 0; })
        .map(d => d.id || d.querySelector('summary').textContent)""")
    assert not closed, f"collapsed blocks would print closed: {closed}"
    page.evaluate("() => document.getElementById('cl-test-details').remove()")
    pdf = page.pdf(format="A4", print_background=False)
    (tmp_path / "handout.pdf").write_bytes(pdf)
    n = _pdf_pages(pdf)
    words = len(page.inner_text("article").split())
    w.close()
    _report(request, f"print: /{path} -> {n} A4 pages for {words} words")
    assert 1 <= n <= 40, f"/{path} prints on {n} pages"
    assert n <= words / 150 + 4, f"/{path} prints on {n} pages for {words} words: something is blown up"


# --- 6. screenshots -----------------------------------------------------------------------------------------------


def test_screenshots_of_home_and_a_module(browser, served, request):
    base, _, pages = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    if SHOTS == ROOT / "tests" / "screenshots":
        (SHOTS / ".gitignore").write_text("*\n", encoding="utf-8")
    sizes = {"desktop": dict(viewport={"width": 1280, "height": 800}),
             "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)}
    saved = []
    for path in ["", MODULE_PAGE if MODULE_PAGE in pages else next(p for p in pages if p.startswith("modules/"))]:
        for size, options in sizes.items():
            for scheme in ("light", "dark"):
                w = Watch(browser, base, color_scheme=scheme, **options)
                page = w.open(path)
                applied = page.get_attribute("body", "data-md-color-scheme")
                assert applied == ("slate" if scheme == "dark" else "default"), f"{scheme} scheme not applied"
                name = f"{(path.strip('/') or 'home').replace('/', '-')}-{size}-{scheme}.png"
                page.screenshot(path=str(SHOTS / name), full_page=True)
                saved.append(name)
                assert not w.foreign and not w.errors, w.foreign + w.errors
                w.close()
    _report(request, f"screenshots: {len(saved)} saved in {SHOTS}")
    assert all((SHOTS / n).stat().st_size > 10_000 for n in saved)
