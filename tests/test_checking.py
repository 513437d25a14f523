"""The checking rules of each type, on their edge cases (status, points and message)."""
from __future__ import annotations

import math

import pytest

from caselab.quiz.answers import Answer
from caselab.quiz.checking import check
from caselab.quiz.model import Question


def question(type_: str, key=None, points: float = 2, **spec) -> Question:
    return Question(module="m", id="q1", type=type_, points=points, title="t", prompt="p",
                    explanation="e", sources=("A1",), hints=("reread the rule",), key=key, spec=spec)


def outcome(q: Question, value):
    return check(q, Answer("value", value))


CHOICE = question("choice", "B", options={"A": "a", "B": "b", "C": "c"})
MULTI = question("multi", ["A", "C"], options={"A": "a", "B": "b", "C": "c", "D": "d"})
PCT = question("numeric", 8.666666, unit="%", decimals=2, percent=True)
KW = question("numeric", 806.4, unit="kW", decimals=1)
ORDER = question("ordering", ["C", "A", "B"], items={"A": "a", "B": "b", "C": "c"})
MATCH = question("matching", {"1": "B", "2": "A"}, left={"1": "x", "2": "y"}, right={"A": "a", "B": "b"})
TEXT = question("text", ["travel rule", "the travel rule"])


@pytest.mark.parametrize("value,status,points", [
    ("B", "correct", 2), (" b ", "correct", 2), ("A", "wrong", 0), ("E", "invalid", 0), (2, "invalid", 0),
])
def test_choice(value, status, points):
    o = outcome(CHOICE, value)
    assert (o.status, o.points) == (status, points)


def test_a_wrong_choice_gets_the_hint_and_never_the_key():
    o = outcome(CHOICE, "A")
    assert o.hint == "reread the rule"
    assert "B" not in o.message


@pytest.mark.parametrize("value,status,points", [
    (["A", "C"], "correct", 2), (["C", "a"], "correct", 2), ("AC", "correct", 2), ("A, C", "correct", 2),
    (["A"], "partial", 1), (["A", "C", "B"], "partial", 1), (["A", "B", "D"], "wrong", 0),
    (["A", "B", "C", "D"], "wrong", 0), (["B", "D"], "wrong", 0), (["Z"], "invalid", 0), ({"A": 1}, "invalid", 0),
])
def test_multi_partial_credit_is_never_negative(value, status, points):
    o = outcome(MULTI, value)
    assert (o.status, o.points) == (status, points)
    assert o.points >= 0


@pytest.mark.parametrize("value,status", [
    (8.67, "correct"), (8.670, "correct"), (8.68, "wrong"), (9, "wrong"), (8.666666, "wrong"), (8.7, "wrong"),
    ("8.67", "invalid"), ("8.67%", "invalid"), (True, "invalid"), ([8, 67], "invalid"),
])
def test_numeric_tolerance_and_types(value, status):
    assert outcome(PCT, value).status == status


KYC_Q8 = question("numeric", 6.3966666666666665, unit="CNY per USDT", decimals=3)


@pytest.mark.parametrize("q, value, more", [
    (PCT, 8.7, False), (PCT, 8.66, False), (PCT, 8.6667, True), (PCT, 8.674, True),
    (KYC_Q8, 6.4, False), (KYC_Q8, 6.396, False), (KYC_Q8, 6.3967, True),
])
def test_the_key_at_another_rounding_hears_about_rounding_never_the_method_hint(q, value, more):
    o = outcome(q, value)
    d = q.spec["decimals"]
    assert (o.status, o.points, o.hint) == ("wrong", 0, "")
    assert o.message.startswith(f"q1 has more decimals than asked: round it to {d} decimal places" if more
                                else f"q1 is close, but not rounded as asked: give {d} decimal places"), o.message
    assert str(round(q.key, d)) not in o.message


