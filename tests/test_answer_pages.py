"""Answer pages (answers/<module>/) in headless Chromium: the form writes the sheet `caselab check` reads.

Filled in the browser and downloaded, a sheet grades exactly like the same answers typed into the
file by hand; every reference sheet opened and downloaded again scores what the reference sheet
scores; answers survive a reload; a sheet with a broken line loads the rest and names the line; no
key is in the page; axe finds nothing serious in either colour scheme.  Skips without a browser
(fails with CASELAB_REQUIRE_BROWSER=1, as the site's other browser tests).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, check_json
from test_site_browser import Watch, _axe_serious, browser, served  # noqa: F401  (fixtures)


def _blank_or_solution(q, use_solution: bool):
    """The answer a test student gives: the reference answer, or a plausible wrong one of the right shape."""
    from caselab.quiz.sheets import reference_value

    if use_solution:
        return q.spec["solution"].strip() if q.type == "code" else reference_value(q)
    if q.type == "choice":
        return next(k for k in map(str, q.spec["options"]) if k != str(q.key))
    if q.type == "multi":
        return [str(k) for k in list(q.spec["options"])[:2]]
    if q.type == "numeric":
        return 12.5
    if q.type == "text":
        return "a wrong answer"
    if q.type == "ordering":
        return [str(k) for k in q.spec["items"]]
    if q.type == "matching":
        first = str(next(iter(q.spec["right"])))
        return {int(k) if str(k).isdigit() else str(k): first for k in q.spec["left"]}
    if q.type == "code":
        return q.spec["signature"].strip() + "\n    return None"
    if q.type == "memo":
        return "## " + "\n\n## ".join(q.spec.get("sections", ["Memo"])) + "\n\nToo short."
    raise AssertionError(q.type)


def _hand_typed(quiz, answers: dict) -> str:
    """The blank sheet with the answers typed in by hand (Python's own repr, a function as written)."""
    from caselab.quiz.sheets import render_sheet

    text = render_sheet(quiz)
    for q in quiz.questions:
        a = answers[q.id]
        if q.type == "code":
            text = text.replace(f"{q.spec['signature'].strip()}\n    raise NotImplementedError", a, 1)
        else:
            text = text.replace(f"\n{q.id} = None\n", f"\n{q.id} = {a!r}\n", 1)
    return text


def _fill(page, q, a) -> None:
    fs = page.locator(f'fieldset[data-id="{q.id}"]')
    if q.type == "choice":
        fs.locator(f'input[value="{a}"]').check()
    elif q.type == "multi":
        for letter in a:
            fs.locator(f'input[value="{letter}"]').check()
    elif q.type in ("numeric", "text"):
        fs.locator("input").fill(str(a))
    elif q.type == "ordering":
        for i, letter in enumerate(a, start=1):
            fs.locator(f'select[data-position="{i}"]').select_option(str(letter))
    elif q.type == "matching":
        for left, letter in a.items():
            fs.locator(f'select[data-left="{left}"]').select_option(str(letter))
    else:  # code, memo
        fs.locator("textarea").fill(a)


def _download(page, folder: Path, module: str) -> Path:
    with page.expect_download() as info:
        page.get_by_role("button", name="Download answer sheet").click()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{module}.py"
    info.value.save_as(path)
    return path


def _statuses(result: dict, module: str) -> dict:
    return {q["id"]: (q["status"], q["points"]) for q in result["questions"] if q["module"] == module}


def _open_page(browser, served, module: str, **context):  # noqa: F811
    base, _, pages = served
    assert f"answers/{module}/" in pages, f"no answer page for {module}"
    w = Watch(browser, base, accept_downloads=True, **context)
    return w, w.open(f"answers/{module}/")


def test_filled_form_grades_like_the_hand_typed_sheet(browser, served, quizzes, tmp_path):  # noqa: F811
    quiz = quizzes["kyc"]
    answers = {q.id: _blank_or_solution(q, i % 2 == 0) for i, q in enumerate(quiz.questions)}
    w, page = _open_page(browser, served, "kyc")
    try:
        for q in quiz.questions:
            _fill(page, q, answers[q.id])
        sheet = _download(page, tmp_path / "browser", "kyc")
        assert not w.errors and not w.foreign, w.errors + w.foreign
    finally:
        w.close()
    (tmp_path / "hand").mkdir()
    (tmp_path / "hand" / "kyc.py").write_text(_hand_typed(quiz, answers), encoding="utf-8")
    from caselab.quiz.sheets import render_sheet

    blank = render_sheet(quiz).splitlines()
    got = sheet.read_text(encoding="utf-8").splitlines()
    def comments(lines):
        return [line for line in lines if line == "#" or line.startswith("# ")]

    header = blank[: blank.index('"""', 1) + 1]
    assert got[: len(header)] == header and comments(got) == comments(blank), \
        "the downloaded sheet's header and comments differ from the generated sheet's"
    browser_result = _statuses(check_json(tmp_path / "browser", "kyc", tmp_path=tmp_path), "kyc")
    hand_result = _statuses(check_json(tmp_path / "hand", "kyc", tmp_path=tmp_path), "kyc")
    assert browser_result == hand_result
    solved = [q.id for i, q in enumerate(quiz.questions) if i % 2 == 0 and q.type != "memo"]
    assert all(browser_result[qid][0] == "correct" for qid in solved), browser_result


@pytest.mark.parametrize("module", ["framework", "kyc", "offshore", "courts", "mining", "compare"])
def test_a_reference_sheet_opens_and_downloads_unchanged_in_score(browser, served, module, tmp_path):  # noqa: F811
    w, page = _open_page(browser, served, module)
    try:
        page.locator('input[type="file"]').set_input_files(str(ROOT / "solutions" / f"{module}.py"))
        page.wait_for_function("document.querySelector('.cl-status').textContent.startsWith('Opened')")
        status = page.locator(".cl-status").text_content()
        assert "every answer was loaded" in status, status
        sheet = _download(page, tmp_path / "browser", module)
    finally:
        w.close()
    assert sheet.is_file()
    mine = check_json(tmp_path / "browser", module, tmp_path=tmp_path)
    reference = check_json(ROOT / "solutions", module, tmp_path=tmp_path)
    assert _statuses(mine, module) == _statuses(reference, module)
    assert all(s == "correct" for s, _ in _statuses(mine, module).values() if s != "unanswered")


def test_answers_survive_a_reload_and_start_again_clears_them(browser, served, quizzes):  # noqa: F811
    quiz = quizzes["kyc"]
    choice = next(q for q in quiz.questions if q.type == "choice")
    numeric = next(q for q in quiz.questions if q.type == "numeric")
    w, page = _open_page(browser, served, "kyc")
    try:
        _fill(page, choice, "C")
        _fill(page, numeric, "7.5")
        page.reload(wait_until="load")
        assert page.locator(f'fieldset[data-id="{choice.id}"] input[value="C"]').is_checked()
        assert page.locator(f'fieldset[data-id="{numeric.id}"] input').input_value() == "7.5"
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Start again").click()
        page.reload(wait_until="load")
        assert not page.locator(f'fieldset[data-id="{choice.id}"] input[value="C"]').is_checked()
    finally:
        w.close()


def test_a_sheet_with_a_broken_line_loads_the_rest_and_names_the_line(browser, served, quizzes, tmp_path):  # noqa: F811
    quiz = quizzes["kyc"]
    numeric = next(q for q in quiz.questions if q.type == "numeric")
    choice = next(q for q in quiz.questions if q.type == "choice")
    text = (ROOT / "solutions" / "kyc.py").read_text(encoding="utf-8")
    broken, n = re.subn(rf"^{numeric.id} = .*$", f"{numeric.id} = 8,67%", text, count=1, flags=re.M)
    assert n == 1
    line = text[: text.index(f"\n{numeric.id} = ")].count("\n") + 2
    (tmp_path / "kyc.py").write_text(broken, encoding="utf-8")
    (tmp_path / "mining.py").write_text((ROOT / "solutions" / "mining.py").read_text(), encoding="utf-8")
    (tmp_path / "notes.py").write_text("print('hello')\n", encoding="utf-8")
    w, page = _open_page(browser, served, "kyc")
    try:
        status = page.locator(".cl-status")
        page.locator('input[type="file"]').set_input_files(str(tmp_path / "kyc.py"))
        page.wait_for_function("document.querySelector('.cl-status').textContent.startsWith('Opened')")
        assert f"line {line} ({numeric.id})" in status.text_content(), status.text_content()
        assert page.locator(f'fieldset[data-id="{choice.id}"] input[value="{choice.key}"]').is_checked()
        assert page.locator(f'fieldset[data-id="{numeric.id}"] input').input_value() == ""
        page.locator('input[type="file"]').set_input_files(str(tmp_path / "mining.py"))
        page.wait_for_function("document.querySelector('.cl-status').textContent.startsWith('Not opened')")
        assert "for mining, not kyc" in status.text_content()
        page.locator('input[type="file"]').set_input_files(str(tmp_path / "notes.py"))
        page.wait_for_function("document.querySelector('.cl-status').textContent.includes('not a caselab answer sheet')")
        # a number field with text in it is told where, and nothing is downloaded
        page.locator(f'fieldset[data-id="{numeric.id}"] input').fill("8.67%")
        page.get_by_role("button", name="Download answer sheet").click()
        assert "% sign" in page.locator(f"#{numeric.id}-error").text_content()
        assert numeric.id in status.text_content() and "Not downloaded" in status.text_content()
    finally:
        w.close()


def test_no_key_or_explanation_is_in_an_answer_page(served, quizzes):  # noqa: F811
    from caselab.editions.leaks import _squash, key_needles
    from caselab.quiz.sheets import render_sheet

    _, site, _ = served
    leaks = []
    for module, quiz in quizzes.items():
        page = _squash((site / "answers" / module / "index.html").read_text(encoding="utf-8"))
        sheet = _squash(render_sheet(quiz))  # what the student's sheet shows anyway
        for where, kind, needle in key_needles(quiz):
            if _squash(needle) in page and _squash(needle) not in sheet:
                leaks.append(f"{where} {kind}: {needle[:60]}")
        for q in quiz.questions:
            leaks += [f"{q.nodeid} hint" for h in q.hints if len(h) > 30 and _squash(h)[:80] in page
                      and _squash(h)[:80] not in sheet]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_answer_pages(browser, served, quizzes, scheme):  # noqa: F811
    problems = []
    for module in quizzes:
        w, page = _open_page(browser, served, module, color_scheme=scheme)
        try:
            problems += [f"answers/{module} [{scheme}]: {v}" for v in _axe_serious(page)]
            problems += [f"answers/{module} [{scheme}]: {e}" for e in w.errors + w.foreign]
        finally:
            w.close()
    assert not problems, "\n".join(problems)
