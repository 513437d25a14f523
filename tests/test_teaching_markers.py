"""The site hook's teaching parts: objectives with the questions that test them, explanations that
show what a key says (with level, objective and a memo's rubric), and the article's fact ids linked
to the list of the article's facts (docs/article.md, from data/article_facts.yml)."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import yaml
from mkdocs.exceptions import PluginError

from caselab.quiz.model import load_quiz
from caselab.site import hook
from conftest import ROOT

QUIZ = {
    "module": "alpha", "title": "Alpha",
    "objectives": {"O1": "Explain who the Notice binds", "O2": "Advise on a compliance alert", "O3": "Unused one"},
    "questions": [
        {"id": "q1", "type": "choice", "points": 1, "title": "Who is bound", "prompt": "Who?",
         "options": {"A": "Only banks", "B": "Banks and payment firms"}, "key": "B", "explanation": "e",
         "sources": ["A6"], "level": "understand", "objective": "O1"},
        {"id": "q2", "type": "multi", "points": 2, "title": "Red flags", "prompt": "Which?",
         "options": {"A": "Many accounts, one device", "B": "A salaried customer", "C": "Logins move abroad"},
         "key": ["A", "C"], "explanation": "e", "sources": ["A8"], "level": "apply", "objective": "O2"},
        {"id": "q3", "type": "ordering", "points": 1, "title": "Order", "prompt": "Order them.",
         "items": {"A": "The 2017 announcement", "B": "The 2013 notice"}, "key": ["B", "A"], "explanation": "e",
         "sources": ["A16"], "level": "remember", "objective": "O1"},
        {"id": "q4", "type": "matching", "points": 2, "title": "Match", "prompt": "Match.",
         "left": {"1": "Identify the customer", "2": "Pass on sender data"},
         "right": {"A": "Recommendation 10", "B": "Recommendation 16"}, "key": {"1": "A", "2": "B"},
         "explanation": "e", "sources": ["A8"], "level": "understand", "objective": "O2"},
        {"id": "q5", "type": "memo", "points": 4, "title": "Advice", "prompt": "Write a memo.", "explanation": "e",
         "sources": ["A6"], "sections": ["Problem", "Recommendation"], "min_words": 10, "max_words": 200,
         "level": "analyse", "objective": "O2",
         "rubric": [{"criterion": "States the problem | precisely", "points": 1},
                    {"criterion": "Weighs two responses", "points": 3}]},
        {"id": "q6", "type": "text", "points": 1, "title": "Term", "prompt": "Name it.", "key": ["travel rule"],
         "explanation": "e", "sources": ["A8"]},
    ],
}


@pytest.fixture
def quiz(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "case.yml").write_text("kyc: {}\n")
    path = tmp_path / "tests" / "quizzes" / "alpha.yml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(QUIZ, allow_unicode=True))
    return load_quiz(path, tmp_path)


def test_objectives_list_the_questions_that_test_each(quiz):
    text = hook.render_objectives(quiz)
    rows = {row.split("|")[1].strip(): row for row in text.splitlines()[2:]}
    assert list(rows) == ["**O1.** Explain who the Notice binds", "**O2.** Advise on a compliance alert",
                          "**O3.** Unused one", "*no objective named*"]
    assert rows["**O1.** Explain who the Notice binds"].endswith(
        "| q1 · Who is bound (understand, 1 point)<br>q3 · Order (remember, 1 point) | 2 |")
    assert "q2 · Red flags (apply, 2 points)<br>q4 · Match (understand, 2 points)<br>q5 · Advice (analyse, 4 points) | 8 |" \
        in rows["**O2.** Advise on a compliance alert"]
    assert "**no question yet** | 0 |" in rows["**O3.** Unused one"]
    assert "q6 · Term (no level, 1 point)" in rows["*no objective named*"]


def test_objectives_marker_on_a_page_and_an_unknown_module(quiz, tmp_path, monkeypatch):
    monkeypatch.setattr(hook, "load_quizzes", lambda root: {"alpha": quiz})
    page = SimpleNamespace(file=SimpleNamespace(src_uri="instructor/alpha.md"))
    out = hook.render_teaching_markers("Before\n\n<!-- caselab:objectives alpha -->\n", page, tmp_path, False)
    assert "| **O2.** Advise on a compliance alert |" in out and "caselab:objectives" not in out
    with pytest.raises(PluginError, match=r"instructor/alpha.md: no quiz for module 'beta'"):
        hook.render_teaching_markers("<!-- caselab:objectives beta -->", page, tmp_path, False)


def test_explanations_show_what_each_key_says_with_level_objective_and_rubric(quiz, tmp_path):
    (tmp_path / "data" / "sources.yml").write_text(yaml.safe_dump({"article": {"facts": {}}, "documents": []}))
    text = hook.render_explanations(quiz, tmp_path)
    sections = dict(re.findall(r"^### (q\d) · [^\n]*\n(.*?)(?=^### |\Z)", text, flags=re.M | re.S))
    assert "**Key:** **B** — Banks and payment firms" in sections["q1"]
    assert "- **A** — Many accounts, one device\n\n- **C** — Logins move abroad" in sections["q2"]
    assert "1. **B** — The 2013 notice\n\n2. **A** — The 2017 announcement" in sections["q3"]
    assert "| **1.** Identify the customer | **A.** Recommendation 10 |" in sections["q4"]
    assert "| **2.** Pass on sender data | **B.** Recommendation 16 |" in sections["q4"]
    assert "**Level:** apply · **Objective:** O2 (Advise on a compliance alert)" in sections["q2"]
    assert "| States the problem \\| precisely | 1 |\n| Weighs two responses | 3 |\n| **total** | **4** |" \
        in sections["q5"]
    assert "**Key:** any of `travel rule`" in sections["q6"] and "**Level:**" not in sections["q6"]


FACTS = {f"A{i}": f"Fact number {i}, retold." for i in range(1, 23)}


def test_fact_ids_in_running_text_become_links():
    text = ("The Notice (A3, A6) came first; A15 argued it.\n"
            "A court 判决 A16的 reasoning. Not A23, not A1x, not FA1 or 1.A2.\n")
    out = hook.link_article_facts(text, "modules/kyc.md", FACTS)
    assert out.startswith('The Notice ([A3](../article.md#a3 "Fact number 3, retold."), '
                          '[A6](../article.md#a6 "Fact number 6, retold.")) came first; '
                          '[A15](../article.md#a15 "Fact number 15, retold.") argued it.')
    assert '判决 [A16](../article.md#a16 "Fact number 16, retold.")的' in out
    assert "Not A23, not A1x, not FA1 or 1.A2." in out
    assert '[A1](article.md#a1 "Fact number 1, retold.")' in hook.link_article_facts("A1", "index.md", FACTS)


def test_fact_ids_in_code_links_headings_tags_and_titles_stay_plain():
    text = ("## What A3 says\n\n"
            '!!! note "Facts A4 and A5"\n    Body cites A7.\n\n'
            "```python\nq1 = A8\n```\n\n"
            "Inline `A9`, a link [see A10](sources.md), <span title=\"A11\">x</span>, <!-- A12 -->\n"
            "*[A13]: an abbreviation line\n")
    out = hook.link_article_facts(text, "modules/kyc.md", FACTS)
    assert out.replace('[A7](../article.md#a7 "Fact number 7, retold.")', "A7") == text
    assert "[A7](../article.md#a7" in out


def test_the_facts_file_has_every_fact_in_one_line():
    facts = hook.article_facts(ROOT)
    assert list(facts) == [f"A{i}" for i in range(1, 23)]
    assert all(0 < len(line) <= 250 for line in facts.values())
    table = hook.render_facts(ROOT)
    assert table.count('<span id="a') == 22 and '| <span id="a10"></span>**A10** |' in table


def test_a_bad_facts_file_fails_the_build_with_a_clear_message(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "article_facts.yml").write_text("A1: one\nA30: not a fact of the article\n")
    with pytest.raises(PluginError, match=r"data/article_facts.yml: 'A30' is not a fact id of the article"):
        hook.article_facts(tmp_path)
    (tmp_path / "data" / "article_facts.yml").write_text("A1: |\n  two\n  lines\n")
    with pytest.raises(PluginError, match=r"A1 needs exactly one line"):
        hook.article_facts(tmp_path)


def test_the_built_site_links_fact_ids_to_the_facts_page():
    from test_site_build import built_site

    site = built_site()
    facts = (site / "article" / "index.html").read_text(encoding="utf-8")
    assert all(f'id="a{i}"' in facts for i in range(1, 23))
    kyc = (site / "modules" / "kyc" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="\.\./\.\./article/#(a\d+)" title="[^"]+">(A\d+)</a>', kyc)
    assert links and all(anchor == fid.lower() for anchor, fid in links)
    assert "article.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
