"""Quiz definitions: load ``tests/quizzes/<module>.yml`` into checked, immutable objects.

A quiz file is data; this module only reads and validates it.  Each bad field
is reported with the file and the question it sits in.

Item design fields (AUTHORING.md): a quiz may declare ``objectives: {O1: "..."}``; a question
may declare ``level:`` (one of ``LEVELS``) and ``objective:`` (one of the quiz's objective ids);
a question may carry a ``rubric:`` (a list of ``{criterion, points}`` summing to its points).
Whatever is given is always validated; with ``REQUIRE_LEVELS`` set, every quiz must declare its
objectives, every question its level and objective, and every memo its rubric.

Per-student parameters (issue 14, AUTHORING.md "Per-student figures"): a numeric question whose key is
``{figure: name}`` may declare ``parameters:`` (raw figure of data/case.yml -> ``{min, max, step}`` or a
list of values) and ``scenario:``, the prompt of a student's version, which says the figures are
hypothetical and shows each parameter as ``{{ fig name }}``.  The generic question keeps the article's
numbers.  Loaded, ``spec["parameters"]`` holds each parameter's values in full, ``spec["key_figure"]``
the key's figure and ``spec["scenario"]`` the template; caselab.quiz.variants makes a student's version.
Code questions take no parameters: their cases are inputs the student's function must handle anyway.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: 10x faster

from caselab.quiz.figures import FIG_MARK, fill, find_project_root, load_figures, raw_figure

TYPES = ("choice", "multi", "numeric", "ordering", "matching", "text", "code", "memo")
ARTICLE_FACT = re.compile(r"^A([1-9]|1[0-9]|2[0-2])$")
QUESTION_ID = re.compile(r"^q[0-9]+$")
LEVELS = ("remember", "understand", "apply", "analyse")  # analyse covers evaluate
# Flipped to True once every quiz declares objectives, levels and memo rubrics (issue 11).
REQUIRE_LEVELS = True


class QuizError(ValueError):
    """A quiz file that does not follow the schema in AUTHORING.md."""


@dataclass(frozen=True)
class Question:
    module: str
    id: str
    type: str
    points: float
    title: str
    prompt: str
    explanation: str
    sources: tuple[str, ...]
    hints: tuple[str, ...] = ()
    key: Any = None  # resolved: figures replaced by their values
    spec: dict = field(default_factory=dict)  # the type's own fields (options, unit, cases, ...)
    edition: dict | None = None  # in a student edition: {feedback, salt, kdf}; the key is then absent (keyhash.py)
    level: str | None = None  # one of LEVELS
    objective: str | None = None  # one of the quiz's objective ids

    @property
    def nodeid(self) -> str:
        return f"{self.module}/{self.id}"


@dataclass(frozen=True)
class Quiz:
    module: str
    title: str
    path: Path
    questions: tuple[Question, ...]
    edition: dict | None = None  # set in a student edition (see caselab release)
    objectives: dict = field(default_factory=dict)  # objective id -> what the student should be able to do

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"{self.module} has no question {qid!r}")

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)


def case_args(case: dict) -> list:
    """A code task's case arguments as a list (a single argument may be written bare)."""
    args = case["args"]
    return list(args) if isinstance(args, list) else [args]


def call_text(q: Question, args: Any) -> str:
    """How a call of the student's function reads in messages and on the sheet: ``q7(150, 13)``."""
    args = args if isinstance(args, list) else [args]
    return f"{q.id}({', '.join(repr(a) for a in args)})"


def _resolve(value: Any, figures: dict, where: str) -> Any:
    """Replace ``{figure: name}`` anywhere in a key or expected output by the figure's value."""
    if isinstance(value, dict) and set(value) == {"figure"}:
        name = value["figure"]
        if name not in figures:
            raise QuizError(f"{where}: unknown figure {name!r} (see data/case.yml and src/caselab/quiz/figures.py)")
        return figures[name].value
    if isinstance(value, list):
        return [_resolve(v, figures, where) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, figures, where) for k, v in value.items()}
    return value


