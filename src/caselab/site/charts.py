"""The site's figures, drawn at build time as inline SVG from the data files.

A page asks for a chart with the marker ``<!-- caselab:chart NAME -->`` (see
AUTHORING.md); the site hook (``site.py``) replaces it with ``render(NAME, root)``.
Every number comes from ``data/case.yml`` (through ``caselab.figures``) or
``data/timeline.yml``, the same files the quizzes read, so text, figures and
keys cannot drift.  Charts print raw inputs only: a derived figure that is a
quiz key (a success rate, a profit, a break-even rate, a share ...) is never
written on a chart.

No plotting library: plain SVG strings are fast to build and need nothing in
the browser.  Colours come from CSS classes (``docs/assets/css/caselab.css``)
so the charts follow the light and dark schemes and print in black on white.
"""
from __future__ import annotations

import datetime as dt
import html
from functools import lru_cache
from pathlib import Path
from typing import Callable

import yaml

from caselab.quiz.figures import fill_markers, load_figures

FONT = ('-apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, "Noto Sans CJK SC", '
        '"Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", sans-serif')
WIDTH = 720


class ChartError(ValueError):
    """A chart that cannot be drawn from the data files (unknown name, bad data)."""


# --- small SVG helpers -------------------------------------------------------------------

def esc(text) -> str:
    return html.escape(str(text), quote=True)


def num(value: float, decimals: int = 0) -> str:
    """Thousands separators, fixed decimals: 4699 -> '4,699'."""
    return f"{value:,.{decimals}f}"


def text(x: float, y: float, content: str, cls: str = "", anchor: str = "start", size: float | None = None,
         weight: str | None = None, title: str | None = None) -> str:
    attrs = [f'x="{x:.1f}"', f'y="{y:.1f}"']
    if cls:
        attrs.append(f'class="{cls}"')
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if size:
        attrs.append(f'font-size="{size:g}"')
    if weight:
        attrs.append(f'font-weight="{weight}"')
    inner = esc(content)
    if title:
        inner = f"<title>{esc(title)}</title>{inner}"
    return f"<text {' '.join(attrs)}>{inner}</text>"


def line(x1, y1, x2, y2, cls: str = "cl-axis", extra: str = "") -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{cls}"{extra}/>'


def rect(x, y, w, h, cls: str, extra: str = "") -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" class="{cls}"{extra}/>'


def circle(cx, cy, r, cls: str, title: str | None = None) -> str:
    inner = f"<title>{esc(title)}</title>" if title else ""
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:g}" class="{cls}">{inner}</circle>'


