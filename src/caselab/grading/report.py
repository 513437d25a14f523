"""The class report (``report.html``): what the class got right, what it got wrong, and which sheets misbehaved.

One self-contained HTML file: the plots are SVG images embedded as data URIs, drawn
here without a plotting library; no script, no external file, no timestamp, so the
same results give the same bytes.

Item statistics are computed over the submissions that were graded, in full or in
part (every status but those that refuse a submission outright: ``empty``,
``unsafe-archive``, ``broken-archive``, ``unsandboxed``, ``internal-error``):

- *facility*: the mean share of the question's points the class earned (0 = nobody, 1 = everybody);
- *discrimination (r)*: the point-biserial (corrected item–total) correlation between the
  question's share of points and the rest of the student's total; near 0 or negative means
  the question does not separate stronger from weaker students;
- *discrimination (D)*: the upper–lower index, the mean share in the top 27 % of totals minus
  the mean share in the bottom 27 %.

A memo still to be graded by hand (status ``pending``) is left out of its question's statistics.
Below ``SMALL_CLASS`` graded submissions the report cautions against acting on r and D.  The
most common wrong answers of a choice or multi question show the options' text beside the
letters; a per-student table lists every student's points, what is still to be graded and
the manual points merged from manual.csv.
"""
from __future__ import annotations

import base64
import html
import math
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from caselab.quiz.model import Quiz

NOT_GRADED = ("empty", "unsafe-archive", "broken-archive", "unsandboxed", "internal-error")
FONT = "Helvetica, Arial, 'Noto Sans CJK SC', sans-serif"
INK, MUTED, BAR, WARN, GRID = "#1f2933", "#616e7c", "#3f6ad8", "#d64545", "#d9dee4"


@dataclass(frozen=True)
class ItemStats:
    module: str
    id: str
    title: str
    type: str
    max_points: float
    n: int
    facility: float | None
    r_pb: float | None
    d_index: float | None
    counts: dict
    wrong: list[tuple[str, int]]

    @property
    def flags(self) -> list[str]:
        out = []
        if self.facility is not None and self.facility < 0.2:
            out.append("very hard")
        if self.facility is not None and self.facility > 0.95:
            out.append("very easy")
        if self.r_pb is not None and self.r_pb < 0.2:
            out.append("low discrimination")
        return out


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def f2(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx < 1e-12 or syy < 1e-12:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def _group(q, given: str) -> str:
    """Wrong answers that differ only in case or spacing count as one (the first form seen is shown)."""
    if q.type == "text":
        return " ".join(given.split()).casefold()
    return given


def option_text(q, given: str) -> str:
    """The options a choice or multi answer picked, as text beside the letters ("B: ...")."""
    options = (q.spec or {}).get("options") if q.type in ("choice", "multi") else None
    if not isinstance(options, dict):
        return ""
    by_letter = {str(k).upper(): str(v) for k, v in options.items()}
    parts = [f"{letter}: {by_letter[letter]}" for letter in given.upper() if letter in by_letter]
    return "; ".join(parts)


def item_stats(results, quizzes: Sequence[Quiz]) -> list[ItemStats]:
    graded = [r for r in results if r.status not in NOT_GRADED]
    ranked = sorted(graded, key=lambda r: (-r.score, r.student))
    k = max(1, round(0.27 * len(ranked))) if len(ranked) >= 2 else 0
    upper = {r.student for r in ranked[:k]}
    lower = {r.student for r in ranked[-k:]} if k else set()
    # each student's outcome per (module, question), the first when one repeats (one pass, not one per question)
    outcome_of = [{(o.module, o.id): o for o in reversed(r.outcomes)} for r in graded]
    students = [(r.student, r.score) for r in graded]
    stats = []
    for quiz in quizzes:
        for q in quiz.questions:
            share, rest, counts, wrong = [], [], {}, Counter()
            by_student = {}
            key = (quiz.module, q.id)
            for (student, score), outcomes in zip(students, outcome_of):
                o = outcomes[key]
                status = o.status
                counts[status] = counts.get(status, 0) + 1
                if status == "pending":  # a memo not graded yet says nothing about the question
                    continue
                x = o.points / o.max_points if o.max_points else 0.0
                share.append(x)
                rest.append(score - o.points)
                by_student[student] = x
                if status in ("wrong", "partial") and o.given:
                    wrong[_group(q, o.given)] += 1
            n = len(share)
            facility = sum(share) / n if n else None
            d_index = None
            up = [by_student[s] for s in upper if s in by_student]
            low = [by_student[s] for s in lower if s in by_student]
            if k and len(ranked) >= 4 and up and low:
                d_index = sum(up) / len(up) - sum(low) / len(low)
            stats.append(ItemStats(quiz.module, q.id, q.title, q.type, q.points, n, facility,
                                   _pearson(share, rest), d_index, dict(counts),
                                   sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))[:3]))
    return stats


