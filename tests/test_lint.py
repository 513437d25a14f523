"""Item design: levels, objectives and rubrics in the quiz files, and the author's check ``caselab lint``.

Each lint rule is shown failing on a small planted flaw and passing on a clean bank, both built in a
temporary project; the last test runs the real command on the real bank.
"""
from __future__ import annotations

import hashlib
import json

import pytest
import yaml

from caselab.quiz import model
from caselab.quiz.lint import lint_bank
from caselab.quiz.model import QuizError, load_quiz
from conftest import ROOT, run_caselab

LEVEL_CYCLE = ["understand", "apply", "analyse", "remember", "analyse"]  # 20 % remember, 40 % analyse


def word(*seed) -> str:
    digest = hashlib.sha256(repr(seed).encode()).digest()
    return "".join(chr(97 + b % 26) for b in digest[:6])


def text(*seed, n: int = 4) -> str:
    """A phrase of ``n`` six-letter words, unique to its seed: options of equal length that share nothing."""
    return " ".join(word(*seed, i) for i in range(n))


def choice(module: str, i: int, key: str) -> dict:
    return {"id": f"q{i}", "type": "choice", "points": 1, "title": f"Item {i}",
            "prompt": f"Consider situation {text(module, i, 'prompt')}. What follows?",
            "options": {k: text(module, i, k) for k in "ABCD"}, "key": key, "explanation": "e", "sources": ["A1"],
            "level": LEVEL_CYCLE[(i - 1) % len(LEVEL_CYCLE)], "objective": "O1" if i % 2 else "O2"}


def quiz(module: str, n: int = 10, start: int = 0) -> dict:
    return {"module": module, "title": module.title(),
            "objectives": {"O1": "Explain the rule", "O2": "Apply the rule to a new case"},
            "questions": [choice(module, i, "ABCD"[(i - 1 + start) % 4]) for i in range(1, n + 1)]}


