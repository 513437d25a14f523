"""The case's figures: raw values from ``data/case.yml`` and the figures derived from them.

Every number that appears in the site's text, its charts and the quiz keys is
looked up here by a dotted name such as ``kyc.success_rate_pct``, so that it is
typed once (raw) or computed once (derived) and can never drift.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml


@dataclass(frozen=True)
class Figure:
    name: str
    value: Any
    source: str  # a fact id (A1..A22), a document id, or "derived from ..."
    unit: str = ""
    decimals: int | None = None

    def formatted(self) -> str:
        """The value as the site prints it: thousands separators, the set decimals, the unit."""
        v = self.value
        if isinstance(v, list):  # a list of values (e.g. illustrative tariffs): each formatted, comma-separated
            items = ", ".join(Figure(self.name, x, self.source, "", self.decimals).formatted() for x in v)
            return f"{items} {self.unit}".strip()
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            text = v.strftime("%-d %B %Y") if isinstance(v, _dt.date) else str(v)
        elif self.decimals is not None:
            text = f"{v:,.{self.decimals}f}"
        else:
            text = f"{v:,}"
        return f"{text} {self.unit}".strip()


def _lot_kwh(r: dict) -> float:
    return 24 * r["mining.lot_machines"] * r["mining.machine_hashrate_ths"] * r["mining.machine_efficiency_w_per_th"] / 1000


def _surcharged(r: dict) -> float:
    return r["mining.example_base_tariff_cny_per_kwh"] + r["mining.differential_tariff_cny_per_kwh"]


def _payback(r: dict, price: str, surcharge: int) -> float:
    """Days for one machine bought second-hand to earn back its price at the illustrative revenue."""
    kwh = 24 * r["mining.machine_hashrate_ths"] * r["mining.machine_efficiency_w_per_th"] / 1000
    tariff = _surcharged(r) if surcharge else r["mining.example_base_tariff_cny_per_kwh"]
    margin = r["mining.machine_hashrate_ths"] * r["mining.example_revenue_cny_per_th_day"] - kwh * tariff
    return r[f"mining.secondhand_price_{price}_cny"] / margin


def _machine_kwh_per_th_day(r: dict) -> float:
    """kWh one TH/s of the listed machine uses in a day: W/TH x 24 h / 1000."""
    return 24 * r["mining.machine_efficiency_w_per_th"] / 1000


def _lot_revenue(r: dict, revenue: str = "mining.example_revenue_cny_per_th_day") -> float:
    return r["mining.lot_machines"] * r["mining.machine_hashrate_ths"] * r[revenue]


def _lot_margin(r: dict, tariff: float) -> float:
    """The lot's daily operating margin (revenue less electricity) at the teaching-assumption revenue."""
    return _lot_revenue(r) - _lot_kwh(r) * tariff
def _cbeci(r: dict, month: str) -> float:
    rows = [row["value"] for row in r["cbeci_china_share_pct"] if str(row["month"]) == month]
    if not rows:
        raise KeyError(f"cbeci_china_share_pct {month}")
    return rows[0]


