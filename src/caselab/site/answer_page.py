"""Answer pages: one page per module (``answers/<module>/``) where a student answers in a form.

The page is built from the same quiz data as the sheets.  It holds the blank answer sheet
(``caselab sheets``' text: prompts, options, how to answer — never a key, hash, explanation or
hint) and a form with one control per question, each named after the question id:

=========  ===========================================================================
choice     radio buttons, value = the option letter
multi      checkboxes, value = the option letter
numeric    a text field with the unit (a dot for decimals; text in it is reported, not lost)
text       a text field
ordering   one select per position, each offering every item (works with the keyboard)
matching   one select per left-hand item, offering the right-hand letters
code       a code area with the function's signature filled in
memo       a text area with the section headings filled in
=========  ===========================================================================

The script (``answer_sheet.js``, inlined: the page works offline) saves the answers as they are
typed (browser storage, per edition and module), writes ``<module>.py`` — the blank sheet with
each ``qN = None`` replaced by the answer in Python syntax and each function by the student's —
and opens a sheet back into the form by reading its literals and function definitions as text
(nothing is run).  ``caselab check`` then grades the downloaded file like a hand-typed one.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import markdown as _markdown

from caselab.quiz.model import Question, Quiz
from caselab.quiz.sheets import answer_form, render_sheet
from caselab.quiz.variants import site_notice

SCRIPT = Path(__file__).with_name("answer_sheet.js")
MARKER = re.compile(r"(?:<p>\s*)?<!--\s*caselab:answer-form\s+([\w-]+)\s*-->(?:\s*</p>)?")


def page_uri(module: str) -> str:
    return f"answers/{module}.md"


def page_markdown(quiz: Quiz) -> str:
    """The Markdown of the answer page; the form itself is drawn after Markdown (``render_form``)."""
    return f"""---
title: "Answer sheet: {quiz.module}"
description: "Answer the {quiz.module} exercises in a form and download the answer sheet {quiz.module}.py."
---

# Answer sheet: {html.escape(quiz.title)}