@pytest.mark.parametrize("q, value", [(PCT, 8.6), (PCT, 8.76), (KYC_Q8, 6.39), (KYC_Q8, 6.45), (KYC_Q8, 6.0)])
def test_a_value_beyond_half_a_unit_of_the_coarser_rounding_gets_the_method_hint(q, value):
    o = outcome(q, value)
    assert o.status == "wrong" and o.hint == "reread the rule" and "rounded" not in o.message


def test_an_edition_hears_about_rounding_as_the_grader_does():
    from dataclasses import replace

    from caselab.editions.keyhash import check_edition, hashed_check

    salt = "0" * 32
    for q, value in ((PCT, 8.7), (PCT, 8.6667), (KYC_Q8, 6.4), (PCT, 8.67), (PCT, 8.6)):
        edition = replace(q, key=None, spec={**q.spec, "check": hashed_check(q, salt)},
                          edition={"salt": salt, "feedback": "full"})
        mine, grader = check_edition(edition, Answer("value", value)), outcome(q, value)
        assert (mine.status, mine.message, mine.hint) == (grader.status, grader.message, grader.hint), value


@pytest.mark.parametrize("value", ["8.67", True, [8, 67], {"a": 1}])
def test_an_invalid_number_is_told_with_its_own_questions_name(value):
    from dataclasses import replace

    o = outcome(replace(question("numeric", 40000, decimals=0), id="q5"), value)
    assert o.status == "invalid" and "q5 = 12.5" in o.message and "q1" not in o.message
    assert "int or float" not in o.message


def test_a_fraction_where_a_percentage_is_asked_gets_a_units_message_and_no_points():
    o = outcome(PCT, 0.0867)
    assert (o.status, o.points) == ("wrong", 0)
    assert "percentage" in o.message and "8.67" not in o.message


def test_a_value_off_by_a_thousand_gets_a_units_message():
    o = outcome(KW, 806400)
    assert o.status == "wrong" and "kW" in o.message


def test_nan_and_infinity_never_count():
    for bad in (math.nan, math.inf, -math.inf):
        q = question("numeric", bad if False else 1.0, decimals=0)
        from caselab.quiz.runner import encode
        encoded = encode(bad)
        assert "invalid" in encoded
        assert check(q, Answer("invalid", message=encoded["invalid"])).status == "invalid"


@pytest.mark.parametrize("value,status", [
    (["C", "A", "B"], "correct"), (["c", "a", "b"], "correct"), (["A", "B", "C"], "wrong"),
    (["C", "A"], "invalid"), (["C", "A", "A"], "invalid"),
])
def test_ordering(value, status):
    assert outcome(ORDER, value).status == status


@pytest.mark.parametrize("value,status,points", [
    ({"1": "B", "2": "A"}, "correct", 2), ({"1": "B", "2": "B"}, "partial", 1), ({"1": "B"}, "partial", 1),
    ({"1": "A", "2": "B"}, "wrong", 0), ({"3": "A"}, "invalid", 0), (["B", "A"], "invalid", 0),
])
def test_matching(value, status, points):
    o = outcome(MATCH, value)
    assert (o.status, o.points) == (status, points)


@pytest.mark.parametrize("value,status", [
    ("travel rule", "correct"), ("  Travel   Rule. ", "correct"), ("ＴＲＡＶＥＬ ＲＵＬＥ", "correct"),
    ("The travel rule", "correct"), ("travelling rule", "wrong"), ("", "unanswered"), (3, "invalid"),
])
def test_text_forgives_case_spacing_and_width(value, status):
    assert outcome(TEXT, value).status == status


CODE = question("code", points=3, signature="def q1(a, b):", solution="def q1(a, b):\n    return a / b",
                cases=[{"args": [1, 2], "expected": 0.5}, {"args": [3, 3], "expected": 1.0},
                       {"args": [[1], 1], "expected": [1]}])


def test_code_cases_share_the_points_and_name_the_failing_call():
    o = check(CODE, Answer("outputs", [{"ok": 0.5}, {"ok": 2.0}, {"error": "TypeError (line 2): nope"}]))
    assert (o.status, o.points) == ("partial", 1)
    assert "q1(3, 3)" in o.message and "1.0" not in o.message


