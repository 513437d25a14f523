"""The mining module's tariff analysis: the break-even tariff and revenue, and the keys built on them.

Recomputes from the raw values of data/case.yml (never from the derived figures under test) that the
lot stops paying exactly at revenue / energy, that a tariff just above it is a loss and just below
it is not, and that the keys of mining q13, q14 and q16 agree with that arithmetic.
"""
from __future__ import annotations

import pytest
import yaml

from caselab.quiz.checking import check_numeric
from caselab.quiz.figures import load_figures
from conftest import ROOT


@pytest.fixture(scope="module")
def raw() -> dict:
    data = yaml.safe_load((ROOT / "data" / "case.yml").read_text(encoding="utf-8"))["mining"]
    return {k: v["value"] for k, v in data.items()}


@pytest.fixture(scope="module")
def figures():
    return load_figures(ROOT)


def lot_margin(raw: dict, tariff: float, revenue_per_th_day: float | None = None) -> float:
    """Daily revenue less daily electricity cost of the A19 lot, from raw inputs only."""
    ths = raw["lot_machines"] * raw["machine_hashrate_ths"]
    revenue = ths * (raw["example_revenue_cny_per_th_day"] if revenue_per_th_day is None else revenue_per_th_day)
    kwh = ths * raw["machine_efficiency_w_per_th"] * 24 / 1000
    return revenue - kwh * tariff


def test_breakeven_tariff_is_revenue_over_energy(raw, figures):
    ths = raw["lot_machines"] * raw["machine_hashrate_ths"]
    revenue = ths * raw["example_revenue_cny_per_th_day"]
    kwh = ths * raw["machine_efficiency_w_per_th"] * 24 / 1000
    breakeven = figures["mining.breakeven_tariff_cny_per_kwh"].value
    assert breakeven == pytest.approx(revenue / kwh)
    assert breakeven == pytest.approx(figures["mining.lot_revenue_cny_per_day"].value
                                      / figures["mining.lot_energy_kwh_per_day"].value)
    # the lot's size cancels out: one machine breaks even at the same price
    one = raw["example_revenue_cny_per_th_day"] / (raw["machine_efficiency_w_per_th"] * 24 / 1000)
    assert breakeven == pytest.approx(one)


def test_just_above_breakeven_is_a_loss_and_just_below_is_not(raw, figures):
    breakeven = figures["mining.breakeven_tariff_cny_per_kwh"].value
    assert lot_margin(raw, breakeven) == pytest.approx(0, abs=1e-6)
    assert lot_margin(raw, breakeven + 0.005) < 0
    assert lot_margin(raw, breakeven - 0.005) > 0
    # the rounded key of q14 (2 decimals) sits on the paying side, the next cent on the losing side
    assert lot_margin(raw, round(breakeven, 2)) > 0
    assert lot_margin(raw, round(breakeven, 2) + 0.01) < 0


def test_breakeven_revenue_is_the_power_bill_per_ths(raw, figures):
    per_ths_kwh = raw["machine_efficiency_w_per_th"] * 24 / 1000
    base = raw["example_base_tariff_cny_per_kwh"]
    surcharged = base + raw["differential_tariff_cny_per_kwh"]
    assert figures["mining.breakeven_revenue_at_base_cny_per_th_day"].value == pytest.approx(per_ths_kwh * base)
    assert figures["mining.breakeven_revenue_with_surcharge_cny_per_th_day"].value == pytest.approx(per_ths_kwh * surcharged)
    # at exactly the break-even revenue the lot neither gains nor loses
    assert lot_margin(raw, surcharged, per_ths_kwh * surcharged) == pytest.approx(0, abs=1e-6)