# --- SVG ------------------------------------------------------------------------------------------

def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(label)}" '
            f'font-family="{FONT}" font-size="12">'
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>")


def _text(x, y, s, anchor="start", size=12, fill=INK, weight="normal", rotate=None) -> str:
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}"{transform}>{esc(s)}</text>')


def _nice_max(v: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if v <= 5 * step:
            return step * math.ceil(max(v, 1) / step)
    return v


def histogram_svg(percents: list[float]) -> str:
    bins = [0] * 10
    for p in percents:
        bins[min(9, max(0, int(p // 10)))] += 1
    w, h, left, right, top, bottom = 640, 310, 50, 20, 44, 50
    top_count = _nice_max(max(bins) if bins else 1)
    pw, ph = w - left - right, h - top - bottom
    body = [_text(left, 18, "Scores of the class (percent of the points)", weight="bold")]
    step = max(1, top_count // 5)
    for t in range(0, top_count + 1, step):
        y = top + ph - ph * t / top_count
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, str(t), anchor="end", fill=MUTED))
    bw = pw / 10
    for i, c in enumerate(bins):
        bh = ph * c / top_count
        x, y = left + i * bw, top + ph - bh
        body.append(f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{bw - 4:.1f}" height="{bh:.1f}" fill="{BAR}">'
                    f'<title>{i * 10}–{i * 10 + 10} %: {c}</title></rect>')
        if c:
            body.append(_text(x + bw / 2, y - 4, str(c), anchor="middle", fill=INK))
        body.append(_text(x + bw / 2, top + ph + 16, f"{i * 10}–{i * 10 + 10}", anchor="middle", size=11, fill=MUTED))
    body.append(f'<line x1="{left}" y1="{top + ph}" x2="{w - right}" y2="{top + ph}" stroke="{INK}"/>')
    body.append(_text(left + pw / 2, h - 10, "score (%)", anchor="middle", fill=MUTED))
    body.append(_text(14, top + ph / 2, "students", anchor="middle", fill=MUTED, rotate=-90))
    return _svg(w, h, body, "Histogram of the class's scores in percent")


def facility_svg(stats: list[ItemStats]) -> str:
    rows = [s for s in stats if s.facility is not None]
    row_h, left, right, top = 18, 150, 60, 34
    w = 640
    h = top + row_h * max(1, len(rows)) + 36
    pw = w - left - right
    body = [_text(10, 18, "Facility of each question (share of its points the class earned)", weight="bold")]
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + pw * t
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{h - 30}" stroke="{GRID}"/>')
        body.append(_text(x, h - 16, f"{t:.2f}", anchor="middle", size=11, fill=MUTED))
    for i, s in enumerate(rows):
        y = top + i * row_h
        colour = WARN if s.flags else BAR
        body.append(_text(left - 8, y + 12, f"{s.module}/{s.id}", anchor="end", size=11))
        body.append(f'<rect x="{left}" y="{y + 3:.1f}" width="{pw * s.facility:.1f}" height="{row_h - 6}" '
                    f'fill="{colour}"><title>{esc(s.module)}/{esc(s.id)} {esc(s.title)}: '
                    f'{s.facility:.2f}</title></rect>')
        body.append(_text(left + pw * s.facility + 4, y + 12, f"{s.facility:.2f}", size=11, fill=MUTED))
    return _svg(w, h, body, "Facility of each question; red bars are flagged for review")


def scatter_svg(stats: list[ItemStats]) -> str:
    pts = [s for s in stats if s.facility is not None and s.r_pb is not None]
    w, h, left, right, top, bottom = 640, 360, 56, 20, 30, 50
    pw, ph = w - left - right, h - top - bottom
    body = [_text(left, 18, "Facility against discrimination (point-biserial r)", weight="bold")]

    def px(f):
        return left + pw * f

    def py(r):
        return top + ph * (1 - (r + 1) / 2)

    for t in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(f'<line x1="{px(t):.1f}" y1="{top}" x2="{px(t):.1f}" y2="{top + ph}" stroke="{GRID}"/>')
        body.append(_text(px(t), top + ph + 16, f"{t:.2f}", anchor="middle", size=11, fill=MUTED))
    for r in (-1, -0.5, 0, 0.5, 1):
        body.append(f'<line x1="{left}" y1="{py(r):.1f}" x2="{w - right}" y2="{py(r):.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, py(r) + 4, f"{r:.1f}", anchor="end", size=11, fill=MUTED))
    body.append(f'<line x1="{left}" y1="{py(0.2):.1f}" x2="{w - right}" y2="{py(0.2):.1f}" stroke="{WARN}" '
                f'stroke-dasharray="4 3"/>')
    body.append(_text(w - right - 4, py(0.2) - 4, "r = 0.2", anchor="end", size=11, fill=WARN))
    for s in pts:
        colour = WARN if s.flags else BAR
        body.append(f'<circle cx="{px(s.facility):.1f}" cy="{py(s.r_pb):.1f}" r="5" fill="{colour}" '
                    f'fill-opacity="0.8"><title>{esc(s.module)}/{esc(s.id)}: facility {s.facility:.2f}, '
                    f'r {s.r_pb:.2f}</title></circle>')
        if s.flags:  # label the questions worth a second look; the others are named on hover
            body.append(_text(px(s.facility) + 7, py(s.r_pb) + 4, f"{s.module}/{s.id}", size=10, fill=WARN))
    if not pts:
        body.append(_text(left + pw / 2, top + ph / 2, "too few graded submissions", anchor="middle", fill=MUTED))
    body.append(_text(left + pw / 2, h - 10, "facility", anchor="middle", fill=MUTED))
    body.append(_text(14, top + ph / 2, "discrimination r", anchor="middle", fill=MUTED, rotate=-90))
    return _svg(w, h, body, "Scatter plot of facility against discrimination for each question")


def img(svg: str, alt: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{esc(alt)}">'


# --- the page -------------------------------------------------------------------------------------

CSS = """
body{font-family:Helvetica,Arial,'Noto Sans CJK SC',sans-serif;color:#1f2933;max-width:1000px;margin:2em auto;padding:0 1em;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #d9dee4;padding-bottom:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}th,td{border:1px solid #d9dee4;padding:.3em .6em;vertical-align:top}
th{background:#f5f7fa;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.flag{color:#d64545;font-weight:bold}.muted{color:#616e7c}img{max-width:100%;height:auto;display:block;margin:1em 0}
code{background:#f5f7fa;padding:0 .2em}
"""


def _fmt(x: float) -> str:
    text = f"{round(x, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


SMALL_CLASS = 30  # below this many graded submissions, discrimination indices are too unstable to act on


def _pct(r) -> float:
    return 100 * r.score / r.max_score if r.max_score else 0.0


def render_report(results, quizzes: Sequence[Quiz], pending: dict | None = None) -> str:
    """report.html for ``results`` (in student order, with manual points merged) graded against ``quizzes``.

    ``pending`` maps a student to the points still to be graded by hand ({(module, question): points});
    scores are out of what has been graded so far.
    """
    pending = pending or {}
    max_score = sum(q.max_score for q in quizzes)
    graded = [r for r in results if r.status not in NOT_GRADED]
    percents = [_pct(r) for r in results]
    graded_pct = [_pct(r) for r in graded]
    questions = {(quiz.module, q.id): q for quiz in quizzes for q in quiz.questions}
    stats = item_stats(results, quizzes)
    statuses = Counter(r.status for r in results)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>caselab class report</title>", f"<style>{CSS}</style></head><body>",
           "<h1>Class report</h1>",
           f'<p class="muted">Modules: {esc(", ".join(f"{q.module} ({q.title})" for q in quizzes))}; '
           f"{_fmt(max_score)} points in all.</p>"]

    out += ['<h2 id="summary">Summary</h2>', "<table>",
            f'<tr><th>submissions</th><td class="n">{len(results)}</td></tr>',
            f'<tr><th>graded, in full or in part</th><td class="n">{len(graded)}</td></tr>']
    for status, n in sorted(statuses.items()):
        if status != "ok":
            out.append(f'<tr><th>status {esc(status)}</th><td class="n">{n}</td></tr>')
    if graded_pct:
        out += [f'<tr><th>mean score</th><td class="n">{statistics.fmean(graded_pct):.1f} %</td></tr>',
                f'<tr><th>median score</th><td class="n">{statistics.median(graded_pct):.1f} %</td></tr>',
                f'<tr><th>lowest / highest</th><td class="n">{min(graded_pct):.1f} % / {max(graded_pct):.1f} %</td></tr>']
        if len(graded_pct) > 1:
            out.append(f'<tr><th>standard deviation</th><td class="n">{statistics.stdev(graded_pct):.1f} percentage points</td></tr>')
    out.append("</table>")
    if graded:
        out += ["<table><tr><th>module</th><th>mean points</th><th>of</th><th>mean %</th></tr>"]
        for q in quizzes:  # (module_sums: each student's outcomes gone through once, not twice per module)
            mean = statistics.fmean(round(r.module_sums.get(q.module, (0, 0))[0], 4) for r in graded)
            top = statistics.fmean(r.module_sums.get(q.module, (0, 0))[1] for r in graded)
            pct = 100 * mean / top if top else 0.0
            out.append(f'<tr><td>{esc(q.module)}: {esc(q.title)}</td><td class="n">{mean:.2f}</td>'
                       f'<td class="n">{_fmt(top)}</td><td class="n">{pct:.1f}</td></tr>')
        out.append("</table>")

    out += ['<h2 id="scores">Scores</h2>',
            f"<p>All {len(results)} submissions, whatever their status (one that could not be graded scores 0).</p>",
            img(histogram_svg(percents), "Histogram of the class's scores")]

    out += ['<h2 id="questions">Questions</h2>',
            f"<p>Over the {len(graded)} graded submissions. <em>Facility</em> is the mean share of the points "
            "earned; <em>r</em> is the point-biserial correlation of the question with the rest of the total; "
            "<em>D</em> is the upper–lower 27 % index. Questions flagged in red are worth a second look: "
            "very hard (facility &lt; 0.2), very easy (&gt; 0.95) or not discriminating (r &lt; 0.2); "
            "in the scatter plot only they are labelled.</p>",
            *([f'<p class="flag">Caution: only {len(graded)} graded submissions. With fewer than {SMALL_CLASS}, '
               "r and D move a lot with one or two students; read them as hints, not verdicts, and do not drop "
               "or rewrite a question on their strength alone.</p>"] if len(graded) < SMALL_CLASS else []),
            img(facility_svg(stats), "Facility of each question"),
            img(scatter_svg(stats), "Facility against discrimination"),
            "<table><tr><th>question</th><th>type</th><th>points</th><th>facility</th><th>r</th><th>D</th>"
            "<th>right / partly / wrong / blank / invalid or error</th><th>most common wrong answers</th></tr>"]
    for s in stats:
        c = s.counts
        counts = " / ".join(str(c.get(k, 0)) for k in ("correct", "partial", "wrong", "unanswered"))
        counts += f" / {c.get('invalid', 0) + c.get('error', 0)}"
        q = questions.get((s.module, s.id))
        wrong = "<br>".join(f"<code>{esc(g if len(g) <= 60 else g[:57] + '...')}</code> × {n}"
                            + (f' <span class="muted">({esc(option_text(q, g))})</span>' if q and option_text(q, g) else "")
                            for g, n in s.wrong) or "–"
        flags = f'<br><span class="flag">{esc(", ".join(s.flags))}</span>' if s.flags else ""
        out.append(f"<tr><td><b>{esc(s.module)}/{esc(s.id)}</b> {esc(s.title)}{flags}</td><td>{esc(s.type)}</td>"
                   f'<td class="n">{_fmt(s.max_points)}</td><td class="n">{f2(s.facility)}</td>'
                   f'<td class="n">{f2(s.r_pb)}</td><td class="n">{f2(s.d_index)}</td>'
                   f'<td class="n">{counts}</td><td>{wrong}</td></tr>')
    out.append("</table>")

    out += ['<h2 id="students">Students</h2>',
            "<p>Points so far, out of what has been graded (memo points still to be graded by hand are "
            "shown apart); manual points and adjustments from manual.csv are included and listed.</p>",
            "<table><tr><th>student</th>" + "".join(f"<th>{esc(q.module)}</th>" for q in quizzes)
            + "<th>total</th><th>of</th><th>%</th><th>to grade</th><th>status</th><th>manual</th></tr>"]
    for r in results:
        waiting = sum((pending.get(r.student) or {}).values())
        manual = [f"{o.module}/{o.id}: {o.message}" for o in r.outcomes
                  if o.id == "adjustment" or o.message.startswith("graded by the instructor")]
        out.append(f"<tr><td>{esc(r.student)}</td>"
                   + "".join(f'<td class="n">{_fmt(r.module_score(q.module))}</td>' for q in quizzes)
                   + f'<td class="n">{_fmt(r.score)}</td><td class="n">{_fmt(r.max_score)}</td>'
                   f'<td class="n">{_pct(r):.1f}</td><td class="n">{_fmt(waiting) if waiting else "–"}</td>'
                   f"<td>{esc(r.status)}</td><td>{'<br>'.join(esc(m) for m in manual) or '–'}</td></tr>")
    out.append("</table>")

    trouble = [r for r in results if r.status != "ok" or r.limits_hit]
    out += ['<h2 id="limits">Submissions that hit a limit or could not be fully graded</h2>']
    if trouble:
        out.append("<table><tr><th>student</th><th>status</th><th>limits hit</th><th>message</th></tr>")
        for r in trouble:
            out.append(f"<tr><td>{esc(r.student)}</td><td>{esc(r.status)}</td>"
                       f"<td>{esc(', '.join(r.limits_hit) or '–')}</td><td>{esc(r.message or '–')}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>None: every submission was graded in full, within the limits.</p>")
    sheet_notes = [r for r in results if r.status == "ok" and r.message]
    if sheet_notes:
        out += ["<h3>Sheets with a problem (graded; the affected questions score 0)</h3>", "<table>",
                "<tr><th>student</th><th>problem</th></tr>"]
        out += [f"<tr><td>{esc(r.student)}</td><td>{esc(r.message)}</td></tr>" for r in sheet_notes]
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
