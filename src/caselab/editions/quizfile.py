"""The edition's quiz files: every key replaced by salted hashes (``keyhash``), block strings and tags kept."""
from __future__ import annotations

import re
from typing import Any

import yaml

from caselab.editions.keyhash import KDF, hashed_check, score_check
from caselab.quiz.model import Question, Quiz

SPEC_FIELDS = ("options", "items", "left", "right", "unit", "decimals", "tolerance", "percent",
               "signature", "cases", "sections", "min_words", "max_words", "cite")
FIG = re.compile(r"\{\{\s*fig\s+([\w.]+)\s*\}\}")


class ReleaseError(Exception):
    """The edition cannot be written as asked; the message says why."""


# --- YAML with block strings and unknown tags kept ------------------------------------------

class Tagged:
    def __init__(self, tag: str, value: Any):
        self.tag, self.value = tag, value


class YamlLoader(yaml.SafeLoader):
    pass


def _unknown(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged(suffix, value)


YamlLoader.add_multi_constructor("", lambda loader, suffix, node: _unknown(loader, suffix, node))


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _tagged(dumper, value: Tagged):
    if isinstance(value.value, list):
        return dumper.represent_sequence(value.tag, value.value)
    if isinstance(value.value, dict):
        return dumper.represent_mapping(value.tag, value.value)
    return dumper.represent_scalar(value.tag, value.value)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Tagged, _tagged)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


# --- the edition's quizzes ----------------------------------------------------------------------

def render_figs(value: Any, figures: dict) -> Any:
    """``{{ fig name }}`` markers replaced by the formatted figure (the edition keeps no derived figures)."""
    if isinstance(value, str):
        def fig(m):
            if m.group(1) not in figures:
                raise ReleaseError(f"unknown figure {m.group(1)!r}")
            return figures[m.group(1)].formatted()
        return FIG.sub(fig, value)
    if isinstance(value, list):
        return [render_figs(v, figures) for v in value]
    if isinstance(value, dict):
        return {k: render_figs(v, figures) for k, v in value.items()}
    return value


def _number(x: float):
    return int(x) if float(x).is_integer() else x


def edition_question(q: Question, feedback: str, salt: str, figures: dict, check: dict | None = None) -> dict:
    """One question as a student edition holds it: what to ask and how to check the form; keys only hashed."""
    d: dict[str, Any] = {"id": q.id, "type": q.type, "points": _number(q.points),
                         "title": render_figs(q.title, figures), "prompt": render_figs(q.prompt, figures)}
    # the level and the objective say what kind of thinking a question asks for, never its answer
    d.update({name: getattr(q, name) for name in ("level", "objective") if getattr(q, name)})
    for name in SPEC_FIELDS:
        if name not in q.spec:
            continue
        value = q.spec[name]
        if name == "cases":
            value = [{"args": c["args"]} for c in value]
        d[name] = render_figs(value, figures) if name not in ("cases", "cite") else value
    if feedback == "full" and q.hints:
        d["hints"] = [render_figs(h, figures) for h in q.hints]
    d["sources"] = list(q.sources)
    if feedback == "full":
        check = hashed_check(q, salt)
    if check:  # full: the question's hashes; score: only its non-secret parameters (keyhash.score_check)
        d["check"] = check
    return d


def edition_quiz(quiz: Quiz, feedback: str, salt: str, figures: dict, questions: list[dict] | None = None,
                 variants: bool = False) -> str:
    """The edition's quiz file; ``questions``: the questions' dicts when already made (variants.py, full feedback);
    ``variants``: the edition was released with ``--roster`` (its site then says that a personal sheet comes first)."""
    edition: dict[str, Any] = {"feedback": feedback}
    if variants:
        edition["variants"] = True
    params: dict[str, dict] = {}
    if feedback != "none":
        edition.update(salt=salt, kdf=dict(KDF))
    if feedback == "score":  # no per-question hash: one check of the whole module
        try:
            params, edition["all_right"] = score_check(quiz, salt)
        except ValueError as exc:
            raise ReleaseError(f"{exc}; release this module with --feedback full or none") from None
    data = {"module": quiz.module, "title": quiz.title, "edition": edition,
            **({"objectives": dict(quiz.objectives)} if quiz.objectives else {}),
            "questions": questions if questions is not None else
            [edition_question(q, feedback, salt, figures, params.get(q.id)) for q in quiz.questions]}
    head = (f"# The {quiz.module} quiz of a caselab student edition (feedback: {feedback}).\n"
            "# Generated by `caselab release`; answers are stored only as salted, slow hashes, or not at all.\n")
    return head + dump_yaml(data)
