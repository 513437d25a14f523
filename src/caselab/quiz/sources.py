"""The sources a question or a page may cite: the article's fact ids and the documents in data/sources.yml."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from caselab.quiz.model import ARTICLE_FACT


@lru_cache(maxsize=8)
def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_sources(root: Path) -> dict:
    """``{"article": {...}, "documents": {id: {...}}}``."""
    data = _load((Path(root) / "data" / "sources.yml").resolve())
    return {"article": data["article"], "documents": {d["id"]: d for d in data["documents"]}}


def resolves(source: str, root: Path) -> bool:
    """True if ``source`` is an article fact id (A1..A22) or a document on the sources page."""
    return bool(ARTICLE_FACT.match(source)) or source in load_sources(root)["documents"]


def cite_names(root: Path):
    """A function giving the ways a memo may cite a document: its id, number, and titles."""
    documents = load_sources(root)["documents"]

    def names(source_id: str) -> list[str]:
        doc = documents.get(source_id, {})
        number = str(doc.get("number", ""))
        usable_number = number if any(ch.isdigit() for ch in number) else ""
        return [source_id, usable_number, str(doc.get("title_zh", "")), str(doc.get("title_en", ""))]

    return names
