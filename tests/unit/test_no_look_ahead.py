"""No look-ahead in the shipped council configs (developers' guide; issue 12, item 7).

The rule: a config that starts at a date uses only figures describing the time before that
date; anything later is for backtests, never for calibration. So every source a config's
lines cite (comments and values alike) must describe a period that ends on or before the
config's ``start_date`` (its own, or the one it inherits through ``extends``), unless the
line says the figure is for a ``backtest``.

When a cited source describes the time up to (its period ends):

- DfE "Characteristics of children in need" and "Children looked after in England"
  (``CIN Y``, ``CLA Y``, ``DfE CIN Y``): the year to 31 March Y and the stocks at that
  date. ``CIN 2023/24`` and ``2016-17`` mean the year to 31 March 2024 and 2017.
- DfE "Children's social work workforce" (``SWW Y``, ``DfE workforce Y``): the census at
  30 September Y and the year to it (``2016-17 leavers`` = the year to 30 September 2017).
- ``DfE ... Y`` naming neither: 31 March Y, the earliest period DfE's year Y can describe
  (a lenient reading: a figure flagged by it is later on any reading).
- A range (``DfE workforce 2021-2023``) is as late as its last year.
- ``Independent Review ... Y`` (of Children's Social Care): 1 January Y (lenient again).
- The seed reports: M16 21 June 2016, CE17 (Cheshire East) 31 May 2017, M19 17 July
  2019, M20 31 March 2020 (minutes of early 2020; they cite December 2019).

A source's year is the first year after its name on the same line, within 60 characters and
before the next source, parenthesis or semicolon; a seed report's own date is used whatever
year follows it. A line naming a
later figure passes only if it says ``backtest`` (e.g. "backtest: DfE CIN 2023, 22.4%").
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from sim.config.loader import resolve_extends
from tests.conftest import CONFIGS

SHIPPED = sorted(CONFIGS.glob("*.yaml"))

REPORTS = {
    "M16": date(2016, 6, 21),
    "CE17": date(2017, 5, 31),
    "Cheshire East": date(2017, 5, 31),
    "M19": date(2019, 7, 17),
    "M20": date(2020, 3, 31),
}
SOURCE = re.compile(
    r"\b(?P<kw>DfE|CIN|CLA|SWW|Independent Review|M16|CE17|Cheshire East|M19|M20)\b"
)
# A year, a range or a financial year (2021-2023, 2016-17, 2023/24); never an ISO date.
YEAR = re.compile(r"(?<![\d,.])(?P<y>20\d\d)(?:[-/](?P<end>(?:20)?\d\d))?(?![-/\d])")
WINDOW = 60
TOP_KEY = re.compile(r"^([A-Za-z_]\w*):")


# (config, section, cited text) -> why it is still there.
def period_end(keyword: str, between: str, year: int) -> date:
    """The last day the source ``keyword ... year`` describes (module docstring)."""
    if keyword in REPORTS:
        return REPORTS[keyword]
    if keyword == "Independent Review":
        return date(year, 1, 1)
    if keyword == "SWW" or (keyword == "DfE" and re.search(r"SWW|workforce", between)):
        return date(year, 9, 30)
    return date(year, 3, 31)


def citations(line: str) -> list[tuple[str, date]]:
    """Each source cited on ``line`` with the end of the period it describes."""
    found = []
    sources = list(SOURCE.finditer(line))
    for k, kw in enumerate(sources):
        if kw["kw"] in REPORTS:
            found.append((kw["kw"], REPORTS[kw["kw"]]))
            continue
        stop = sources[k + 1].start() if k + 1 < len(sources) else len(line)
        after = re.split(r"[();]", line[kw.end() : min(stop, kw.end() + WINDOW)])[0]
        if not (y := YEAR.search(after)):
            continue
        year = int(y["y"])
        if y["end"]:
            end = int(y["end"])
            year = end if end > 100 else year // 100 * 100 + end
        found.append(
            (line[kw.start() : kw.end() + y.end()], period_end(kw["kw"], after[: y.start()], year))
        )
    return found


def look_ahead(text: str, start: date) -> list[tuple[int, str, str, str]]:
    """(line number, section, cited text, line) for each later source cited without
    ``backtest`` on its line."""
    out, section = [], "(header)"
    for n, line in enumerate(text.splitlines(), 1):
        if m := TOP_KEY.match(line):
            section = m[1]
        if "backtest" in line.lower():
            continue
        for cited, end in citations(line):
            if end > start:
                out.append((n, section, cited, line.strip()))
    return out


def start_of(path: Path) -> date:
    value = resolve_extends(path)["start_date"]
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_shipped_config_cites_nothing_after_its_start(path):
    found = look_ahead(path.read_text(), start_of(path))
    assert not found, f"{path.name} starts {start_of(path)} but cites later figures " + (
        "(mark them 'backtest' or use an earlier figure):\n"
        + "\n".join(f"  line {n} [{s}] {c!r}: {text}" for n, s, c, text in found)
    )


@pytest.mark.parametrize(
    ("line", "start", "later"),
    [
        ("# DfE CIN 2017: 21.9% of referrals", date(2017, 6, 1), False),
        ("# England's 17.8 (DfE SWW 2017)", date(2017, 6, 1), True),
        ("# DfE CLA 2023/24: about 83,700 looked after", date(2023, 10, 1), True),
        ("# DfE CLA 2023: 83,750 at 31 March 2023", date(2023, 10, 1), False),
        ("# DfE workforce 2021-2023: sickness 3.1-3.5%", date(2017, 6, 1), True),
        ("# DfE workforce: 62.9% of 2016-17 leavers", date(2017, 6, 1), True),
        ("# DfE workforce: 62.9% of 2016-17 leavers", date(2020, 4, 1), False),
        ("# (DfE 2021 England agency rate 15.5%)", date(2020, 4, 1), True),
        ("# Independent Review of Children's Social Care, 2022", date(2020, 4, 1), True),
        ("# spike (Cheshire East 2017 para 6)", date(2016, 7, 1), True),
        ("# M16 5.5 spends 3.568m in 2016/17 and 4.905m in 2017/18", date(2016, 7, 1), False),
        ("# backtest: DfE CIN 2023, 22.4%", date(2016, 7, 1), False),
        ("- {date: 2017-04-01, fte: 288}   # M16 4.24", date(2016, 7, 1), False),
    ],
)
def test_the_rule_reads_reporting_periods(line, start, later):
    assert bool(look_ahead(line, start)) is later


BEFORE_THE_FIX = """\
    # DfE CIN 2023: assessment median 33 days, quartiles 17-43 -> lognormal mean about 40.
    # DfE CLA 2023/24: about 83,700 looked after, 33,000 starting a year -> mean stay about
  # M16 4.3: turnover 12%. assumption: hazards fall with tenure (DfE workforce 2022: 70% of
  # DfE workforce 2021-2023: sickness 3.1-3.5% of working days. assumption: 1.5 episodes
"""
"""Lines of manchester_2016.yaml as shipped before the fix (commit fe8625e)."""


def test_the_config_before_the_fix_fails():
    """manchester_2016.yaml (start July 2016) cited DfE figures of 2022-2024, even inside
    an ``assumption:``."""
    cited = {c for _, _, c, _ in look_ahead(BEFORE_THE_FIX, date(2016, 7, 1))}
    assert {"CIN 2023", "CLA 2023/24", "DfE workforce 2022", "DfE workforce 2021-2023"} <= cited