def text_width(s: str, size: float) -> float:
    """A rough width of a label: CJK characters are square, Latin ones about half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.52 for ch in s)


def fit(s: str, size: float, width: float) -> str:
    """``s`` cut at a word boundary with an ellipsis so that it fits ``width``."""
    if text_width(s, size) <= width:
        return s
    words, out = s.split(), ""
    for w in words:
        trial = f"{out} {w}".strip()
        if text_width(trial + "…", size) > width:
            break
        out = trial
    if not out:  # one long word (or CJK without spaces): cut by characters
        for ch in s:
            if text_width(out + ch + "…", size) > width:
                break
            out += ch
    return out.rstrip(",;:") + "…"


def nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks
    mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


# --- the chart frame: <figure>, accessible <svg>, caption ----------------------------------

def figure(name: str, uid: str, height: float, title: str, desc: str, body: list[str], caption: str,
           min_width: int = 560) -> str:
    """The figure around a chart: ``role="img"`` with a title and a description for screen
    readers, the SVG itself left out of the search index, and a caption naming the source."""
    tid, did = f"{uid}-title", f"{uid}-desc"
    svg = (f'<svg class="cl-chart__svg" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
           f'role="img" aria-labelledby="{tid} {did}" font-family="{esc(FONT)}" font-size="13" '
           f'style="min-width:{min_width}px" data-search-exclude>'
           f'<title id="{tid}">{esc(title)}</title><desc id="{did}">{esc(desc)}</desc>'
           + "".join(body) + "</svg>")
    return (f'<figure class="cl-chart cl-chart--{name}" id="{uid}">'
            f'<div class="cl-chart__scroll" tabindex="0" role="group" aria-label="{esc(title)} (chart, scrolls sideways on small screens)">{svg}</div>'
            f"<figcaption>{caption}</figcaption></figure>")


def _source_name(root: Path, source_id: str) -> str:
    from caselab.quiz.sources import load_sources

    data = load_sources(root)
    if source_id.startswith("A") and source_id[1:].isdigit():
        return f"the article ({source_id})"
    doc = data["documents"].get(source_id)
    if not doc:
        return source_id
    return f"{doc['title_en']} {('(' + doc['number'] + ')') if doc.get('number') else ''}".strip()


def _src(root: Path, *ids: str) -> str:
    """``Source: ...`` naming the documents (from data/sources.yml) and the fact ids."""
    facts = [i for i in ids if i.startswith("A") and i[1:].isdigit()]
    docs = [i for i in ids if i not in facts]
    parts = []
    if facts:
        from caselab.quiz.sources import load_sources

        art = load_sources(root)["article"]
        parts.append(f"{esc(art['title_en'])} ({', '.join(facts)})")
    parts += [f"{esc(_source_name(root, d))} [<code>{esc(d)}</code>]" for d in docs]
    return "Source: " + "; ".join(parts) + "."


# --- 1. the regulatory timeline ---------------------------------------------------------------

CONFIDENCE = {"V": ("cl-dot", "verified in the source"), "W": ("cl-dot cl-dot--open", "reported"),
              "U": ("cl-dot cl-dot--dashed", "unconfirmed")}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@lru_cache(maxsize=8)
def _timeline_file(path: Path, mtime: float) -> list[dict]:
    events = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(events, list):
        raise ChartError(f"{path}: expected a list of events")
    return events


def load_timeline(root: Path) -> list[dict] | None:
    """The events of data/timeline.yml in date order, or None while the file does not exist."""
    path = (Path(root) / "data" / "timeline.yml").resolve()
    if not path.is_file():
        return None
    events = _timeline_file(path, path.stat().st_mtime)
    try:  # figure markers in an event's text print as on pages
        events = [{**e, **{k: fill_markers(str(e[k]), root, "data/timeline.yml") for k in ("event", "label") if e.get(k)}}
                  for e in events]
    except ValueError as exc:
        raise ChartError(str(exc)) from None
    return sorted(events, key=lambda e: str(e["date"]))


def chart_timeline(root: Path, uid: str) -> str:
    events = load_timeline(root)
    if not events:
        return ('<div class="admonition note cl-chart-missing"><p class="admonition-title">Timeline</p>'
                "<p>The regulatory timeline is drawn from <code>data/timeline.yml</code>, "
                "which has no events yet.</p></div>")
    dates = [_date(e["date"]) for e in events]
    first, last = min(dates).year, max(max(dates).year, 2026)
    # Overview strip: proportional axis, one dot per event, stacked by month.
    x0, x1 = 40, WIDTH - 30
    start, end = dt.date(first, 1, 1), dt.date(last + 1, 1, 1)
    span = (end - start).days

    def xof(d: dt.date) -> float:
        return x0 + (x1 - x0) * (d - start).days / span

    body: list[str] = []
    tallest = max(sum(1 for d in dates if (d.year, d.month) == (y, m)) for y, m in {(d.year, d.month) for d in dates})
    axis_y = 44 + 8 * tallest
    body.append(text(x0, 18, "Events per month, " + f"{first}–{last}" + " · 每月事件", "cl-heading", weight="600"))
    body.append(line(x0, axis_y, x1, axis_y))
    for year in range(first, last + 1):
        x = xof(dt.date(year, 1, 1))
        body.append(line(x, axis_y, x, axis_y + 5))
        body.append(text(x + (xof(dt.date(year + 1, 1, 1)) - x) / 2, axis_y + 18, str(year), "cl-tick", "middle", 11))
    stacks: dict[tuple[int, int], int] = {}
    for e, d in zip(events, dates):
        key = (d.year, d.month)
        n = stacks.get(key, 0)
        stacks[key] = n + 1
        cls, word = CONFIDENCE.get(str(e.get("confidence", "V")), CONFIDENCE["V"])
        x = xof(dt.date(d.year, d.month, 15))
        body.append(circle(x, axis_y - 6 - 8 * n, 3.5, cls, f"{d:%-d %b %Y} ({word}): {e['event']}"))
    # Legend
    lx = x1 - 300
    for i, (conf, (cls, word)) in enumerate(list(CONFIDENCE.items())[:2]):
        body.append(circle(lx + i * 150, 14, 4, cls))
        body.append(text(lx + i * 150 + 9, 18, word + (" (V)" if conf == "V" else " (W)"), "cl-small", size=11.5))

    # The list: one row per event, grouped by year.
    y = axis_y + 48
    label_x, label_w = 150, WIDTH - 150 - 10
    year_seen = None
    for e, d in zip(events, dates):
        if d.year != year_seen:
            if year_seen is not None:
                body.append(line(x0, y - 12, x1, y - 12, "cl-grid"))
                y += 4
            body.append(text(x0, y, str(d.year), "cl-year", weight="700", size=14))
            year_seen = d.year
        cls, word = CONFIDENCE.get(str(e.get("confidence", "V")), CONFIDENCE["V"])
        full = f"{d:%-d %B %Y} ({word}): {e['event']}" + (f" {e['event_zh']}" if e.get("event_zh") else "")
        body.append(text(82, y, f"{d.day} {MONTHS[d.month - 1]}", "cl-tick", size=12))
        body.append(circle(134, y - 4.5, 4, cls))
        label = str(e.get("label") or e["event"])
        body.append(text(label_x, y, fit(label, 12.5, label_w), "cl-label", size=12.5, title=full))
        y += 17
        if e.get("event_zh"):
            body.append(text(label_x, y, fit(str(e["event_zh"]), 12, label_w), "cl-zh", size=12))
            y += 17
        y += 5
    height = y + 4
    sources = sorted({str(e.get("source", "")) for e in events if e.get("source")})
    title = f"Regulatory timeline, {first}–{last}"
    desc = (f"{len(events)} dated events from {dates[0]:%-d %B %Y} to {dates[-1]:%-d %B %Y}; "
            + "; ".join(f"{d:%-d %b %Y}: {e['event']}" for e, d in zip(events, dates)))
    caption = (f"<strong>{esc(title)}</strong> (监管时间线). Filled dots: verified in the source; "
               "hollow dots: reported. Hover a row for the full entry; the full table is on the case page. "
               f"Drawn from <code>data/timeline.yml</code>; sources: {', '.join(f'<code>{esc(s)}</code>' for s in sources)} "
               "(see Sources).")
    return figure("timeline", uid, height, title, desc, body, caption)


# --- 2. the KYC scheme's unit economics ---------------------------------------------------------

def chart_kyc_economics(root: Path, uid: str) -> str:
    f = load_figures(root)
    applied, opened = int(f["kyc.accounts_applied"].value), int(f["kyc.accounts_opened"].value)
    cost_u, cost_c = f["kyc.cost_per_account_usdt"].value, f["kyc.cost_per_account_cny"].value
    price_u, price_c = f["kyc.sale_price_usdt"].value, f["kyc.sale_price_cny"].value
    body: list[str] = []
    # Left: one square per account applied for, the opened ones filled.
    cols = 15
    rows = -(-applied // cols)
    cell, gap, lx, ty = 15, 3, 20, 58
    body.append(text(lx, 20, "Accounts applied for · 申请开户", "cl-heading", weight="600"))
    body.append(text(lx, 40, f"{applied} applied (every square), {opened} opened (filled)", "cl-small", size=12))
    for i in range(applied):
        r, c = divmod(i, cols)
        cls = "cl-cell cl-cell--on" if i < opened else "cl-cell"
        body.append(rect(lx + c * (cell + gap), ty + r * (cell + gap), cell, cell, cls))
    grid_h = rows * (cell + gap)
    ly = ty + grid_h + 16
    body.append(rect(lx, ly - 10, 11, 11, "cl-cell cl-cell--on"))
    body.append(text(lx + 16, ly, f"opened: {opened} 开户成功", "cl-small", size=12))
    body.append(rect(lx + 150, ly - 10, 11, 11, "cl-cell"))
    body.append(text(lx + 166, ly, f"applied: {applied} 申请", "cl-small", size=12))
    # Right: what one account costs and what an opened one sells for (USDT).
    rx, rw = 360, WIDTH - 360 - 30
    body.append(text(rx, 20, "Per account, in USDT (泰达币) · 单个账户", "cl-heading", weight="600"))
    scale = rw / price_u
    bars = [("Cost of one application · 成本", cost_u, cost_c, "cl-bar cl-bar--cost"),
            ("Asking price of one opened account · 售价", price_u, price_c, "cl-bar")]
    by = 62
    for label, usdt, cny, cls in bars:
        body.append(text(rx, by, label, "cl-label", size=12.5))
        body.append(rect(rx, by + 8, usdt * scale, 22, cls))
        value = f"{num(usdt)} USDT (RMB {num(cny)})"
        if usdt * scale > rw * 0.6:  # a long bar carries its value inside
            body.append(text(rx + usdt * scale - 8, by + 24, value, "cl-value cl-on-bar", "end", 12.5))
        else:
            body.append(text(rx + usdt * scale + 6, by + 24, value, "cl-value", size=12.5))
        by += 62
    axis_y = by + 2
    body.append(line(rx, axis_y, rx + rw, axis_y))
    step = nice_step(price_u, 4)
    v = 0.0
    while v <= price_u + 1e-9:
        x = rx + v * scale
        body.append(line(x, axis_y, x, axis_y + 4))
        body.append(text(x, axis_y + 17, num(v), "cl-tick", "middle", 11))
        v += step
    body.append(text(rx + rw, axis_y + 34, "USDT per account", "cl-tick", "end", 11))
    height = max(ly + 14, axis_y + 44)
    title = "The KYC account scheme: applications, openings and per-account prices"
    desc = (f"{applied} accounts applied for with overseas identities, of which {opened} were opened. "
            f"Each application cost {num(cost_u)} USDT (RMB {num(cost_c)}); an opened account with overseas KYC "
            f"was offered at {num(price_u)} USDT (about RMB {num(price_c)}).")
    caption = (f"<strong>{esc(title)}</strong> (KYC账户生意). Raw figures only; the rates and returns are the "
               f"exercises' to compute. {_src(root, 'A9', 'A10')} Values from <code>data/case.yml</code>.")
    return figure("kyc-economics", uid, height, title, desc, body, caption)


# --- 3. the M21S lot's electricity bill against the price -----------------------------------------

def chart_mining_electricity(root: Path, uid: str) -> str:
    f = load_figures(root)
    machines = int(f["mining.lot_machines"].value)
    ths, eff = f["mining.machine_hashrate_ths"].value, f["mining.machine_efficiency_w_per_th"].value
    tariff = f["mining.differential_tariff_cny_per_kwh"].value
    examples = list(f["mining.example_tariffs_cny_per_kwh"].value)
    kwh_day = 24 * machines * ths * eff / 1000  # drawn as a slope, never printed
    pmax = 0.9
    ymax_raw = kwh_day * (pmax + tariff)
    ystep = nice_step(ymax_raw, 5)
    ymax = ystep * -(-ymax_raw // ystep)
    L, R, T, B = 78, WIDTH - 24, 44, 300
    body: list[str] = []

    def X(p):
        return L + (R - L) * p / pmax

    def Y(c):
        return B - (B - T) * c / ymax

    body.append(text(L - 70, 18, "Electricity cost of the lot per day (CNY) · 矿机每日电费（元）", "cl-heading", weight="600"))
    v = 0.0
    while v <= ymax + 1e-9:
        body.append(line(L, Y(v), R, Y(v), "cl-grid"))
        body.append(text(L - 8, Y(v) + 4, num(v), "cl-tick", "end", 11))
        v += ystep
    for i in range(0, int(round(pmax * 10)) + 1):
        p = i / 10
        body.append(line(X(p), B, X(p), B + 4))
        body.append(text(X(p), B + 17, f"{p:.1f}", "cl-tick", "middle", 11))
    body.append(line(L, B, R, B))
    body.append(line(L, T, L, B))
    body.append(text((L + R) / 2, B + 36, "Electricity price paid (CNY per kWh) · 电价（元/千瓦时）", "cl-tick", "middle", 12))
    # Examples band
    if examples:
        body.append(rect(X(min(examples)), T, X(max(examples)) - X(min(examples)), B - T, "cl-band"))
        body.append(text(X(min(examples)) + 4, T + 14, "example prices (teaching assumption)", "cl-small", size=11))
    # Lines: the price alone and with the differential tariff on top.
    body.append(f'<polyline class="cl-line" points="{X(0):.1f},{Y(0):.1f} {X(pmax):.1f},{Y(kwh_day * pmax):.1f}"/>')
    body.append(f'<polyline class="cl-line cl-line--tariff" points="{X(0):.1f},{Y(kwh_day * tariff):.1f} '
                f'{X(pmax):.1f},{Y(kwh_day * (pmax + tariff)):.1f}"/>')
    for p in examples:
        body.append(circle(X(p), Y(kwh_day * p), 3.5, "cl-dot", f"price {p:.2f} CNY/kWh"))
        body.append(circle(X(p), Y(kwh_day * (p + tariff)), 3.5, "cl-dot cl-dot--tariff",
                           f"price {p:.2f} + {tariff:.2f} CNY/kWh"))
    # The differential tariff marked: an arrow between the lines at the right edge.
    pa = pmax - 0.06
    ya, yb = Y(kwh_day * pa), Y(kwh_day * (pa + tariff))
    body.append(line(X(pa), ya - 3, X(pa), yb + 3, "cl-arrow", ' marker-start="url(#' + uid + '-ah)" marker-end="url(#' + uid + '-ah)"'))
    body.append(line(X(pa), ya + 6, X(pa), B - 52, "cl-leader"))
    body.append(text(X(pa) + 4, B - 36, f"+{tariff:.2f} CNY/kWh surcharge", "cl-accent", "end", 12.5, "600"))
    body.append(text(X(pa) + 4, B - 18, "differential tariff · 差别电价", "cl-accent", "end", 12))
    body.insert(0, f'<defs><marker id="{uid}-ah" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" markerHeight="6" '
                   f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="cl-arrowhead"/></marker></defs>')
    # Legend
    lx, ly = L + 20, T + 34
    body.append(line(lx, ly, lx + 26, ly, "cl-line"))
    body.append(text(lx + 32, ly + 4, "at the price paid · 按电价", "cl-small", size=12))
    body.append(line(lx, ly + 20, lx + 26, ly + 20, "cl-line cl-line--tariff"))
    body.append(text(lx + 32, ly + 24, f"with the +{tariff:.2f} surcharge · 加价后", "cl-small", size=12))
    height = B + 50
    title = f"Daily electricity cost of {machines} Whatsminer M21S machines against the electricity price"
    desc = (f"A straight line rising with the price: {machines} machines of {ths:g} TH/s at {eff:g} W/TH running "
            f"24 hours a day. A second, parallel line adds the differential tariff of {tariff:.2f} CNY per kWh "
            f"for mining. Example prices from {min(examples):.2f} to {max(examples):.2f} CNY per kWh are marked.")
    caption = (f"<strong>{esc(title)}</strong> (M21S矿机电费). {machines} machines, {ths:g} TH/s each at "
               f"{eff:g} W/TH, running around the clock. The dashed line adds the +{tariff:.2f} CNY/kWh "
               f"differential tariff. {_src(root, 'A19', 'ndrc-2021-1283')} Example prices: teaching assumption. "
               "Values from <code>data/case.yml</code>.")
    return figure("mining-electricity", uid, height, title, desc, body, caption)


# --- 4. Zhejiang's screening funnel -------------------------------------------------------------------

def chart_zhejiang_funnel(root: Path, uid: str) -> str:
    f = load_figures(root)
    screened, flagged, examined = (int(f[f"zhejiang.{k}"].value) for k in ("ips_screened", "ips_flagged", "ips_examined"))
    units_flagged, units_examined = int(f["zhejiang.units_flagged"].value), int(f["zhejiang.units_examined"].value)
    stages = [(f"{num(screened)} IP addresses screened", "排查", screened),
              (f"{num(flagged)} IPs flagged, at {units_flagged} units", "疑似挖矿", flagged),
              (f"{num(examined)} IPs examined, at {units_examined} units", "核查", examined)]
    L, R = 20, WIDTH - 20
    scale = (R - L) / screened
    body: list[str] = [text(L, 20, "Zhejiang: mining on public resources · 浙江排查公共资源挖矿", "cl-heading", weight="600")]
    y = 44
    prev, prev_w = None, 0.0  # bottom edge and width of the stage above
    for label, zh, n in stages:
        w = max(n * scale, 2)
        if prev is not None:
            body.append(f'<path class="cl-funnel" d="M{L:.1f},{prev:.1f} L{L:.1f},{y:.1f} L{L + w:.1f},{y:.1f} '
                        f'L{L + prev_w:.1f},{prev:.1f} Z"/>')
        body.append(rect(L, y, w, 26, "cl-bar"))
        tx = L + w + 8 if w < (R - L) * 0.6 else L + 10
        cls = "cl-label" if w < (R - L) * 0.6 else "cl-label cl-on-bar"
        body.append(f'<text x="{tx:.1f}" y="{y + 18:.1f}" class="{cls}" font-size="13" font-weight="600">{esc(label)}'
                    f'<tspan class="cl-zh" dx="10" font-weight="400">{esc(zh)}</tspan></text>')
        prev, prev_w = y + 26, w
        y += 62
    height = y - 22
    title = "Zhejiang's screening of mining on public resources: IP addresses screened, flagged and examined"
    desc = (f"{num(screened)} IP addresses screened; {num(flagged)} IPs at {units_flagged} units flagged; "
            f"{num(examined)} IPs at {units_examined} units examined. Bar lengths are to scale.")
    caption = (f"<strong>{esc(title)}</strong> (浙江排查结果). Bars to scale, counts as reported. "
               f"{_src(root, 'A22')} Values from <code>data/case.yml</code>.")
    return figure("zhejiang-funnel", uid, height, title, desc, body, caption, min_width=520)


# --- 5. China's share of bitcoin hash rate (CBECI) -----------------------------------------------------

def _month(value) -> dt.date:
    s = str(value)
    return dt.date(int(s[:4]), int(s[5:7]), 1)


def chart_cbeci_share(root: Path, uid: str) -> str:
    f = load_figures(root)
    points = [(_month(p["month"]), float(p["value"]), str(p.get("confidence", "V")), str(p.get("source", "cbeci")))
              for p in f["cbeci_china_share_pct"].value]
    points.sort()

    def shift(d: dt.date, months: int) -> dt.date:
        n = d.year * 12 + d.month - 1 + months
        return dt.date(n // 12, n % 12 + 1, 1)

    start, end = shift(points[0][0], -3), shift(points[-1][0], 3)
    L, R, T, B = 56, WIDTH - 24, 48, 270
    span = (end - start).days

    def X(d):
        return L + (R - L) * (d - start).days / span

    def Y(v):
        return B - (B - T) * v / 100

    body: list[str] = [text(L - 46, 18, "China's share of bitcoin hash rate (%) · 中国算力占比", "cl-heading", weight="600")]
    for v in range(0, 101, 25):
        body.append(line(L, Y(v), R, Y(v), "cl-grid"))
        body.append(text(L - 8, Y(v) + 4, f"{v}%", "cl-tick", "end", 11))
    for year in range(start.year + 1, end.year + 1):
        x = X(dt.date(year, 1, 1))
        body.append(line(x, B, x, B + 5))
        body.append(text(x, B + 19, str(year), "cl-tick", "middle", 11.5))
    body.append(line(L, B, R, B))
    # Segments: solid between neighbouring months, dotted across months with no data.
    for (d1, v1, *_), (d2, v2, *_) in zip(points, points[1:]):
        months = (d2.year - d1.year) * 12 + d2.month - d1.month
        cls = "cl-line" if months <= 1 else "cl-line cl-line--gap"
        body.append(f'<polyline class="{cls}" points="{X(d1):.1f},{Y(v1):.1f} {X(d2):.1f},{Y(v2):.1f}"/>')
    for d, v, conf, _ in points:
        cls, word = CONFIDENCE.get(conf, CONFIDENCE["V"])
        body.append(circle(X(d), Y(v), 4.5, cls, f"{MONTHS[d.month - 1]} {d.year}: {v:g}% ({word})"))
    # Labels: one per run of equal neighbouring values ("0% · Jul–Aug 2021"), value over month.
    runs: list[list] = []
    for d, v, *_ in points:
        if runs and runs[-1][1] == v and (d.year * 12 + d.month) - (runs[-1][0][-1].year * 12 + runs[-1][0][-1].month) == 1:
            runs[-1][0].append(d)
        else:
            runs.append([[d], v])
    placed: list[tuple[float, float]] = []  # (left, right) of labels already placed
    for i, (months, v) in enumerate(runs):
        x = (X(months[0]) + X(months[-1])) / 2
        when = (f"{MONTHS[months[0].month - 1]}–{MONTHS[months[-1].month - 1]} {months[-1].year}" if len(months) > 1
                else f"{MONTHS[months[0].month - 1]} {months[0].year}")
        w = max(text_width(f"{v:g}%", 12.5), text_width(when, 11))
        anchor, lx = "middle", x
        if placed and x - w / 2 < placed[-1][1] + 6:  # would overlap the previous label: put it to the right
            anchor, lx = "start", x + 7
        left = lx - w / 2 if anchor == "middle" else lx
        placed.append((left, left + w))
        body.append(text(lx, Y(v) - 24, f"{v:g}%", "cl-value", anchor, 12.5))
        body.append(text(lx, Y(v) - 10, when, "cl-small", anchor, 11))
    lx = R - 300
    body.append(circle(lx, 14, 4.5, CONFIDENCE["V"][0]))
    body.append(text(lx + 9, 18, "verified (V)", "cl-small", size=11.5))
    body.append(circle(lx + 100, 14, 4.5, CONFIDENCE["W"][0]))
    body.append(text(lx + 109, 18, "reported (W)", "cl-small", size=11.5))
    body.append(line(lx + 200, 14, lx + 226, 14, "cl-line cl-line--gap"))
    body.append(text(lx + 231, 18, "no data", "cl-small", size=11.5))
    height = B + 30
    title = f"China's share of bitcoin hash rate, {points[0][0].year}–{points[-1][0].year} (CBECI)"
    desc = "; ".join(f"{MONTHS[d.month - 1]} {d.year}: {v:g}% ({CONFIDENCE.get(c, CONFIDENCE['V'])[1]})"
                     for d, v, c, _ in points) + "."
    caption = (f"<strong>{esc(title)}</strong> (中国比特币算力占比). Filled points are verified in the source (V), "
               "hollow points reported (W); dotted lines cross months without data. "
               f"{_src(root, 'cbeci')} Values from <code>data/case.yml</code> (<code>cbeci_china_share_pct</code>).")
    return figure("cbeci-china-share", uid, height, title, desc, body, caption)


# --- registry -----------------------------------------------------------------------------------------------

CHARTS: dict[str, tuple[Callable[[Path, str], str], str]] = {
    "timeline": (chart_timeline, "the regulatory timeline 2013–2026 (data/timeline.yml)"),
    "kyc-economics": (chart_kyc_economics, "the KYC scheme: accounts applied/opened, cost and price per account"),
    "mining-electricity": (chart_mining_electricity, "the M21S lot's daily electricity cost against the price, with the differential tariff"),
    "zhejiang-funnel": (chart_zhejiang_funnel, "Zhejiang's screening funnel: IPs screened, flagged, examined"),
    "cbeci-china-share": (chart_cbeci_share, "China's share of bitcoin hash rate 2019–2022 (CBECI)"),
}


def render(name: str, root: Path, uid: str | None = None) -> str:
    """The chart ``name`` as an HTML ``<figure>`` holding an inline SVG."""
    if name not in CHARTS:
        raise ChartError(f"unknown chart {name!r}; known: {', '.join(CHARTS)}")
    return CHARTS[name][0](Path(root), uid or f"cl-{name}")


def describe() -> list[tuple[str, str]]:
    """(name, what it shows) for every chart, for AUTHORING.md and the figures page."""
    return [(name, what) for name, (_, what) in CHARTS.items()]
