"""What ``csc-sim optimise`` found, as a table (one row per candidate, cheapest first) and a
summary in words: the cheapest option that meets the probability asked for, how sure, what
it cost to find out, and the cost against probability frontier."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from sim.experiment.optimise import Outcome
from sim.experiment.racing import FAILS, MEETS, Race
from sim.experiment.replication import target_columns
from sim.experiment.stats import newcombe_paired


def gbp(value: float) -> str:
    """Pounds a year as people read them: ``£17.2m``, ``£650k``."""
    if not math.isfinite(value):
        return "£ n/a"
    sign = "-" if value < 0 else ""
    v = abs(value)
    return f"{sign}£{v / 1e6:.1f}m" if v >= 1e6 else f"{sign}£{v / 1e3:.0f}k"


def pct(p: float) -> str:
    return "n/a" if not math.isfinite(p) else f"{100 * p:.0f}%"


def frontier(cost: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Whether each point is on the cost against probability frontier: no other point is
    at most as dear and at least as likely to meet, and better on one of the two (ties in
    both: the first)."""
    on = np.ones(len(cost), dtype=bool)
    for i in range(len(cost)):
        for j in range(len(cost)):
            if i == j:
                continue
            no_worse = cost[j] <= cost[i] and p[j] >= p[i]
            better = cost[j] < cost[i] or p[j] > p[i] or j < i
            if no_worse and better:
                on[i] = False
                break
    return on