def test_code_returning_a_dict_names_the_missing_and_extra_keys():
    q = question("code", points=2, signature="def q1(a):", solution="",
                 cases=[{"args": [1], "expected": {"profit": 1, "rate": 0.5}}, {"args": [2], "expected": {"profit": 2, "rate": 1}}])
    o = check(q, Answer("outputs", [{"ok": {"profit": 1, "rate": 0.5}}, {"ok": {"profit": 2, "rates": 1}}]))
    assert o.status == "partial"
    assert 'wrong keys: missing "rate"; not asked for "rates"' in o.message
    o = check(q, Answer("outputs", [{"ok": 3}, {"ok": 3}]))
    assert "should return a dict" in o.message


def test_matching_names_the_wrong_and_missing_pairs_never_the_key():
    q = question("matching", {"1": "B", "2": "A", "3": "C"}, left={"1": "x", "2": "y", "3": "z"},
                 right={"A": "a", "B": "b", "C": "c"})
    o = outcome(q, {"1": "B", "2": "C"})
    assert o.message == "1 of 3 pairs right; your match for 2 is wrong; no match given for 3"
    o = outcome(q, {"3": "A", "1": "C", "2": "A"})
    assert o.message == "1 of 3 pairs right; your match for 1 and 3 is wrong"


def test_code_true_is_not_one():
    q = question("code", points=1, signature="def q1():", solution="", cases=[{"args": [], "expected": 1}])
    assert check(q, Answer("outputs", [{"ok": True}])).status == "wrong"


def test_code_answered_with_a_value_is_invalid():
    assert check(CODE, Answer("value", 3)).status == "invalid"


MEMO = question("memo", points=3, sections=["Problem", "Recommendation"], min_words=10, max_words=60,
                cite={"min": 1, "from": ["yinfa-2021-237"]})


def test_memo_structure():
    good = "## Problem\nThe ban under yinfa-2021-237 pushed trading offshore and out of sight.\n## Recommendation\nLicense."
    assert check(MEMO, Answer("value", good)).status == "correct"
    o = check(MEMO, Answer("value", "## Problem\nshort"))
    assert o.status == "wrong" and "Recommendation" in o.message and "words" in o.message
    assert check(MEMO, Answer("value", "  ")).status == "unanswered"


def test_the_memos_citation_rule_shows_the_accepted_forms():
    names = lambda sid: [sid, "银发〔2021〕237号", "", "Notice on virtual currency"]  # noqa: E731
    o = check(MEMO, Answer("value", "## Problem\n" + "word " * 20 + "\n## Recommendation\nLicense."), names)
    assert 'cite at least 1, each by its id or number (its full title counts too): "yinfa-2021-237" or ' \
           '"银发〔2021〕237号"' in o.message and "Notice on virtual currency" not in o.message

MICA = question("memo", points=3, sections=["Problem"], min_words=1, max_words=60, cite={"min": 1, "from": ["mica"]})


@pytest.mark.parametrize("text,cited", [
    ("## Problem\nAn economic analysis of the ban.", False),  # "mica" inside "economic": not a citation
    ("## Problem\nThe EU's MiCA regulation licenses them.", True),
    ("## Problem\nSee mica, article 3.", True),
    ("## Problem\nChemicals and academics.", False),
])
def test_memo_cites_document_ids_as_whole_words(text, cited):
    o = check(MICA, Answer("value", text))
    assert ("cites 0" not in o.message) is cited, o.message


def test_memo_cites_a_chinese_number_whatever_its_brackets_and_spaces():
    names = {"yinfa-2021-237": ["yinfa-2021-237", "银发〔2021〕237号", "关于进一步防范和处置虚拟货币交易炒作风险的通知"]}
    memo = "## Problem\n根据银发 [2021] 237 号，虚拟货币交易属于非法金融活动。\n## Recommendation\n加强监测。"
    assert "cites" not in check(MEMO, Answer("value", memo), names.get).message
    wrong = memo.replace("237", "2370")  # another number is not this notice
    assert "cites 0" in check(MEMO, Answer("value", wrong), names.get).message