def write_project(tmp_path, quizzes: dict[str, dict], reading: dict[str, str] | None = None):
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / "case.yml").write_text("kyc: {}\n")
    (tmp_path / "tests" / "quizzes").mkdir(parents=True, exist_ok=True)
    (tmp_path / "docs" / "modules").mkdir(parents=True, exist_ok=True)
    for module, data in quizzes.items():
        (tmp_path / "tests" / "quizzes" / f"{module}.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
        page = (reading or {}).get(module, f"# {module}\n\nThe reading says something else entirely here.\n")
        (tmp_path / "docs" / "modules" / f"{module}.md").write_text(page)
    return tmp_path


def clean_bank() -> dict[str, dict]:
    return {"alpha": quiz("alpha"), "beta": quiz("beta", start=1)}


def rules(report, module=None) -> set[str]:
    return {f.rule for f in report.findings if module is None or f.module == module}


def test_a_clean_bank_passes_every_rule(tmp_path):
    report = lint_bank(write_project(tmp_path, clean_bank()))
    assert report.ok, [f.message for f in report.findings]
    assert report.measures["bank"]["key_longest"] == {"items": 20, "longest": 0, "share": 0.0}
    assert report.measures["bank"]["keys_by_letter"] == {"A": 5, "B": 6, "C": 5, "D": 4}
    assert report.measures["bank"]["key_length_rank"] == {"all of one length": 20}
    proc = run_caselab("lint", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "every rule passes" in proc.stdout


def lengthen_key(q: dict) -> None:
    q["options"][q["key"]] += " " + word("longer", q["id"])


@pytest.mark.parametrize("planted, fails", [(3, False), (4, True)])
def test_longest_key_share_per_module(tmp_path, planted, fails):
    bank = clean_bank()
    for q in bank["alpha"]["questions"][:planted]:
        lengthen_key(q)
    report = lint_bank(write_project(tmp_path, bank))
    assert ("longest-key" in rules(report, "alpha")) == fails  # 4 of 10 = 40 % > 35 %; 3 of 10 = 30 %
    if fails:
        message = next(f.message for f in report.findings if f.rule == "longest-key" and f.module == "alpha")
        assert message.startswith("alpha: in 4 of 10 choice questions (40 %)") and "q1, q2, q3, q4" in message
    assert "longest-key" not in rules(report, "beta")
    assert report.measures["alpha"]["key_length_rank"] == {"longest": planted, "all of one length": 10 - planted}


def test_longest_key_share_for_the_bank(tmp_path):
    bank = clean_bank()
    for module, picks in (("alpha", 3), ("beta", 3)):
        for q in bank[module]["questions"][:picks]:
            lengthen_key(q)
    bank["gamma"] = quiz("gamma", n=4)  # 2 of 4 here: the module fails; the bank has 8 of 24 = 33 %
    for q in bank["gamma"]["questions"][:2]:
        lengthen_key(q)
    report = lint_bank(write_project(tmp_path, bank))
    assert not any(f.rule == "longest-key" and f.module is None for f in report.findings)
    for q in bank["gamma"]["questions"][2:]:
        lengthen_key(q)  # 10 of 24 = 42 %
    report = lint_bank(write_project(tmp_path, bank))
    bankwide = [f for f in report.findings if f.rule == "longest-key" and f.module is None]
    assert bankwide and "gamma/q4" in bankwide[0].message


def test_letter_spread_once_the_bank_has_twenty_choice_items(tmp_path):
    bank = clean_bank()
    for q in bank["alpha"]["questions"]:
        if q["key"] == "D":
            q["key"] = "A"  # D is keyed 2 times in 20 (10 %): the limit itself passes
    assert lint_bank(write_project(tmp_path, bank)).ok
    next(q for q in bank["beta"]["questions"] if q["key"] == "D")["key"] = "B"  # D once in 20 (5 %)
    report = lint_bank(write_project(tmp_path, bank))
    messages = [f.message for f in report.findings if f.rule == "letter-spread"]
    assert messages == ["the bank: the right answer is D in 1 of 20 choice questions (5 %), less than 10 % "
                        "(keys: A 7, B 7, C 5, D 1). Move keys to other letters."]
    small = {"alpha": quiz("alpha", n=19)}
    for q in small["alpha"]["questions"]:
        q["key"] = "A"
    assert "letter-spread" not in rules(lint_bank(write_project(tmp_path / "small", small)))


def multi(module: str, i: int, keys: list[str]) -> dict:
    q = choice(module, i, "A")
    q.update(type="multi", key=keys)
    return q


def test_multi_items_whose_keys_are_found_by_length(tmp_path):
    bank = clean_bank()
    bank["alpha"]["questions"].append(multi("alpha", 11, ["A", "C"]))
    assert lint_bank(write_project(tmp_path, bank)).ok
    item = bank["alpha"]["questions"][-1]
    for k in ("A", "C"):
        item["options"][k] += " " + word("long", k)
    report = lint_bank(write_project(tmp_path, bank))
    assert [f.message for f in report.findings if f.rule == "multi-length"] == [
        "alpha q11: the right options (A, C) are exactly the 2 longest; a student can pick them by length. "
        "Make right and wrong options about as long as each other."]
    for k in "ABCD":
        item["options"][k] = text("alpha", 11, k, n=4 if k in "AC" else 5)  # keys now the 2 shortest
    assert "multi-length" in rules(lint_bank(write_project(tmp_path, bank)))


def test_level_mix_per_module(tmp_path):
    bank = clean_bank()
    assert lint_bank(write_project(tmp_path, bank)).ok
    for q in bank["alpha"]["questions"][:2]:
        q["level"] = "remember"  # remember 4/10 = 40 %
    report = lint_bank(write_project(tmp_path, bank))
    assert [f.message for f in report.findings if f.rule == "level-mix"] == [
        "alpha: 4 of 10 points (40 %) are 'remember'; at most 35 % may be. Turn recall questions into ones that "
        "apply or analyse the case."]
    bank = clean_bank()
    for q in bank["beta"]["questions"]:
        if q["level"] == "analyse":
            q["level"] = "apply"
    bank["beta"]["questions"][2]["level"] = "analyse"
    bank["beta"]["questions"][2]["points"] = 3  # analyse 3 of 12 = 25 %: the limit itself passes
    assert "level-mix" not in rules(lint_bank(write_project(tmp_path, bank)))
    bank["beta"]["questions"][2]["points"] = 2  # 2 of 11 = 18 %
    report = lint_bank(write_project(tmp_path, bank))
    assert any(f.rule == "level-mix" and f.module == "beta" and "'analyse'; at least 25 %" in f.message
               for f in report.findings)


def test_questions_without_level_or_objective_and_objectives_without_questions(tmp_path, monkeypatch):
    monkeypatch.setattr(model, "REQUIRE_LEVELS", False)  # lint, not the loader, is under test here
    bank = clean_bank()
    del bank["alpha"]["questions"][4]["level"]
    del bank["alpha"]["questions"][6]["objective"]
    bank["beta"]["objectives"]["O3"] = "Evaluate the policy"
    report = lint_bank(write_project(tmp_path, bank))
    by_rule = {f.rule: f.message for f in report.findings}
    assert by_rule["level-missing"].startswith("alpha: 1 question(s) have no level (q5)")
    assert by_rule["objective-missing"].startswith("alpha: 1 question(s) name no objective (q7)")
    assert by_rule["objective-untested"] == (
        'beta: objective O3 ("Evaluate the policy") has no question; add one or drop the objective.')
    del bank["beta"]["objectives"]
    for q in bank["beta"]["questions"]:
        del q["objective"]
    assert "objectives-missing" in rules(lint_bank(write_project(tmp_path, bank)), "beta")


def test_near_duplicate_options(tmp_path):
    bank = clean_bank()
    q = bank["alpha"]["questions"][2]
    q["options"]["D"] = q["options"]["B"].upper() + "."  # same words, other case and a full stop
    report = lint_bank(write_project(tmp_path, bank))
    assert [f.message for f in report.findings if f.rule == "near-duplicate"] == [
        "alpha q3: options B and D say (nearly) the same thing; make each a distinct answer."]
    q["options"]["D"] = q["options"]["B"][:-1] + "x"  # one letter apart
    assert "near-duplicate" in rules(lint_bank(write_project(tmp_path, bank)))


def test_options_that_differ_in_a_number_or_a_negation_are_not_duplicates():
    from caselab.quiz.lint import alike, norm

    assert not alike(norm("Issued on 3 September 2021"), norm("Issued on 5 September 2021"))
    assert not alike(norm("The hosting contract is valid under the Civil Code"),
                     norm("The hosting contract is not valid under the Civil Code"))
    assert alike(norm("The hosting contract is valid under the Civil Code"),
                 norm("The hosting contracts are valid under the Civil Code."))


def test_prompt_that_repeats_a_sentence_of_the_reading(tmp_path):
    bank = clean_bank()
    sentence = "The notice treats every offshore platform serving mainland residents as an illegal business."
    reading = {"alpha": f"# Alpha\n\n## Reading\n\nFirst things first. {sentence} Then more.\n"}
    assert lint_bank(write_project(tmp_path, bank, reading)).ok
    bank["alpha"]["questions"][1]["prompt"] = "Read this: *the notice treats every offshore platform serving " \
        "mainland residents as an illegal business*. What follows?"
    report = lint_bank(write_project(tmp_path, bank, reading))
    found = [f for f in report.findings if f.rule == "reading-repeat"]
    assert [(f.module, f.question) for f in found] == [("alpha", "q2")]
    assert found[0].message.startswith("alpha q2: the prompt repeats a sentence of the reading")


def test_a_question_that_gives_away_another_questions_key(tmp_path):
    bank = clean_bank()
    key_text = bank["alpha"]["questions"][0]["options"]["A"]  # alpha q1's key
    bank["beta"]["questions"][3]["options"]["C"] = f"Because {key_text} applies"
    report = lint_bank(write_project(tmp_path, bank))
    assert [f.message.split(";")[0] for f in report.findings if f.rule == "giveaway"] == [
        f'beta q4: option C contains the key of alpha q1, its option A ("{key_text}")']


def test_numeric_and_text_keys_given_away_elsewhere(tmp_path):
    bank = clean_bank()
    bank["alpha"]["questions"].append({"id": "q11", "type": "numeric", "points": 1, "title": "Rate",
                                       "prompt": "What share of applications succeeded?", "key": 8.6667,
                                       "decimals": 2, "explanation": "e", "sources": ["A10"],
                                       "level": "apply", "objective": "O1"})
    bank["alpha"]["questions"].append({"id": "q12", "type": "text", "points": 1, "title": "Term",
                                       "prompt": "What is the category called?", "key": ["eliminated", "淘汰类"],
                                       "explanation": "e", "sources": ["A17"], "level": "analyse",
                                       "objective": "O2"})
    assert lint_bank(write_project(tmp_path, bank)).ok
    bank["beta"]["questions"][0]["prompt"] = "Given a success rate of 8.67 %, what follows?"
    bank["beta"]["questions"][1]["prompt"] = "A project in the eliminated category: what follows?"
    report = lint_bank(write_project(tmp_path, bank))
    assert sorted((f.module, f.question, f.message.split(", its ")[1].split(";")[0])
                  for f in report.findings if f.rule == "giveaway") == [
        ("beta", "q1", "answer 8.67"), ("beta", "q2", 'answer "eliminated"')]


def test_test_wise_strategy_on_multi_items(tmp_path):
    bank = clean_bank()
    for i in range(11, 15):
        item = multi("alpha", i, ["A", "B"])
        item["options"]["C"] = "It always " + item["options"]["C"]
        item["options"]["D"] = "It never " + item["options"]["D"]
        item["options"]["A"] = "It often " + item["options"]["A"]
        item["options"]["B"] = "It seldom " + item["options"]["B"]
        bank["alpha"]["questions"].append(item)
    report = lint_bank(write_project(tmp_path, bank))
    wise = [f for f in report.findings if f.rule == "test-wise"]
    assert len(wise) == 1 and "answers multi questions" in wise[0].message and "scores 100 %" in wise[0].message
    assert report.measures["bank"]["test_wise"]["multi"]["score_pct"] == 100.0
    for item in bank["alpha"]["questions"][10:]:
        item["options"]["A"] = item["options"]["A"].replace("often", "only")  # a key with an absolute word
        item["options"]["C"] = item["options"]["C"].replace("always", "rarely")
    report = lint_bank(write_project(tmp_path, bank))
    assert "test-wise" not in rules(report)
    assert report.measures["bank"]["test_wise"]["multi"]["score_pct"] <= (
        report.measures["bank"]["test_wise"]["multi"]["chance_pct"] + 10)


def test_test_wise_strategy_on_choice_items(tmp_path):
    bank = clean_bank()
    for module in bank:
        for q in bank[module]["questions"][:4]:
            lengthen_key(q)  # 8 of 20 keys longest, 12 ties guessed at 1 in 4: (8 + 3) / 20 = 55 %
    report = lint_bank(write_project(tmp_path, bank))
    wise = [f.message for f in report.findings if f.rule == "test-wise"]
    assert wise == ["the bank: a student who answers choice questions by taking the longest option every time "
                    "scores 55 % of their points; chance is 25 %, and the limit chance + 10 = 35 %. "
                    "Rewrite the items the strategy wins."]


def test_lint_command_exit_codes_and_json(tmp_path):
    bank = clean_bank()
    bank["alpha"]["questions"][2]["options"]["D"] = bank["alpha"]["questions"][2]["options"]["B"]
    write_project(tmp_path, bank)
    proc = run_caselab("lint", cwd=tmp_path)
    assert proc.returncode == 1
    assert "- alpha q3: options B and D say (nearly) the same thing" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    proc = run_caselab("lint", "--json", cwd=tmp_path)
    data = json.loads(proc.stdout)
    assert proc.returncode == 1 and data["ok"] is False
    assert [(f["rule"], f["module"], f["question"]) for f in data["findings"]] == [("near-duplicate", "alpha", "q3")]
    assert run_caselab("lint", "beta", cwd=tmp_path).returncode == 0


# --- the schema: level, objective, objectives, rubric ---------------------------------------------------------

def memo(points: int = 4, rubric=None) -> dict:
    q = {"id": "q11", "type": "memo", "points": points, "title": "Memo", "prompt": "Write a memo.",
         "explanation": "e", "sources": ["A1"], "sections": ["Problem", "Recommendation"],
         "min_words": 10, "max_words": 100, "level": "analyse", "objective": "O2"}
    if rubric is not None:
        q["rubric"] = rubric
    return q


def load_one(tmp_path, data: dict):
    write_project(tmp_path, {data["module"]: data})
    return load_quiz(tmp_path / "tests" / "quizzes" / f"{data['module']}.yml", tmp_path)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["questions"][1].update(level="evaluate"),
     r"alpha\.yml question 'q2': level 'evaluate' is not one of remember, understand, apply, analyse "
     r"\(evaluate counts as analyse\)"),
    (lambda d: d["questions"][2].update(objective="O9"),
     r"question 'q3': objective 'O9' is not one of the quiz's objectives \(O1, O2\)"),
    (lambda d: d.update(objectives=["Explain"]), r"alpha\.yml: objectives must be a mapping"),
    (lambda d: d["questions"].append(memo(4, [{"criterion": "States the problem", "points": 1},
                                              {"criterion": "Recommends", "points": 2}])),
     r"question 'q11': the rubric's points add up to 3, not the question's 4"),
    (lambda d: d["questions"].append(memo(4, [{"criterion": "", "points": 4}])),
     r"question 'q11': rubric row 1 needs a criterion"),
])
def test_bad_design_fields_are_refused_naming_file_and_question(tmp_path, change, message):
    data = quiz("alpha")
    change(data)
    with pytest.raises(QuizError, match=message):
        load_one(tmp_path, data)