def _letters(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QuizError(f"{where}: key must be a list of letters")
    return [v.upper() for v in value]


def _check_spec(q: dict, where: str) -> None:
    t = q["type"]
    need = {
        "choice": ("options", "key"), "multi": ("options", "key"), "numeric": ("key",),
        "ordering": ("items", "key"), "matching": ("left", "right", "key"), "text": ("key",),
        "code": ("signature", "cases", "solution"), "memo": ("sections", "min_words", "max_words"),
    }[t]
    for name in need:
        if name not in q:
            raise QuizError(f"{where}: a {t} question needs '{name}'")
    key = q.get("key")
    if t == "choice" and (not isinstance(key, str) or key.upper() not in map(str.upper, q["options"])):
        raise QuizError(f"{where}: key {key!r} is not one of the options")
    if t == "multi" and not set(_letters(key, where)) <= {str(o).upper() for o in q["options"]}:
        raise QuizError(f"{where}: key {key!r} names letters that are not options")
    if t == "ordering" and sorted(_letters(key, where)) != sorted(str(i).upper() for i in q["items"]):
        raise QuizError(f"{where}: key must order every item exactly once")
    if t == "matching":
        if not isinstance(key, dict) or {str(k) for k in key} != {str(k) for k in q["left"]}:
            raise QuizError(f"{where}: key must pair every left item")
        if not {str(v).upper() for v in key.values()} <= {str(r).upper() for r in q["right"]}:
            raise QuizError(f"{where}: key pairs with a right item that does not exist")
    if t == "numeric" and "decimals" not in q and "tolerance" not in q:
        raise QuizError(f"{where}: a numeric question needs 'decimals' or 'tolerance'")
    if t == "text" and (not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key)):
        raise QuizError(f"{where}: key must be a non-empty list of accepted answers")
    if t == "code":
        m = re.match(r"^def (q[0-9]+)\(", str(q["signature"]))
        if not m or m.group(1) != q["id"]:
            raise QuizError(f"{where}: signature must define a function named {q['id']}")
        if not isinstance(q["cases"], list) or not q["cases"]:
            raise QuizError(f"{where}: cases must be a non-empty list of {{args, expected}}")
        for i, case in enumerate(q["cases"]):
            if not isinstance(case, dict) or "args" not in case or "expected" not in case:
                raise QuizError(f"{where}: case {i + 1} needs 'args' and 'expected'")


MAX_PARAMETER_VALUES = 1000


def parameter_values(spec: Any, where: str) -> list:
    """The values a parameter's ``{min, max, step}`` or list stands for, in order."""
    def number(v):
        return not isinstance(v, bool) and isinstance(v, (int, float))
    if isinstance(spec, list):
        if not spec or not all(number(v) for v in spec) or len(set(spec)) != len(spec):
            raise QuizError(f"{where}: give a list of different numbers, e.g. [150, 180, 200]")
        return list(spec)
    if not isinstance(spec, dict) or set(spec) != {"min", "max", "step"} or not all(number(v) for v in spec.values()):
        raise QuizError(f"{where}: give {{min, max, step}} (numbers), e.g. {{min: 120, max: 200, step: 10}}, "
                        "or a list of values")
    lo, hi, step = spec["min"], spec["max"], spec["step"]
    if step <= 0 or hi <= lo:
        raise QuizError(f"{where}: max must be above min and step above 0")
    count = int(round((hi - lo) / step)) + 1
    if count > MAX_PARAMETER_VALUES:
        raise QuizError(f"{where}: {count} values; at most {MAX_PARAMETER_VALUES} (a larger step)")
    whole = all(isinstance(v, int) for v in (lo, hi, step))
    values = [lo + i * step if whole else round(lo + i * step, 10) for i in range(count)]
    if abs(values[-1] - hi) > 1e-9 * max(1, abs(hi)):
        raise QuizError(f"{where}: max {hi} is not min {lo} plus a whole number of steps of {step}")
    return values


def _parameters(raw: dict, figures: dict, where: str) -> dict:
    """A numeric question's per-student parameters, checked: the spec fields they become (see the docstring)."""
    if raw["type"] != "numeric":
        raise QuizError(f"{where}: parameters are for numeric questions only (a code question's cases are "
                        "already inputs its function must handle)")
    params, scenario, key = raw.get("parameters"), raw.get("scenario"), raw.get("key")
    if not isinstance(params, dict) or not params:
        raise QuizError(f"{where}: parameters must map raw figures of data/case.yml to a range or a list, "
                        "e.g. parameters: {kyc.accounts_applied: {min: 120, max: 200, step: 10}}")
    if not (isinstance(key, dict) and set(key) == {"figure"}):
        raise QuizError(f"{where}: a question with parameters needs its key as {{figure: name}}, computed by figures.py")
    if not isinstance(scenario, str) or not scenario.strip():
        raise QuizError(f"{where}: a question with parameters needs 'scenario', the prompt of a student's version "
                        "(\"Suppose ... {{ fig name }} ...\")")
    values = {}
    for name, spec in params.items():
        if not isinstance(name, str) or not raw_figure(name, figures):
            raise QuizError(f"{where}: parameter {name!r} is not a raw figure of data/case.yml "
                            "(derived figures are computed from the raw ones)")
        article = figures[name].value
        if isinstance(article, bool) or not isinstance(article, (int, float)):
            raise QuizError(f"{where}: parameter {name!r} is not a number in data/case.yml")
        values[name] = parameter_values(spec, f"{where} parameter {name}")
    shown = FIG_MARK.findall(scenario)
    for name in shown:
        if not raw_figure(name, figures):
            raise QuizError(f"{where}: the scenario may show raw figures only ({{{{ fig {name} }}}} is derived, "
                            "or unknown: it could show the answer)")
    missing = [n for n in values if n not in shown]
    if missing:
        raise QuizError(f"{where}: the scenario must show each parameter: add {{{{ fig {missing[0]} }}}}")
    return {"parameters": values, "key_figure": key["figure"], "scenario": scenario.strip(),
            "article_values": {n: figures[n].value for n in values}}


