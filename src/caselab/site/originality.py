"""Find passages that repeat the source article word for word.

Runs of 12 or more Chinese characters (and Chinese punctuation) outside book-title
marks 《》 are compared with a fingerprint of the article (data/article-fingerprint.txt).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

WINDOW = 12
_RUN = re.compile(r"[\u4e00-\u9fff，、。：；“”（）]{%d,}" % WINDOW)


def chinese_runs(text: str) -> list[str]:
    return _RUN.findall(re.sub(r"《[^》]*》", "", text))


def load_fingerprint(root: Path) -> set[str]:
    lines = (Path(root) / "data" / "article-fingerprint.txt").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def copied_passages(text: str, fingerprint: set[str]) -> list[str]:
    hits = []
    for run in chinese_runs(text):
        for i in range(len(run) - WINDOW + 1):
            if hashlib.sha1(run[i:i + WINDOW].encode()).hexdigest()[:16] in fingerprint:
                hits.append(run[:40])
                break
    return hits