# name -> (function of the raw values, unit, decimals shown, the raw names it uses)
DERIVED: dict[str, tuple[Callable[[dict], float], str, int]] = {
    # KYC account trading (A9, A10)
    "kyc.rate_implied_sale": (lambda r: r["kyc.sale_price_cny"] / r["kyc.sale_price_usdt"], "CNY per USDT", 2),
    "kyc.rate_implied_cost": (lambda r: r["kyc.cost_per_account_cny"] / r["kyc.cost_per_account_usdt"], "CNY per USDT", 3),
    "kyc.success_rate_pct": (lambda r: 100 * r["kyc.accounts_opened"] / r["kyc.accounts_applied"], "%", 2),
    "kyc.profit_usdt": (lambda r: r["kyc.revenue_usdt"] - r["kyc.cost_usdt"], "USDT", 0),
    "kyc.return_on_cost_pct": (lambda r: 100 * (r["kyc.revenue_usdt"] - r["kyc.cost_usdt"]) / r["kyc.cost_usdt"], "%", 1),
    "kyc.revenue_per_opened_usdt": (lambda r: r["kyc.revenue_usdt"] / r["kyc.accounts_opened"], "USDT", 0),
    "kyc.cost_check_usdt": (lambda r: r["kyc.accounts_applied"] * r["kyc.cost_per_account_usdt"], "USDT", 0),
    "kyc.breakeven_success_rate_pct": (lambda r: 100 * r["kyc.cost_per_account_usdt"] / r["kyc.sale_price_usdt"], "%", 1),
    "kyc.breakeven_accounts": (lambda r: r["kyc.accounts_applied"] * r["kyc.cost_per_account_usdt"] / r["kyc.sale_price_usdt"], "accounts", 0),
    # bare numbers for the teaching note's board and misreadings (failed applications; price less / plus cost)
    "kyc.accounts_failed": (lambda r: r["kyc.accounts_applied"] - r["kyc.accounts_opened"], "", 0),
    "kyc.sale_less_cost_usdt": (lambda r: r["kyc.sale_price_usdt"] - r["kyc.cost_per_account_usdt"], "", 0),
    "kyc.sale_plus_cost_usdt": (lambda r: r["kyc.sale_price_usdt"] + r["kyc.cost_per_account_usdt"], "", 0),
    # The wallet case (A14)
    "courts.rate_implied_claim": (lambda r: r["courts.claim_cny"] / r["courts.claim_usdt"], "CNY per USDT", 3),
    "courts.claim_at_article_rate_cny": (lambda r: r["courts.claim_usdt"] * r["kyc.sale_price_cny"] / r["kyc.sale_price_usdt"], "CNY", 0),
    # Mining: the M21S lot (A19)
    "mining.machine_power_w": (lambda r: r["mining.machine_hashrate_ths"] * r["mining.machine_efficiency_w_per_th"], "W", 0),
    "mining.lot_hashrate_phs": (lambda r: r["mining.lot_machines"] * r["mining.machine_hashrate_ths"] / 1000, "PH/s", 2),
    "mining.lot_power_kw": (lambda r: r["mining.lot_machines"] * r["mining.machine_hashrate_ths"] * r["mining.machine_efficiency_w_per_th"] / 1000, "kW", 1),
    "mining.lot_energy_kwh_per_day": (lambda r: 24 * r["mining.lot_machines"] * r["mining.machine_hashrate_ths"] * r["mining.machine_efficiency_w_per_th"] / 1000, "kWh", 1),
    "mining.machine_energy_kwh_per_day": (lambda r: 24 * r["mining.machine_hashrate_ths"] * r["mining.machine_efficiency_w_per_th"] / 1000, "kWh", 2),
    "mining.lot_tariff_surcharge_cny_per_day": (lambda r: 24 * r["mining.lot_machines"] * r["mining.machine_hashrate_ths"] * r["mining.machine_efficiency_w_per_th"] / 1000 * r["mining.differential_tariff_cny_per_kwh"], "CNY", 2),
    "mining.lot_secondhand_value_low_cny": (lambda r: r["mining.lot_machines"] * r["mining.secondhand_price_low_cny"], "CNY", 0),
    "mining.lot_secondhand_value_high_cny": (lambda r: r["mining.lot_machines"] * r["mining.secondhand_price_high_cny"], "CNY", 0),
    # Illustrative economics of the lot (teaching assumptions: base tariff, revenue per TH/s per day)
    "mining.surcharged_base_tariff_cny_per_kwh": (_surcharged, "", 2),  # base + national surcharge (CNY/kWh)
    "mining.lot_cost_cny_per_day_at_base": (lambda r: _lot_kwh(r) * r["mining.example_base_tariff_cny_per_kwh"], "CNY", 2),
    "mining.lot_cost_cny_per_day_with_surcharge": (lambda r: _lot_kwh(r) * _surcharged(r), "CNY", 2),
    "mining.payback_days_low_at_base": (lambda r: _payback(r, "low", 0), "days", 0),
    "mining.payback_days_low_with_surcharge": (lambda r: _payback(r, "low", 1), "days", 0),
    "mining.payback_days_high_at_base": (lambda r: _payback(r, "high", 0), "days", 0),
    "mining.payback_days_high_with_surcharge": (lambda r: _payback(r, "high", 1), "days", 0),
    # Where the lot stops paying (issue 10): margin against the surcharge, break-even tariff and revenue
    "mining.lot_revenue_cny_per_day": (lambda r: _lot_revenue(r), "CNY", 0),
    "mining.lot_margin_cny_per_day_at_base": (lambda r: _lot_margin(r, r["mining.example_base_tariff_cny_per_kwh"]), "CNY", 2),
    "mining.lot_margin_cny_per_day_with_surcharge": (lambda r: _lot_margin(r, _surcharged(r)), "CNY", 2),
    "mining.surcharge_share_of_margin_pct": (lambda r: 100 * _lot_kwh(r) * r["mining.differential_tariff_cny_per_kwh"]
                                             / _lot_margin(r, r["mining.example_base_tariff_cny_per_kwh"]), "%", 1),
    "mining.breakeven_tariff_cny_per_kwh": (lambda r: _lot_revenue(r) / _lot_kwh(r), "CNY/kWh", 2),
    "mining.breakeven_tariff_scenario_low_cny_per_kwh": (
        lambda r: r["mining.scenario_revenue_low_cny_per_th_day"] / _machine_kwh_per_th_day(r), "CNY/kWh", 2),
    "mining.breakeven_tariff_scenario_high_cny_per_kwh": (
        lambda r: r["mining.scenario_revenue_high_cny_per_th_day"] / _machine_kwh_per_th_day(r), "CNY/kWh", 2),
    "mining.breakeven_revenue_at_base_cny_per_th_day": (
        lambda r: _machine_kwh_per_th_day(r) * r["mining.example_base_tariff_cny_per_kwh"], "CNY per TH/s per day", 3),
    "mining.breakeven_revenue_with_surcharge_cny_per_th_day": (
        lambda r: _machine_kwh_per_th_day(r) * _surcharged(r), "CNY per TH/s per day", 3),
    "mining.lot_margin_cny_per_day_neimenggu": (
        lambda r: _lot_margin(r, r["mining.example_base_tariff_cny_per_kwh"] + r["mining.provincial_surcharge_neimenggu_cny_per_kwh"]), "CNY", 2),
    "mining.lot_margin_cny_per_day_sichuan": (
        lambda r: _lot_margin(r, r["mining.example_base_tariff_cny_per_kwh"] + r["mining.provincial_surcharge_sichuan_cny_per_kwh"]), "CNY", 2),
    # MiCA's timetable
    "compare.mica_days_to_application": (lambda r: (r["compare.mica_applies"] - r["compare.mica_published"]).days, "days", 0),
    # China's reported hash-rate share after the ban against its level in April 2021 (CBECI rows of case.yml)
    "compare.cbeci_sep2021_of_apr2021_pct": (lambda r: 100 * _cbeci(r, "2021-09") / _cbeci(r, "2021-04"), "%", 1),
    # The Notice's two reported dates (framework, Exhibit 1)
    "framework.notice_days_issue_to_publication": (lambda r: (r["framework.notice_published"] - r["framework.notice_issued"]).days, "days", 0),
    # Zhejiang's screening funnel (A22)
    "zhejiang.flagged_share_pct": (lambda r: 100 * r["zhejiang.ips_flagged"] / r["zhejiang.ips_screened"], "%", 2),
    "zhejiang.examined_ip_share_pct": (lambda r: 100 * r["zhejiang.ips_examined"] / r["zhejiang.ips_flagged"], "%", 1),
    "zhejiang.examined_unit_share_pct": (lambda r: 100 * r["zhejiang.units_examined"] / r["zhejiang.units_flagged"], "%", 1),
    "zhejiang.ips_per_flagged_unit": (lambda r: r["zhejiang.ips_flagged"] / r["zhejiang.units_flagged"], "IPs per unit", 2),
}


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding ``data/case.yml``."""
    import os

    env = os.environ.get("CASELAB_PROJECT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / "case.yml").is_file():
            return folder
    raise FileNotFoundError(
        f"no caselab project found at or above {here} (looked for data/case.yml); "
        "run the command inside the project or set CASELAB_PROJECT"
    )


def _flatten(data: dict, prefix: str = "") -> dict[str, dict]:
    out: dict[str, dict] = {}
    for key, entry in data.items():
        name = f"{prefix}{key}"
        if isinstance(entry, dict) and "value" in entry:
            out[name] = entry
        elif isinstance(entry, dict):
            out.update(_flatten(entry, name + "."))
        else:
            out[name] = {"value": entry, "source": ""}
    return out


def _monthly_rows(raw: dict[str, dict]) -> dict[str, Figure]:
    """Each row of a monthly series (a list of ``{month, value, source, ...}``) as a figure of its own,
    named ``<series>.<YYYY_MM>`` (e.g. ``cbeci_china_share_pct.2021_09``), so that a page prints a row
    through a marker instead of typing it."""
    out: dict[str, Figure] = {}
    for series, entry in raw.items():
        rows = entry["value"]
        if not (isinstance(rows, list) and rows and all(isinstance(r, dict) and "month" in r and "value" in r
                                                        for r in rows)):
            continue
        for row in rows:
            name = f"{series}.{str(row['month']).replace('-', '_')}"
            out[name] = Figure(name, row["value"], str(row.get("source", "")), str(row.get("unit", "")),
                               row.get("decimals"))
    return out


def _derive(figures: dict[str, Figure], failing: tuple[type[Exception], ...] = (KeyError,)) -> dict[str, Figure]:
    """``figures`` (raw only) with every derived figure computed from their values; a figure whose
    computation raises one of ``failing`` is left out."""
    values = {n: f.value for n, f in figures.items()}
    for name, (fn, unit, decimals) in DERIVED.items():
        try:
            figures[name] = Figure(name, fn(values), "derived", unit, decimals)
        except failing:
            continue  # a project without these raw values (e.g. a partial edition) has no such figure
    return figures


@lru_cache(maxsize=8)
def _load(path: Path) -> dict[str, Figure]:
    raw = _flatten(yaml.safe_load(path.read_text(encoding="utf-8")))
    figures = {n: Figure(n, e["value"], str(e.get("source", "")), e.get("unit", ""), e.get("decimals"))
               for n, e in raw.items()}
    figures.update(_monthly_rows(raw))
    return _derive(figures)


def raw_figure(name: str, figures: dict[str, Figure]) -> bool:
    """True if ``name`` is one of data/case.yml's own values (not a derived figure)."""
    return name in figures and name not in DERIVED and figures[name].source != "derived"