def _check_edition_spec(q: dict, where: str) -> None:
    """A student edition's question: no key, no explanation, no solution; hashes under ``check``."""
    for name in ("key", "explanation", "solution"):
        if name in q:
            raise QuizError(f"{where}: a student edition must not hold '{name}'")
    if q["type"] == "code":
        if not isinstance(q.get("cases"), list) or not all(isinstance(c, dict) and "args" in c for c in q["cases"]):
            raise QuizError(f"{where}: cases must be a list of {{args}}")
        if any("expected" in c for c in q["cases"]):
            raise QuizError(f"{where}: a student edition must not hold expected outputs")
    if "check" in q and not isinstance(q["check"], dict):
        raise QuizError(f"{where}: check must be a mapping of hashes")


def _check_objectives(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        raise QuizError(f"{where}: objectives must be a mapping of ids to what the student should be able to do, "
                        f"e.g. objectives: {{O1: \"Explain ...\"}}")
    out = {}
    for oid, text in value.items():
        if not isinstance(oid, str) or not re.match(r"^[A-Za-z][\w-]*$", oid):
            raise QuizError(f"{where}: objective id {oid!r} must be a short name such as O1")
        if not isinstance(text, str) or not text.strip():
            raise QuizError(f"{where}: objective {oid} needs a one-line description")
        out[oid] = " ".join(text.split())
    return out


def _check_design(raw: dict, objectives: dict, where: str, require: bool, edition: bool) -> None:
    """level, objective and rubric: validated when present; required with ``require``."""
    level = raw.get("level")
    if level is None:
        if require:
            raise QuizError(f"{where}: missing 'level' (one of {', '.join(LEVELS)})")
    elif level not in LEVELS:
        extra = " (evaluate counts as analyse)" if str(level).lower().startswith("evaluat") else ""
        raise QuizError(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}{extra}")
    objective = raw.get("objective")
    if objective is None:
        if require:
            raise QuizError(f"{where}: missing 'objective' (one of the quiz's objectives: "
                            f"{', '.join(objectives) or 'none declared'})")
    elif objective not in objectives:
        raise QuizError(f"{where}: objective {objective!r} is not one of the quiz's objectives "
                        f"({', '.join(map(str, objectives)) or 'none declared: add objectives: at the top of the file'})")
    rubric = raw.get("rubric")
    if rubric is None:
        if require and raw.get("type") == "memo" and not edition:
            raise QuizError(f"{where}: a memo question needs a 'rubric' (a list of {{criterion, points}})")
        return
    if not isinstance(rubric, list) or not rubric:
        raise QuizError(f"{where}: rubric must be a list of {{criterion, points}}")
    total = 0.0
    for i, row in enumerate(rubric, start=1):
        if not isinstance(row, dict) or set(row) != {"criterion", "points"}:
            raise QuizError(f"{where}: rubric row {i} must have exactly 'criterion' and 'points'")
        if not isinstance(row["criterion"], str) or not row["criterion"].strip():
            raise QuizError(f"{where}: rubric row {i} needs a criterion")
        pts = row["points"]
        if isinstance(pts, bool) or not isinstance(pts, (int, float)) or pts <= 0:
            raise QuizError(f"{where}: rubric row {i}: points must be a positive number")
        total += pts
    points = raw.get("points")
    if isinstance(points, (int, float)) and abs(total - points) > 1e-9:
        raise QuizError(f"{where}: the rubric's points add up to {total:g}, not the question's {points:g}")


def _question(module: str, raw: Any, figures: dict, where: str, edition: dict | None = None,
              objectives: dict | None = None, require: bool = False) -> Question:
    if not isinstance(raw, dict):
        raise QuizError(f"{where}: each question must be a mapping")
    qid = raw.get("id")
    where = f"{where} question {qid!r}"
    if not isinstance(qid, str) or not QUESTION_ID.match(qid):
        raise QuizError(f"{where}: id must look like q1, q2, ...")
    for name in ("type", "points", "title", "prompt", "sources") + (() if edition else ("explanation",)):
        if name not in raw:
            raise QuizError(f"{where}: missing '{name}'")
    if raw["type"] not in TYPES:
        raise QuizError(f"{where}: type {raw['type']!r} is not one of {', '.join(TYPES)}")
    points = raw["points"]
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise QuizError(f"{where}: points must be a positive number")
    sources = raw["sources"]
    if not isinstance(sources, list) or not sources:
        raise QuizError(f"{where}: sources must list at least one fact id or document id")
    if edition:
        _check_edition_spec(raw, where)
    else:
        _check_spec(raw, where)
    _check_design(raw, objectives or {}, where, require, bool(edition))
    core = {"id", "type", "points", "title", "prompt", "explanation", "sources", "hints", "key", "level", "objective",
            "parameters", "scenario"}
    spec = {k: _resolve(v, figures, where) for k, v in raw.items() if k not in core}
    prompt = str(raw["prompt"]).strip()
    if "parameters" in raw or "scenario" in raw:
        spec.update(_parameters(raw, figures, where))
        try:
            prompt = fill(prompt, figures)  # the generic question: the article's numbers
        except KeyError as exc:
            raise QuizError(f"{where}: {exc.args[0]}") from None
    hints = raw.get("hints") or []
    return Question(
        module=module, id=qid, type=raw["type"], points=float(points), title=str(raw["title"]).strip(),
        prompt=prompt, explanation=str(raw.get("explanation", "")).strip(),
        sources=tuple(str(s) for s in sources), hints=tuple(str(h).strip() for h in hints),
        key=_resolve(raw.get("key"), figures, where), spec=spec, edition=edition,
        level=raw.get("level"), objective=raw.get("objective"),
    )


@lru_cache(maxsize=64)
def _load_quiz(path: Path, mtime: float, root: Path, require: bool = False) -> Quiz:
    where = str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise QuizError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or "questions" not in data:
        raise QuizError(f"{where}: expected a mapping with 'module', 'title' and 'questions'")
    module = data.get("module")
    if module != path.stem:
        raise QuizError(f"{where}: module {module!r} must equal the file name {path.stem!r}")
    edition = data.get("edition")
    if edition is not None and (not isinstance(edition, dict) or edition.get("feedback") not in ("full", "score", "none")
                                or (edition["feedback"] != "none" and not isinstance(edition.get("salt"), str))):
        raise QuizError(f"{where}: edition must give feedback (full, score or none) and, unless none, a salt")
    objectives = _check_objectives(data.get("objectives"), where)
    if require and not objectives:
        raise QuizError(f"{where}: missing 'objectives' (e.g. objectives: {{O1: \"Explain ...\"}})")
    figures = load_figures(root)
    questions = tuple(_question(module, q, figures, where, edition, objectives, require)
                      for q in data["questions"] or [])
    ids = [q.id for q in questions]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise QuizError(f"{where}: question ids repeat: {', '.join(dupes)}")
    return Quiz(module=module, title=str(data.get("title", module)), path=path, questions=questions, edition=edition,
                objectives=objectives)


def load_quiz(path: Path, root: Path | None = None) -> Quiz:
    path = Path(path).resolve()
    root = Path(root).resolve() if root else find_project_root(path.parent)
    return _load_quiz(path, path.stat().st_mtime, root, REQUIRE_LEVELS)


def module_order(root: Path) -> list[str]:
    manifest = Path(root) / "data" / "modules.yml"
    if not manifest.is_file():
        return []
    return [m["id"] for m in yaml.safe_load(manifest.read_text(encoding="utf-8")) or []]


def quiz_dir(root: Path) -> Path:
    return Path(root) / "tests" / "quizzes"


def load_quizzes(root: Path | None = None, modules: list[str] | None = None) -> dict[str, Quiz]:
    """The project's quizzes in course order (data/modules.yml), optionally only ``modules``."""
    root = Path(root) if root else find_project_root()
    files = {p.stem: p for p in sorted(quiz_dir(root).glob("*.yml"))}
    if modules:
        unknown = [m for m in modules if m not in files]
        if unknown:
            raise QuizError(
                f"unknown module {', '.join(unknown)}; available: {', '.join(files) or 'none'}"
            )
    order = [m for m in module_order(root) if m in files] + [m for m in files if m not in module_order(root)]
    chosen = [m for m in order if not modules or m in modules]
    return {m: load_quiz(files[m], root) for m in chosen}