def test_the_national_surcharge_leaves_a_margin_and_the_provincial_ones_do_not(raw, figures):
    """What the module teaches (issue 10): 0.30 cuts the margin but the lot still pays; +1 and +2 do not."""
    base = raw["example_base_tariff_cny_per_kwh"]
    surcharge_cost = figures["mining.lot_tariff_surcharge_cny_per_day"].value
    assert 0 < surcharge_cost < lot_margin(raw, base)
    assert lot_margin(raw, base + raw["differential_tariff_cny_per_kwh"]) > 0
    assert figures["mining.surcharge_share_of_margin_pct"].value == pytest.approx(100 * surcharge_cost / lot_margin(raw, base))
    for name in ("provincial_surcharge_neimenggu_cny_per_kwh", "provincial_surcharge_sichuan_cny_per_kwh"):
        assert lot_margin(raw, base + raw[name]) < 0, name
    assert figures["mining.lot_margin_cny_per_day_neimenggu"].value == pytest.approx(
        lot_margin(raw, base + raw["provincial_surcharge_neimenggu_cny_per_kwh"]))
    # the realistic scenario beside the teaching assumption: Sichuan's rate is a loss even at the high end
    high = raw["scenario_revenue_high_cny_per_th_day"]
    assert lot_margin(raw, base + raw["provincial_surcharge_sichuan_cny_per_kwh"], high) < 0
    assert lot_margin(raw, base + raw["differential_tariff_cny_per_kwh"], high) > 0


def test_q14_key_is_the_breakeven_tariff_and_the_next_cent_is_wrong(quizzes, figures):
    q = quizzes["mining"].question("q14")
    breakeven = figures["mining.breakeven_tariff_cny_per_kwh"].value
    assert q.key == breakeven
    assert check_numeric(q, round(breakeven, 2))[0] == "correct"
    status, _, message = check_numeric(q, breakeven)[:3]  # more digits than asked: a rounding slip (issue 11)
    assert status == "wrong" and "decimal" in message, message
    assert check_numeric(q, round(breakeven, 2) + 0.01)[0] == "wrong"
    # the slip the explanation names: revenue over an hour's energy (the lot's power in kW)
    slip = figures["mining.lot_revenue_cny_per_day"].value / figures["mining.lot_power_kw"].value
    assert check_numeric(q, round(slip, 2))[0] == "wrong"


def test_q16_keys_exactly_the_prices_above_breakeven(quizzes, raw, figures):
    q = quizzes["mining"].question("q16")
    national = raw["differential_tariff_cny_per_kwh"]
    prices = {  # the options of q16, in order
        "A": 0.35 + national,
        "B": 0.35 + raw["provincial_surcharge_neimenggu_cny_per_kwh"],
        "C": 0.35 + raw["provincial_surcharge_sichuan_cny_per_kwh"],
        "D": 0.75 + national,
        "E": 0.55 + national,
    }
    assert set(q.spec["options"]) == set(prices)
    losing = sorted(letter for letter, price in prices.items() if lot_margin(raw, price) < 0)
    assert sorted(q.key) == losing
    assert "D" in losing and prices["D"] - figures["mining.breakeven_tariff_cny_per_kwh"].value < 0.01  # the close case


def test_q13_reference_never_pays_back_from_the_breakeven_tariff_up(quizzes, raw, figures):
    q = quizzes["mining"].question("q13")
    namespace: dict = {}
    exec(q.spec["solution"], namespace)
    payback = namespace["q13"]
    ths, eff, rev = raw["machine_hashrate_ths"], raw["machine_efficiency_w_per_th"], raw["example_revenue_cny_per_th_day"]
    breakeven = figures["mining.breakeven_tariff_cny_per_kwh"].value
    assert payback(5500, ths, eff, breakeven + 0.001, rev) is None
    days = payback(5500, ths, eff, breakeven - 0.001, rev)
    assert days is not None and days > 10_000  # pays, but only just
    assert payback(5500, ths, eff, raw["example_base_tariff_cny_per_kwh"] + national_surcharge(raw), rev) == pytest.approx(
        figures["mining.payback_days_low_with_surcharge"].value)
    # every case of the question agrees with the reference
    for case in q.spec["cases"]:
        got = payback(*case["args"])
        assert (got is None) == (case["expected"] is None), case
        if got is not None:
            assert got == pytest.approx(case["expected"], abs=1e-4)


def national_surcharge(raw: dict) -> float:
    return raw["differential_tariff_cny_per_kwh"]