def with_overrides(figures: dict[str, Figure], overrides: dict[str, Any]) -> dict[str, Figure]:
    """Every figure as ``figures`` has it, computed again from the raw values with ``overrides``
    (raw name -> value) put in their place: the one computation of the derived figures, run on a
    scenario's numbers (per-student parameters, issue 14).  An overridden figure's source says
    "scenario".  A derived figure the scenario makes impossible (a division by zero) is absent."""
    unknown = [n for n in overrides if not raw_figure(n, figures)]
    if unknown:
        raise KeyError(f"{', '.join(unknown)}: not a raw figure of data/case.yml (only raw values can be overridden)")
    raw = {n: f for n, f in figures.items() if raw_figure(n, figures)}
    for name, value in overrides.items():
        f = raw[name]
        raw[name] = Figure(name, value, "scenario", f.unit, f.decimals)
    return _derive(raw, (KeyError, ArithmeticError, ValueError, TypeError))


FIG_MARK = re.compile(r"\{\{\s*fig\s+([\w.]+)\s*\}\}")


def fill(text: str, figures: dict[str, Figure]) -> str:
    """``{{ fig name }}`` markers of ``text`` replaced by the figures as the site prints them."""
    def one(m):
        if m.group(1) not in figures:
            raise KeyError(f"unknown figure {m.group(1)!r} in {{{{ fig {m.group(1)} }}}}")
        return figures[m.group(1)].formatted()
    return FIG_MARK.sub(one, text)


def load_figures(root: Path | None = None) -> dict[str, Figure]:
    """All figures of the project at ``root``, raw and derived, by dotted name."""
    root = root or find_project_root()
    return _load((Path(root) / "data" / "case.yml").resolve())


def figure(name: str, root: Path | None = None) -> Figure:
    figures = load_figures(root)
    try:
        return figures[name]
    except KeyError:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(sorted(figures))}") from None



def fill_markers(text: str, root: Path | None, where: str) -> str:
    """``text`` with every ``{{ fig name }}`` replaced by the figure of the project at ``root``.

    The one place the site's markers are filled: pages (the site hook), the data files' text
    (glossary, facts, timeline) and the reading that lint compares prompts with.  An unknown name
    raises ``ValueError`` naming ``where`` and the marker; callers turn it into their own error."""
    if "{{" not in text:
        return text
    try:
        return fill(text, load_figures(root))
    except KeyError as exc:
        raise ValueError(f"{where}: {exc.args[0]} (figures are named in data/case.yml or DERIVED in "
                         "src/caselab/quiz/figures.py)") from None