def test_levels_are_required_only_behind_the_switch(tmp_path, monkeypatch):
    data = quiz("alpha")
    for q in data["questions"]:
        del q["level"], q["objective"]
    del data["objectives"]
    data["questions"].append(memo())
    del data["questions"][-1]["level"], data["questions"][-1]["objective"]
    assert model.REQUIRE_LEVELS is True  # every quiz of the bank declares them
    monkeypatch.setattr(model, "REQUIRE_LEVELS", False)
    loaded = load_one(tmp_path, data)
    assert loaded.objectives == {} and loaded.questions[0].level is None

    monkeypatch.setattr(model, "REQUIRE_LEVELS", True)
    with pytest.raises(QuizError, match=r"alpha\.yml: missing 'objectives'"):
        load_one(tmp_path / "a", data)
    data["objectives"] = {"O1": "Explain"}
    with pytest.raises(QuizError, match=r"question 'q1': missing 'level'"):
        load_one(tmp_path / "b", data)
    full = quiz("alpha")
    full["questions"].append(memo())
    with pytest.raises(QuizError, match=r"question 'q11': a memo question needs a 'rubric'"):
        load_one(tmp_path / "c", full)
    full["questions"][-1]["rubric"] = [{"criterion": "States the problem", "points": 1.5},
                                       {"criterion": "Weighs two options", "points": 2.5}]
    loaded = load_one(tmp_path / "d", full)
    assert loaded.questions[-1].spec["rubric"][1]["points"] == 2.5
    assert loaded.objectives == {"O1": "Explain the rule", "O2": "Apply the rule to a new case"}
    assert (loaded.questions[0].level, loaded.questions[0].objective) == ("understand", "O1")