def test_memo_in_chinese_counts_a_word_per_two_characters():
    from caselab.quiz.checking import memo_words

    assert memo_words("中国人民银行") == 3 and memo_words("中国人民银行发布") == 4
    assert memo_words("PBoC 2021 年 anti-money") == 5  # 年 rounds up to one word
    body = "虚拟货币" * 10  # 40 characters: 20 words, inside 10..60
    o = check(MEMO, Answer("value", f"## Problem\n{body}\n## Recommendation\n{body}"))
    assert "words" not in o.message and o.given == "42 words"  # two headings, 2 x 20


def test_memo_headings_are_read_line_by_line():
    from caselab.quiz.checking import memo_headings

    assert memo_headings("## Problem\n  # Options  \n#### Deep\n##\nNext\n#NoSpace\ntext ## Not") == {"problem", "options"}
    # 60,000 blank lines and one letter: one pass over the lines (the old multiline regex was quadratic)
    assert memo_headings("\n" * 60_000 + "a") == set()


def test_unanswered_error_and_invalid_pass_through():
    assert check(CHOICE, Answer("unanswered")).status == "unanswered"
    o = check(CHOICE, Answer("error", message="framework.py line 3: invalid syntax"))
    assert o.status == "error" and "line 3" in o.message
    assert check(CHOICE, Answer("invalid", message="a set")).points == 0


def test_memo_words_counts_as_the_rule_reads_token_by_token():
    """memo_words counts in one regular-expression pass; the rule, token by token, must agree."""
    import random
    import re

    from caselab.quiz.checking import _CJK_RUN, MEMO_CHARS_PER_WORD, memo_words

    def by_token(text):
        words = 0
        for token in re.findall(r"\w+", text):
            runs = _CJK_RUN.findall(token)
            words += sum(-(-len(r) // MEMO_CHARS_PER_WORD) for r in runs) if runs else 1
            words += len([rest for rest in _CJK_RUN.split(token) if rest]) if runs else 0
        return words

    rng = random.Random(7)
    alphabet = list("ab1 _.,\n-") + ["中", "国", "・", "゛", "ア", "한", "\U00020001", "é", "٣", "　", "。",
                                     "\u30a0", "ｱ", "\uff10", "\ud7af"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert memo_words(text) == by_token(text), repr(text)
    assert memo_words("央行 notice 2021年9月 a・b") == 1 + 1 + (2 + 2) + 2  # 年, 月 and 2021, 9; ・ is no letter


def test_ascii_text_gets_the_tokens_words_and_sentences_of_the_general_path():
    """``tokens``, ``memo_words`` and ``memo_sentences`` take a shortcut for ASCII text; it must find
    what the regular expressions (NFKC, casefold) find, whatever the characters."""
    import random
    import unicodedata

    from caselab.grading import integrity
    from caselab.quiz import checking

    def general_tokens(text):
        return checking._TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())

    def general_words(text):
        parts = checking._MEMO_PARTS.findall(text)
        return parts.count("") + sum(-(-len(cjk) // checking.MEMO_CHARS_PER_WORD) for cjk in filter(None, parts))

    def general_sentences(text):
        found = (" ".join(general_tokens(s)) for s in integrity._SENTENCE_END.split(text))
        return {s for s in found if len(s.split()) >= integrity.MIN_SENTENCE_TOKENS}

    rng = random.Random(13)
    every = [chr(i) for i in range(128)]
    memo_like = list("aBc xYz_09 .!?;\n\t,-'\x0b\x1c") + ["word ", "Two ", "3rd "] * 4
    for i in range(3000):
        text = "".join(rng.choice(every if i % 2 else memo_like) for _ in range(rng.randint(0, 200)))
        assert checking.tokens(text) == general_tokens(text), repr(text)
        assert checking.memo_words(text) == general_words(text), repr(text)
        assert integrity.memo_sentences(text) == general_sentences(text), repr(text)