{site_notice(quiz, answer_page=True)}Answer here instead of editing `exercises/{quiz.module}.py` by hand. Your answers are kept in this
browser as you type. When you are done, **download the answer sheet**, put it in your `exercises/`
folder as `{quiz.module}.py` (replacing the blank one) and run `caselab check {quiz.module}` — or hand
it in. **Open an answer sheet** reads a sheet you saved earlier, or edited by hand, back into the
form. The questions are on the [module page](../modules/{quiz.module}.md#exercises).

<!-- caselab:answer-form {quiz.module} -->
"""


def _md(text: str, inline: bool = False) -> str:
    out = _markdown.markdown(text, extensions=["tables", "attr_list"])
    if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


def _attr(value) -> str:
    return html.escape(str(value), quote=True)


def _points(q: Question) -> str:
    p = f"{q.points:g}"
    return f"{p} point" if p == "1" else f"{p} points"


def _control(q: Question) -> str:
    qid = _attr(q.id)
    described = f'aria-describedby="{qid}-help {qid}-error"'
    if q.type in ("choice", "multi"):
        kind = "radio" if q.type == "choice" else "checkbox"
        rows = []
        for letter, text in q.spec["options"].items():
            rid = f"{qid}-{_attr(letter)}"
            rows.append(f'<div class="cl-option"><input type="{kind}" id="{rid}" name="{qid}" '
                        f'value="{_attr(letter)}"> <label for="{rid}"><strong>{_attr(letter)}.</strong> '
                        f'{_md(str(text), inline=True)}</label></div>')
        return "\n".join(rows)
    if q.type == "numeric":
        unit = q.spec.get("unit") or ""
        unit_html = f' <span class="cl-unit">{html.escape(unit)}</span>' if unit else ""
        return (f'<label for="{qid}-input">Your answer{" in " + html.escape(unit) if unit else ""}</label> '
                f'<input type="text" inputmode="decimal" autocomplete="off" id="{qid}-input" name="{qid}" '
                f'data-kind="numeric" {described}>{unit_html}')
    if q.type == "text":
        return (f'<label for="{qid}-input">Your answer</label> <input type="text" autocomplete="off" '
                f'id="{qid}-input" name="{qid}" data-kind="text" {described}>')
    if q.type == "ordering":
        items = list(q.spec["items"].items())
        options = '<option value="">(choose)</option>' + "".join(
            f'<option value="{_attr(k)}">{_attr(k)}. {html.escape(str(v))}</option>' for k, v in items)
        rows = "".join(f'<div class="cl-row"><label for="{qid}-pos{i}">Position {i}</label> '
                       f'<select id="{qid}-pos{i}" name="{qid}" data-position="{i}">{options}</select></div>'
                       for i in range(1, len(items) + 1))
        listing = "".join(f"<li><strong>{_attr(k)}.</strong> {_md(str(v), inline=True)}</li>" for k, v in items)
        return f'<ul class="cl-items">{listing}</ul>{rows}'
    if q.type == "matching":
        right = list(q.spec["right"].items())
        options = '<option value="">(choose)</option>' + "".join(
            f'<option value="{_attr(k)}">{_attr(k)}. {html.escape(str(v))}</option>' for k, v in right)
        rows = "".join(f'<div class="cl-row"><label for="{qid}-left{_attr(k)}"><strong>{_attr(k)}.</strong> '
                       f'{_md(str(v), inline=True)}</label> <select id="{qid}-left{_attr(k)}" name="{qid}" '
                       f'data-left="{_attr(k)}">{options}</select></div>' for k, v in q.spec["left"].items())
        return rows
    if q.type == "code":
        start = q.spec["signature"].strip() + "\n    "
        return (f'<label for="{qid}-input">Your function</label>'
                f'<textarea id="{qid}-input" name="{qid}" data-kind="code" rows="10" spellcheck="false" '
                f'autocapitalize="off" data-template="{_attr(start)}" {described}>{html.escape(start)}</textarea>')
    if q.type == "memo":
        start = "\n\n".join(f"## {s}" for s in q.spec.get("sections", [])) + "\n"
        return (f'<label for="{qid}-input">Your memo (keep the "## " headings)</label>'
                f'<textarea id="{qid}-input" name="{qid}" data-kind="memo" rows="16" '
                f'data-template="{_attr(start)}" {described}>{html.escape(start)}</textarea>')
    raise ValueError(f"{q.nodeid}: no form control for type {q.type!r}")


def render_form(quiz: Quiz, edition: str) -> str:
    """The form, the blank sheet it fills in, and the script: one block of HTML, no outside request."""
    fields = []
    for q in quiz.questions:
        qid = _attr(q.id)
        fields.append(f"""<fieldset class="cl-question" id="{qid}" data-id="{qid}" data-type="{_attr(q.type)}">
<legend>{qid} · {html.escape(q.title)} <span class="cl-points">({_points(q)})</span></legend>
<div class="cl-prompt">{_md(q.prompt)}</div>
<div class="cl-control">{_control(q)}</div>
<p class="cl-help" id="{qid}-help">{html.escape(answer_form(q))}</p>
<p class="cl-error" id="{qid}-error"></p>
</fieldset>""")
    sheet = json.dumps(render_sheet(quiz)).replace("</", "<\\/")
    spec = json.dumps({"module": quiz.module, "edition": edition,
                       "questions": [{"id": q.id, "type": q.type} for q in quiz.questions]}).replace("</", "<\\/")
    script = SCRIPT.read_text(encoding="utf-8")
    return f"""<div class="cl-answers" data-module="{_attr(quiz.module)}">
<div class="cl-toolbar" role="group" aria-label="Answer sheet">
<button type="button" class="md-button md-button--primary" data-action="download">Download answer sheet</button>
<label class="md-button cl-open" for="cl-open-{_attr(quiz.module)}">Open an answer sheet</label>
<input type="file" id="cl-open-{_attr(quiz.module)}" accept=".py,text/x-python,text/plain" data-action="open" class="cl-file">
<button type="button" class="md-button" data-action="reset">Start again</button>
</div>
<div class="cl-status" role="status" aria-live="polite"></div>
<form class="cl-form" novalidate>
{chr(10).join(fields)}
</form>
<script type="application/json" class="cl-sheet">{sheet}</script>
<script type="application/json" class="cl-spec">{spec}</script>
<script>
{script}
</script>
</div>"""
