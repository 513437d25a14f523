"""Figure markers in the data files' text: ``{{ fig name }}`` printed through the same lookup as pages.

A page's markers are filled by the site hook as it reads the page.  The glossary (its table and the
tooltips on every page), the article's facts (their list and the titles of fact-id links) and the
timeline (its tables and its chart) carry text from ``data/*.yml`` that a page's Markdown never holds,
so that text is filled here, with the same figures (``caselab.quiz.figures``) and the same formatting.
An unknown name raises ``ValueError`` naming the data file and the marker; callers turn it into their
own error (the hook's PluginError, the charts' ChartError).
"""
from __future__ import annotations

import re
from pathlib import Path

from caselab.quiz.figures import load_figures

FIG = re.compile(r"\{\{\s*fig\s+([\w.]+)\s*\}\}")


def fill(text: str, root: Path, where: str) -> str:
    """``text`` with every ``{{ fig name }}`` replaced by the figure as the site prints it."""
    if "{{" not in text:
        return text
    figures = load_figures(root)

    def fig(m: re.Match) -> str:
        name = m.group(1)
        if name not in figures:
            raise ValueError(f"{where}: unknown figure {name!r} in {{{{ fig {name} }}}} "
                             "(figures are named in data/case.yml or DERIVED in src/caselab/quiz/figures.py)")
        return figures[name].formatted()

    return FIG.sub(fig, text)