def candidates_table(outcome: Outcome) -> pd.DataFrame:
    """One row per candidate, cheapest first: its options, replications, the chance it
    met the target with the 95% Wilson interval and the simultaneous interval the verdict
    is read from, the verdict and why it got no more replications, the mean cost a year,
    the median KPI at the target date, whether it is on the frontier or the answer, and
    against the answer on the same futures: the difference in the chance (Newcombe's
    paired interval) and the extra cost a year."""
    search, state = outcome.search, outcome.race
    standings = state.standings()
    best = state.answer(standings)
    cols = target_columns(search.target)
    reps = outcome.replications
    rows = []
    for s, cand in zip(standings, search.candidates, strict=True):
        mine = reps[reps["scenario"] == cand.name].sort_values("replication")
        row: dict[str, object] = {
            "candidate": cand.name,
            "label": cand.label,
            **{f"lever.{k}": v for k, v in cand.options.items()},
            "replications": s.replications,
            "met": s.met,
            "p_met": s.p,
            "p_low": s.p_low,
            "p_high": s.p_high,
            "bound_low": s.bound_low,
            "bound_high": s.bound_high,
            "verdict": s.verdict,
            "stopped": re.sub(
                r"candidate (\d+)",
                lambda m: f"candidate {search.candidates[int(m.group(1))].name}",
                s.stopped,
            ),
            "cost_per_year_gbp": s.cost,
            "policy_cost_per_year_gbp": float(mine["policy_cost_per_year_gbp"].mean()),
            "value_median": float(mine[cols["value"]].median()),
            "answer": s.index == best,
        }
        if best is not None:
            row.update(_versus(state, s.index, best))
        rows.append(row)
    table = pd.DataFrame(rows)
    table["on_frontier"] = frontier(
        table["cost_per_year_gbp"].to_numpy(), table["p_met"].to_numpy()
    )
    table = table.sort_values(["cost_per_year_gbp", "candidate"], kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


def _versus(state: Race, i: int, best: int) -> dict[str, float]:
    """Candidate ``i`` against the answer ``best`` over the futures both ran."""
    met, cost = state.met, state.cost
    n = min(len(met[i]), len(met[best]))
    d, lo, hi = newcombe_paired(np.asarray(met[i][:n]), np.asarray(met[best][:n]))
    extra = float(np.mean(np.subtract(cost[i][:n], cost[best][:n]))) if n else math.nan
    return {"diff_vs_answer": d, "diff_low": lo, "diff_high": hi, "extra_cost_vs_answer_gbp": extra}


def target_words(outcome: Outcome, markdown: bool = True) -> str:
    """The target in words: its name (as code in Markdown), metric, bound, date and the
    month ends it is held at before."""
    t = outcome.search.target
    bound = f"at most {t.max:g}" if t.max is not None else f"at least {t.min:g}"
    held = f" and the {t.sustain_months} month ends before" if t.sustain_months else ""
    name = f"`{t.name}`" if markdown else t.name
    return f"{name}: {t.metric} {bound} at {t.date}{held}"


def summary(outcome: Outcome, table: pd.DataFrame) -> str:
    """The search in words, Markdown: the answer (or that none was found), the confidence,
    the cheaper options that could not be told from the line, the work done, and the table."""
    st, search = outcome.settings, outcome.search
    asked = pct(st.probability)
    looks = st.looks()
    k = len(search.candidates)
    lines = [
        f"# What would it take: {search.source.spec.name}",
        "",
        f"Target {target_words(outcome)}, met with a probability of at least {asked}.",
        "",
    ]
    answer = table[table["answer"]]
    confidence = (
        f"every verdict below (meets, fails) holds together with {pct(st.confidence)} "
        f"confidence: each is read from a Clopper-Pearson interval at the "
        f"{100 * st.level(k):.4g}% level (Bonferroni over {k} candidates x {len(looks)} "
        f"looks at {', '.join(map(str, looks))} replications)"
    )
    if len(answer):
        a = answer.iloc[0]
        lines += [
            f"**The cheapest option found that meets {asked} is {a['label']}** "
            f"(`{a['candidate']}`) **at {gbp(a['cost_per_year_gbp'])} a year** (mean cost "
            "over the run: pay with on-costs, agency, team managers, recruitment and "
            f"policies). It met the target in {pct(a['p_met'])} of {a['replications']} "
            f"simulated futures (95% interval {pct(a['p_low'])}-{pct(a['p_high'])}).",
            "",
            f"Confidence: its chance is at least {100 * a['bound_low']:.1f}%, above "
            f"{asked}; {confidence}.",
        ]
        close = table[
            (table["rank"] < a["rank"]) & (table["verdict"] != FAILS) & (table["verdict"] != MEETS)
        ]
        if len(close):
            lines += ["", "Cheaper options that could not be told from the line:"]
            lines += [
                f"- {r['label']} (`{r['candidate']}`), {gbp(r['cost_per_year_gbp'])} a "
                f"year: {pct(r['p_met'])} ({pct(r['p_low'])}-{pct(r['p_high'])}) of "
                f"{r['replications']}; {r['stopped'] or 'undecided'}"
                + (
                    "; more replications could decide it"
                    if r["stopped"].startswith("at the most")
                    else ""
                )
                for _, r in close.iterrows()
            ]
    else:
        top = table.sort_values(["p_met", "cost_per_year_gbp"], ascending=[False, True]).iloc[0]
        lines += [
            f"**No option among the {k} candidates meets {asked}** with {pct(st.confidence)} "
            f"confidence. The most likely to meet is {top['label']} (`{top['candidate']}`) "
            f"at {gbp(top['cost_per_year_gbp'])} a year (mean cost over the run: pay with "
            "on-costs, agency, team managers, recruitment and policies): it met the target in "
            f"{pct(top['p_met'])} of {top['replications']} futures (95% interval "
            f"{pct(top['p_low'])}-{pct(top['p_high'])}); {top['stopped'] or top['verdict']}.",
            "",
            f"Confidence: {confidence}.",
        ]
    fails = int((table["verdict"] == FAILS).sum())
    full = k * st.max_replications
    dup = (
        f" ({len(search.duplicates)} more combinations ran exactly as one of these and were "
        "left out)"
        if search.duplicates
        else ""
    )
    lines += [
        "",
        f"{k} candidates evaluated{dup} with {outcome.race.total:,} replications in total "
        f"(every candidate at {st.max_replications} would be {full:,}), in "
        f"{outcome.seconds / 60:.1f} min; {fails} ruled out as failing. Replication k of every "
        f"candidate is the same simulated future (seed sequence k of root seed "
        f"{search.experiment.spec.root_seed}, the same uncertain values), so costs and "
        "chances are compared pair by pair (a candidate's cost is that of the one run most, "
        "plus its difference on the futures both ran); finalists were run until their 95% "
        "interval was "
        f"within +-{100 * st.resolution:.0f} points.",
        "",
        _markdown_table(table),
        "",
    ]
    return "\n".join(lines)


def _markdown_table(table: pd.DataFrame) -> str:
    head = [
        "#",
        "option",
        "cost a year",
        "P(met)",
        "95% interval",
        "replications",
        "verdict",
        "why it got no more",
    ]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in table.iterrows():
        mark = " **(answer)**" if r["answer"] else " (frontier)" if r["on_frontier"] else ""
        out.append(
            "| "
            + " | ".join(
                [
                    str(r["rank"]),
                    f"{r['label']}{mark}",
                    gbp(r["cost_per_year_gbp"]),
                    pct(r["p_met"]),
                    f"{pct(r['p_low'])}-{pct(r['p_high'])}",
                    str(r["replications"]),
                    str(r["verdict"]),
                    str(r["stopped"]),
                ]
            )
            + " |"
        )
    return "\n".join(out)