def test_list_shows_levels_and_objectives(tmp_path):
    write_project(tmp_path, {"alpha": quiz("alpha", n=3)})
    proc = run_caselab("list", cwd=tmp_path, check=True)
    assert "    O1   Explain the rule" in proc.stdout
    assert "q3   choice      1  analyse    O1   Item 3" in proc.stdout
    data = json.loads(run_caselab("list", "--json", cwd=tmp_path, check=True).stdout)
    assert data[0]["objectives"]["O2"] == "Apply the rule to a new case"
    assert {k: data[0]["questions"][1][k] for k in ("id", "level", "objective")} == \
        {"id": "q2", "level": "apply", "objective": "O2"}


def test_the_student_edition_ships_levels_and_objectives_but_no_rubric(tmp_path):
    from caselab.editions.quizfile import edition_quiz

    data = quiz("alpha", n=2)
    data["questions"].append(memo(4, [{"criterion": "Recommends", "points": 4}]))
    shipped = yaml.safe_load(edition_quiz(load_one(tmp_path, data), "none", "", {}))
    assert shipped["objectives"] == data["objectives"]
    assert [(q["level"], q["objective"]) for q in shipped["questions"]] == [
        ("understand", "O1"), ("apply", "O2"), ("analyse", "O2")]
    assert "rubric" not in shipped["questions"][2]
    edition = tmp_path / "edition"
    (edition / "tests" / "quizzes").mkdir(parents=True)
    (edition / "data").mkdir()
    (edition / "data" / "case.yml").write_text("kyc: {}\n")
    (edition / "tests" / "quizzes" / "alpha.yml").write_text(yaml.safe_dump(shipped))
    reloaded = load_quiz(edition / "tests" / "quizzes" / "alpha.yml", edition)
    assert reloaded.questions[1].objective == "O2"
    proc = run_caselab("lint", cwd=edition)
    assert proc.returncode == 2 and "this is a student edition; it holds no keys" in proc.stderr


# --- the real bank ---------------------------------------------------------------------------------------------

def test_lint_passes_on_the_real_bank():
    proc = run_caselab("lint", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr



def test_a_prompt_repeating_a_sentence_whose_figure_is_a_marker(tmp_path):
    """Pages print figures through markers: the prompt is compared with the reading as students read it."""
    bank = clean_bank()
    reading = {"alpha": "# Alpha\n\nThe trader applied for {{ fig kyc.accounts_applied }} accounts at the platform. Then more.\n"}
    project = write_project(tmp_path, bank, reading)
    (project / "data" / "case.yml").write_text("kyc:\n  accounts_applied: {value: 150, source: A9}\n")
    assert lint_bank(project).ok
    bank["alpha"]["questions"][1]["prompt"] = "The trader applied for 150 accounts at the platform. What follows?"
    project = write_project(tmp_path, bank, reading)
    (project / "data" / "case.yml").write_text("kyc:\n  accounts_applied: {value: 150, source: A9}\n")
    assert [(f.module, f.question) for f in lint_bank(project).findings if f.rule == "reading-repeat"] == [("alpha", "q2")]
