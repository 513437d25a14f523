"""Every source id that a page or a quiz cites in running text is a document of data/sources.yml.

Quiz `sources:` lists are checked in test_quizzes.py; this covers the prose: a parenthesis made only of
citations, such as "(court-cases-2021, reported)" or "(A6; yinfa-2021-237)", must name known ids, so a
retired or misspelt id (two ids once covered the same reported court cases) cannot linger on a page.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
PAREN = re.compile(r"\(([^()\n]*(?:\n[^()\n]*)?)\)")
ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
OTHER_ITEM = re.compile(r"A\d{1,2}(?:[–-]A\d{1,2})?|reported|verified|V|W|U|cbeci|mica|[a-z0-9-]+ \(reported\)")


def cited_ids(text: str) -> list[str]:
    """Hyphenated ids named in parentheses that hold nothing but citations."""
    found = []
    for m in PAREN.finditer(CODE.sub("", text)):
        items = [i.strip() for i in re.split(r"[,;]", " ".join(m.group(1).split())) if i.strip()]
        ids = [i for i in items if ID.fullmatch(i)]
        if ids and all(ID.fullmatch(i) or OTHER_ITEM.fullmatch(i) for i in items):
            found += ids
    return found


def known_ids() -> set[str]:
    data = yaml.safe_load((ROOT / "data" / "sources.yml").read_text(encoding="utf-8"))
    return {d["id"] for d in data["documents"]} | {data["article"]["id"]}


def test_the_detector_reads_citations_and_skips_prose():
    text = ("as reported (civil-validity-cases, reported); see (A6; yinfa-2021-237) and "
            "(re-verification, purpose of the account) and `caselab --out kyc-2026`")
    assert cited_ids(text) == ["civil-validity-cases", "yinfa-2021-237"]


def test_every_cited_id_is_a_known_source():
    known = known_ids()
    pages = sorted((ROOT / "docs").rglob("*.md")) + sorted((ROOT / "tests" / "quizzes").glob("*.yml"))
    unknown = {f"{p.relative_to(ROOT)}: {i}" for p in pages for i in cited_ids(p.read_text(encoding="utf-8"))
               if i not in known}
    assert not unknown, "cited ids missing from data/sources.yml:\n" + "\n".join(sorted(unknown))
