"""A hand-made run of four children and five workers, small enough that every line of its
returns can be worked out by hand: for the unit tests of writing and reading returns.

Start date 1 July 2016 (day 0); 1 April 2017 is day 274; the run's last day is 31 December
2017. The 2016 workforce census is day 91 (30 September 2016), the 2017 one day 456.

- child 1: open at the start on a CiN plan (day -40) -> CP plan (day 100) -> looked after
  (day 400, C2), still looked after at the end; born day -3000.
- child 2: referred on day 10 and closed at the door (NFA); referred again on day 50,
  assessed days 55-80, no further action.
- child 3: referred day 20, assessed days 30-60, looked after days 60-300 under a placement
  order (E1), adopted.
- child 4: an unaccompanied asylum-seeking child arriving day 5 (V2), looked after until
  their 18th birthday, day 474.5 (born day -6100).
- workers: 1 permanent in post throughout; 2 an ASYE from day 30, qualified day 395; 3 an
  agency worker from day -10 who takes a permanent post on day 120 and leaves for another
  council on day 500; 4 an agency worker days 200-260 (between censuses: in none); 5 a
  permanent worker without cases who leaves on day 50.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.config.loader import load_config
from sim.returns.simulate import Run
from tests.conftest import CONFIGS

__all__ = ["tiny_run"]

NAN = math.nan


def tiny_run(seed: int = 5) -> Run:
    cfg = load_config(CONFIGS / "manchester_2016.yaml")
    children = pd.DataFrame(
        [(1, -3000.0, False), (2, NAN, False), (3, NAN, False), (4, -6100.0, True)],
        columns=["child", "born_day", "uasc"],
    )
    referrals = pd.DataFrame(
        [(2, 10.2, True), (2, 50.5, False), (3, 20.1, False), (4, 5.5, False)],
        columns=["child", "day", "nfa"],
    )
    spells = pd.DataFrame(
        [
            (1, "cin", -40.3, 100.2, "", "cp"),
            (1, "cp", 100.2, 400.7, "", "lac"),
            (1, "lac", 400.7, NAN, "C2", ""),
            (2, "assessment", 55.0, 80.4, "", "close"),
            (3, "assessment", 30.3, 60.6, "", "lac"),
            (3, "lac", 60.6, 300.9, "E1", "adoption"),
            (4, "lac", 5.5, 474.5, "V2", "18_plus"),
        ],
        columns=["child", "stage", "start_day", "end_day", "legal_status", "how"],
    )
    workers = pd.DataFrame(
        [
            (1, "permanent", "cin_cp", 1.0, -1000.0, NAN, "", NAN),
            (2, "asye", "lac", 0.8, 30.0, NAN, "", 395.5),
            (3, "agency", "assessment", 1.0, -10.0, 120.5, "converted", NAN),
            (3, "permanent", "assessment", 1.0, 120.5, 500.2, "other_council", NAN),
            (4, "agency", "cin_cp", 1.0, 200.0, 260.0, "assignment_ended", NAN),
            (5, "permanent", "non_case_holding", 1.0, -500.0, 50.3, "left", NAN),
        ],
        columns=[
            "worker", "kind", "team", "fte", "start_day", "end_day", "reason", "qualified_day",
        ],
    )  # fmt: skip
    dates = pd.date_range("2016-06-30", "2017-12-31", freq="ME")
    frame = pd.DataFrame(
        {
            "date": dates,
            "vacancy_fte": [10.0 + k for k in range(len(dates))],
            "agency_fte": [1.0] * len(dates),
        }
    )
    tables = {"children": children, "referrals": referrals, "spells": spells, "workers": workers}
    return Run(cfg, seed, frame, tables)
