"""The metrics registry (sim/metrics/) is the one definition of the monthly columns: the
monitor writes exactly its columns, the parts it names exist, and the README's column table
is the registry's."""

from __future__ import annotations

from pathlib import Path

from sim import metrics
from sim.config.loader import load_config
from sim.metrics import BY_COLUMN, COLUMNS, METRICS, Ratio, Weighted
from sim.model.run import run_one

ROOT = Path(__file__).resolve().parents[2]


def test_the_monitor_writes_the_registry_columns_in_order():
    cfg = load_config(ROOT / "configs" / "cheshire_east_2017.yaml", {"horizon_months": 2})
    frame, _ = run_one(cfg, seed=1)
    assert tuple(frame.columns) == COLUMNS


def test_every_column_a_metric_names_is_a_metric():
    named = set(metrics.SUMMARY_KPIS) | set(metrics.SUMMARY_FLOWS)
    for m in METRICS:
        if isinstance(m.region, Ratio):
            named |= {m.region.numerator, *m.region.denominator}
        if isinstance(m.region, Weighted):
            named |= set(m.region.weights)
    assert named - set(BY_COLUMN) == set()
    assert len(BY_COLUMN) == len(METRICS), "a column is defined twice"
    assert all(BY_COLUMN[c].timing == "flow" for c in metrics.SUMMARY_FLOWS)


def test_shares_labels_and_phrases_come_from_the_registry():
    assert [m.column for m in METRICS if m.share] == [
        "agency_share",
        "share_over_target",
        "share_25_plus",
        "turnover_12m",
    ]
    assert metrics.label("avg_caseload") == "Average caseload (children per case-holding FTE)"
    assert metrics.label("open_cin") == "Open cin"  # no label given: the column in words
    assert metrics.short("agency_share") == "agency share"


def test_the_readme_column_table_is_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = metrics.markdown_table()
    assert table in readme, (
        "README.md's table of monthly columns differs from sim/metrics/: replace it with "
        "the output of `python -m sim.metrics`"
    )


def test_sim_charts_is_the_chart_package():
    import sim
    from sim.report import charts

    assert sim.charts is charts
    assert callable(sim.charts.policy_comparison) and callable(sim.charts.fan_chart)
