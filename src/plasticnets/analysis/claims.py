"""Paper claims (config/claims.yaml) checked against the per-run summary table.

Each claim expands to one row per task (and per compared variant); each row gets our
estimate with a 95 % bootstrap CI across seeds, the test where there is one, and a
verdict: ``reproduced``, ``not reproduced`` or ``inconclusive`` (with the reason: too
few seeds, an interval that straddles the target, a non-significant test, or a group
that this configuration did not run). The verdict rules are in config/claims.yaml's
header; they are fixed before the data are seen and identical for every claim.
"""

from __future__ import annotations

import fnmatch
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats as sps

from plasticnets.analysis import stats
from plasticnets.families import FAMILIES

CHECKS = ("value", "ratio", "difference", "test", "spread", "order", "measure", "within")
TESTED_CHECKS = ("test", "spread", "order")  # decided by a p-value, Holm-corrected together
PAIRED_CHECKS = ("ratio", "difference", "test", "spread")
REQUIRED_KEYS = ("id", "statement", "source", "family", "metric", "tasks", "check", "group", "paper")
OPTIONAL_KEYS = ("versus", "between", "direction", "order_by", "earlier", "versus_from", "samples")
CLAIM_COLUMNS = ["claim", "task", "statement", "source", "family", "metric", "check", "group", "versus", "direction", "paper",
                 "trivial", "solved", "ceiling", "target_low", "target_high", "n_group", "n_versus", "estimate", "ci_low", "ci_high",
                 "p_value", "p_holm", "verdict", "reason"]
REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
ANSWERED = "answered"  # check: measure, a question a paper asks: measured with its CI, no target, no verdict


class ClaimsError(ValueError):
    """A malformed claims file: the message names the claim and the key."""


@dataclass(frozen=True)
class Settings:
    """Verdict rules of the claims file (the significance level is the statistics' ``alpha``)."""

    min_seeds: int = 3

    def __post_init__(self):
        if self.min_seeds < 2:
            raise ClaimsError(f"min_seeds: must be at least 2 (one seed has no interval), got {self.min_seeds}")


def load_claims(path: str | Path) -> tuple[Settings, list[dict]]:
    """Read and check the claims file; every problem names its claim and key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ClaimsError(f"cannot read claims file {path}: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise ClaimsError(f"{path}: expected a mapping with a 'claims' list")
    unknown = sorted(set(data) - {"claims", "min_seeds"})
    if unknown:
        raise ClaimsError(f"{path}: unknown top-level key(s) {unknown}; allowed: claims, min_seeds")
    try:
        settings = Settings(min_seeds=int(data.get("min_seeds", 3)))
    except ClaimsError as err:
        raise ClaimsError(f"{path}: {err}") from None
    seen = set()
    for i, claim in enumerate(data["claims"]):
        where = f"{path}: claims[{i}]" + (f" ({claim.get('id')})" if isinstance(claim, dict) else "")
        if not isinstance(claim, dict):
            raise ClaimsError(f"{where}: expected a mapping")
        missing = [k for k in REQUIRED_KEYS if k not in claim]
        unknown = [k for k in claim if k not in REQUIRED_KEYS + OPTIONAL_KEYS]
        if missing or unknown:
            raise ClaimsError(f"{where}: missing key(s) {missing}, unknown key(s) {unknown}")
        if claim["id"] in seen:
            raise ClaimsError(f"{where}: duplicate id")
        seen.add(claim["id"])
        if claim["check"] not in CHECKS:
            raise ClaimsError(f"{where}.check: {claim['check']!r} is not one of {', '.join(CHECKS)}")
        if claim["check"] in PAIRED_CHECKS and "versus" not in claim:
            raise ClaimsError(f"{where}: check {claim['check']!r} needs 'versus'")
        if claim["check"] in ("value", "ratio", "difference"):
            for task in claim["tasks"]:
                _band(claim, task, where)
        if claim["check"] == "measure" and ("between" in claim or "direction" in claim):
            raise ClaimsError(f"{where}: check 'measure' answers a question with a measurement: no 'between' or "
                              f"'direction' (a target chosen after the numbers is what it avoids)")
        if claim["check"] in ("test", "order") and claim.get("direction") not in ("greater", "less"):
            raise ClaimsError(f"{where}.direction: must be 'greater' or 'less'")
        if claim["check"] == "within" and (not claim.get("earlier") or claim.get("direction") not in ("greater", "less")):
            raise ClaimsError(f"{where}: check 'within' needs 'earlier' (the metric it changes from) and 'direction'")
        if claim["check"] == "order" and (not isinstance(claim.get("order_by"), dict) or len(claim["tasks"]) < 2):
            raise ClaimsError(f"{where}: check 'order' needs order_by {{family, metric}} and at least two tasks")
    return settings, data["claims"]


def _band(claim: dict, task: str, where: str = "") -> tuple[float, float]:
    between = claim.get("between")
    if isinstance(between, dict):
        between = between.get(task)
    if not (isinstance(between, list) and len(between) == 2):
        raise ClaimsError(f"{where or claim['id']}.between: needs [low, high] for task {task}")
    low = -math.inf if between[0] is None else float(between[0])
    high = math.inf if between[1] is None else float(between[1])
    if not low <= high:
        raise ClaimsError(f"{where or claim['id']}.between: low {between[0]} above high {between[1]} for task {task}")
    return low, high


def _per_task(value, task):
    return value.get(task, "") if isinstance(value, dict) else value


def evaluate_claims(summary: pd.DataFrame, claims: list[dict], settings: Settings = Settings(),
                    config: stats.StatsConfig = stats.StatsConfig()) -> pd.DataFrame:
    """Every claim x task (x compared variant) -> one row of the claims table."""
    rows = []
    baselines = _baselines(summary)
    for claim in claims:
        runs = summary[summary["family"] == claim["family"]] if "family" in summary else summary.iloc[:0]
        family = FAMILIES.get(claim["family"])
        protocol = (family.baseline_protocol if family else None) or claim["family"]  # whose evaluation scores it
        if claim["check"] == "order":
            rows += _order_rows(claim, summary, runs, settings, config)
            continue
        if claim["check"] == "within":
            rows += [{**_within_row(claim, task, runs[runs["task"] == task], settings, config),
                      **baselines.get((protocol, task), NO_BASELINE)} for task in claim["tasks"]]
            continue
        for task in claim["tasks"]:
            by_task = runs[runs["task"] == task]
            if claim.get("versus_from"):
                by_task = pd.concat([by_task, _other_family(summary, claim, task)], ignore_index=True)
            versus = [None]
            if claim["check"] in PAIRED_CHECKS or claim.get("versus"):  # (measure: versus optional)
                patterns = _versus_patterns(claim)
                versus = sorted(v for v in set(by_task["variant"]) if any(fnmatch.fnmatchcase(v, p) for p in patterns))
                versus = versus or [" or ".join(patterns)]
            for other in versus:
                row = _evaluate_row(claim, task, by_task, other, settings, config)
                if claim.get("samples"):
                    row = _with_samples(row, claim, by_task)
                rows.append({**row, **baselines.get((protocol, task), NO_BASELINE)})
    table = pd.DataFrame(rows, columns=CLAIM_COLUMNS)
    _apply_holm(table, config.alpha)
    _require_learning(table, summary, config)
    return table


NO_BASELINE = {"trivial": math.nan, "solved": math.nan, "ceiling": math.nan}


def _versus_patterns(claim: dict) -> list[str]:
    """A claim's ``versus``: one variant or glob (``mlp_*``), or a list of them (``[no_sa, dev_*]``)."""
    versus = claim["versus"]
    return list(versus) if isinstance(versus, list) else [versus]


def _other_family(summary: pd.DataFrame, claim: dict, task: str) -> pd.DataFrame:
    """``versus_from``: the other family's runs of ``versus`` on ``task``, labelled as the variant ``versus`` with
    their ``versus_from.metric`` in the claim's metric column, ready to sit beside the group's runs."""
    family, metric = claim["versus_from"]["family"], claim["versus_from"]["metric"]
    runs = summary[(summary["family"] == family) & (summary["task"] == task)] if "family" in summary else summary.iloc[:0]
    runs = runs[[fnmatch.fnmatchcase(str(v), claim["versus"]) for v in runs["variant"]]]
    values = runs[metric] if metric in runs.columns else pd.Series(math.nan, index=runs.index)
    return runs.assign(variant=claim["versus"], **{claim["metric"]: values})


def _with_samples(row: dict, claim: dict, by_task: pd.DataFrame) -> dict:
    """State beside the row what each side learned from (``samples``: the compared point and the total, medians
    over runs), and make a verdict inconclusive unless every ``versus`` run had at least as many samples at its
    compared point as any ``group`` run: a comparison at fewer samples would favour the group."""
    columns = claim["samples"]

    def column(variant: str, key: str) -> np.ndarray:
        runs = by_task[by_task["variant"] == variant]
        values = runs[columns[key]].to_numpy(dtype=float) if columns[key] in runs.columns else np.array([])
        return values[np.isfinite(values)]

    group, versus = column(claim["group"], "group"), column(row["versus"], "versus")
    group_total, versus_total = column(claim["group"], "group_total"), column(row["versus"], "versus_total")

    def median(values: np.ndarray) -> str:
        return f"{np.median(values):,.0f}" if values.size else "unknown"

    stated = (f"; samples: {claim['group']} {median(group)} per lifetime ({median(group_total)} in all, evolution "
              f"included), {row['versus']} {median(versus)} at the compared point ({median(versus_total)} in all)")
    if row["verdict"] in (REPRODUCED, NOT_REPRODUCED, "") and row["n_group"] and row["n_versus"]:
        if not group.size or not versus.size:
            return {**row, "verdict": INCONCLUSIVE, "p_value": math.nan,
                    "reason": f"the samples of {claim['group']} or {row['versus']} are not recorded" + stated}
        if versus.min() < group.max():
            return {**row, "verdict": INCONCLUSIVE, "p_value": math.nan,
                    "reason": (f"{row['versus']}'s compared point ({versus.min():,.0f} samples) comes before "
                               f"{claim['group']}'s ({group.max():,.0f}): the comparison would favour "
                               f"{claim['group']}") + stated}
    return {**row, "reason": row["reason"] + stated}


def _difficulty(summary: pd.DataFrame, claim: dict) -> tuple[list[str] | None, str]:
    """The claim's tasks from easiest to hardest by ``order_by`` (the median of another family's summary column
    over its runs; NaN, never got there: hardest), and the order as text; None and why where there is no order."""
    family, metric = claim["order_by"]["family"], claim["order_by"]["metric"]
    runs = summary[summary["family"] == family] if "family" in summary else summary.iloc[:0]
    rank = {}
    for task in claim["tasks"]:
        values = runs.loc[runs["task"] == task, metric].to_numpy(dtype=float) if metric in runs else np.array([])
        if values.size == 0:
            return None, f"no {family} runs on {task} to rank it by {metric}"
        rank[task] = float(np.median(np.where(np.isnan(values), np.inf, values)))
    order = sorted(claim["tasks"], key=lambda task: rank[task])
    text = " < ".join(f"{task} ({rank[task]:,.4g})" for task in order)
    ties = [f"{a} and {b}" for a, b in zip(order, order[1:]) if rank[a] == rank[b]]
    if ties:
        return None, f"difficulty ties ({', '.join(ties)}): no order to test; {family} {metric} median: {text}"
    return order, f"difficulty by {family} {metric} (median; NaN: never, hardest): {text}"


def _order_rows(claim, summary, runs, settings, config) -> list[dict]:
    """One row per adjacent pair of tasks in the difficulty order: the group's metric on the harder task against
    the easier one, a one-sided Mann-Whitney test in the claim's direction (decided with the other test rows)."""
    order, text = _difficulty(summary, claim)
    if order is None:
        row = _evaluate_row({**claim, "check": "test"}, " vs ".join(claim["tasks"]), runs.iloc[:0], claim["group"],
                            settings, config)
        return [{**row, "check": "order", "verdict": INCONCLUSIVE, "reason": text, **NO_BASELINE}]
    rows = []
    for easier, harder in zip(order, order[1:]):
        # the two tasks' runs of the group as two groups of one task, labelled so that every reason reads right
        on_harder, on_easier = f"{claim['group']} on {harder}", f"{claim['group']} on {easier}"
        pair = pd.concat([runs[(runs["task"] == harder) & (runs["variant"] == claim["group"])].assign(variant=on_harder),
                          runs[(runs["task"] == easier) & (runs["variant"] == claim["group"])].assign(variant=on_easier)])
        as_test = {**claim, "group": on_harder, "check": "test"}
        row = _evaluate_row(as_test, f"{harder} vs {easier}", pair, on_easier, settings, config)
        rows.append({**row, "check": "order", "group": claim["group"], "versus": claim["group"],
                     "reason": row["reason"] + f"; {text}", **NO_BASELINE})
    return rows


def _within_row(claim, task, by_task, settings, config) -> dict:
    """The change from ``earlier`` to ``metric`` within each run of the group (e.g. a lifetime's last episode
    against its first), then its mean and CI across seeds. Reproduced when the CI lies strictly on the claimed side
    of 0; not reproduced when it lies entirely on the other side or at 0 (no change); inconclusive otherwise."""
    earlier, later = claim["earlier"], claim["metric"]
    runs = by_task[by_task["variant"] == claim["group"]]
    row = {"claim": claim["id"], "task": task, "statement": claim["statement"], "source": claim["source"],
           "family": claim["family"], "metric": later, "check": "within", "group": claim["group"], "versus": earlier,
           "direction": claim["direction"], "paper": _per_task(claim["paper"], task), "target_low": math.nan,
           "target_high": math.nan, "n_group": 0, "n_versus": 0, "estimate": math.nan, "ci_low": math.nan,
           "ci_high": math.nan, "p_value": math.nan, "p_holm": math.nan}
    if runs.empty or not {earlier, later} <= set(runs.columns):
        return {**row, "verdict": INCONCLUSIVE,
                "reason": f"no runs of {claim['group']} with {earlier} and {later} on {task} in this configuration"}
    change = (runs[later] - runs[earlier]).to_numpy(dtype=float)
    dropped = int(np.count_nonzero(~np.isfinite(change)))
    change = change[np.isfinite(change)]
    note = f"; non-finite {later} - {earlier} dropped: {dropped} runs" if dropped else ""
    row["n_group"] = row["n_versus"] = change.size
    if change.size < settings.min_seeds:
        return {**row, "verdict": INCONCLUSIVE,
                "reason": f"too few seeds ({claim['group']} n={change.size} < {settings.min_seeds})" + note}
    sign = 1.0 if claim["direction"] == "greater" else -1.0
    row["estimate"] = float(change.mean())
    row["ci_low"], row["ci_high"] = stats.bootstrap_ci(change, np.mean, config)
    ci = f"{later} - {earlier} within runs: {row['estimate']:.4g}, CI [{row['ci_low']:.4g}, {row['ci_high']:.4g}]"
    toward = sorted((sign * row["ci_low"], sign * row["ci_high"]))  # the CI on the claimed side's axis
    if toward[0] > 0:
        return {**row, "verdict": REPRODUCED, "reason": f"{ci}: {claim['direction']} than 0" + note}
    if toward[1] <= 0:
        return {**row, "verdict": NOT_REPRODUCED, "reason": f"{ci}: not {claim['direction']} than 0" + note}
    return {**row, "verdict": INCONCLUSIVE, "reason": f"interval too wide: {ci} straddles 0" + note}


def _baselines(summary: pd.DataFrame) -> dict[tuple[str, str], dict[str, float]]:
    """(family whose evaluation it used, task) -> trivial score, solved threshold and ceiling (NaN: none), from
    the baseline rows of the summary table (family ``baselines``, variant = the protocol's family)."""
    if "family" not in summary or "trivial" not in summary:
        return {}
    rows = summary[summary["family"] == "baselines"]
    columns = {"trivial": "trivial", "solved": "solved_threshold", "ceiling": "ceiling"}  # claims column: table's
    return {(row["variant"], row["task"]): {key: float(row.get(column, math.nan)) for key, column in columns.items()}
            for _, row in rows.iterrows()}


def _require_learning(table: pd.DataFrame, summary: pd.DataFrame, config: stats.StatsConfig) -> None:
    """A claim about learning (a metric that scores the policy) is reproduced only if its group is also
    significantly above the trivial baseline: the 95 % bootstrap CI of the group's mean lies above it. Otherwise
    a 'reproduced' becomes inconclusive, saying so; a claim with no baseline for its task is left as it is."""
    for index, row in table.iterrows():
        family = FAMILIES.get(row["family"])
        if row["verdict"] != REPRODUCED or family is None or row["metric"] not in family.learning_metrics:
            continue
        if math.isnan(row["trivial"]):
            continue
        runs = summary[(summary["family"] == row["family"]) & (summary["task"] == row["task"])
                       & (summary["variant"] == row["group"])]
        values = runs[row["metric"]].to_numpy(dtype=float)
        low, high = stats.bootstrap_ci(values[np.isfinite(values)], np.mean, config)
        if not low > row["trivial"]:
            table.loc[index, ["verdict", "reason"]] = [INCONCLUSIVE, (
                f"{row['group']} is not significantly above the trivial baseline {row['trivial']:.4g} "
                f"(CI of its mean [{low:.4g}, {high:.4g}]), so this says nothing about learning; otherwise: "
                + row["reason"])]


def _values(by_task: pd.DataFrame, variant: str, metric: str) -> tuple[np.ndarray, int]:
    """The finite values of ``metric`` in the variant's runs, and how many of its runs have none
    (NaN, infinite, or the metric not recorded at all)."""
    runs = by_task[by_task["variant"] == variant]
    values = runs[metric].to_numpy(dtype=float) if metric in runs.columns else np.full(len(runs), math.nan)
    finite = np.isfinite(values)
    return values[finite], int(np.count_nonzero(~finite))


def _limit_note(family_name: str, by_task: pd.DataFrame, names: list[str]) -> str:
    """'; 5 of 5 growth_only runs hit a size limit ...' for the groups whose runs dropped growth at their capacity
    (the family's ``limit_columns``), so that a size compared there is read as a lower bound; '' otherwise."""
    family = FAMILIES.get(family_name)
    columns = [c for c in (family.limit_columns if family else ()) if c in by_task.columns]
    if not columns:
        return ""
    hits = []
    for name in names:
        runs = by_task[by_task["variant"] == name]
        count = int((runs[columns].fillna(0).to_numpy(dtype=float) > 0).any(axis=1).sum())
        if count:
            hits.append(f"{count} of {len(runs)} {name} runs")
    return (f"; {', '.join(hits)} hit a size limit and dropped growth ({', '.join(columns)}): their sizes are "
            "lower bounds" if hits else "")


def _evaluate_row(claim, task, by_task, versus, settings, config) -> dict:
    check, metric = claim["check"], claim["metric"]
    groups = [(name, *_values(by_task, name, metric)) for name in [claim["group"]] + ([versus] if versus else [])]
    a, b = groups[0][1], groups[-1][1] if versus else np.array([])
    row = {"claim": claim["id"], "task": task, "statement": claim["statement"], "source": claim["source"],
           "family": claim["family"], "metric": metric, "check": check, "group": claim["group"],
           "versus": versus or "", "direction": claim.get("direction", ""), "paper": _per_task(claim["paper"], task),
           "target_low": math.nan, "target_high": math.nan, "n_group": a.size, "n_versus": b.size,
           "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan, "p_holm": math.nan}
    if check in ("value", "ratio", "difference"):
        row["target_low"], row["target_high"] = _band(claim, task)

    absent = [name for name, values, dropped in groups if values.size + dropped == 0]
    if absent:
        return {**row, "verdict": INCONCLUSIVE,
                "reason": f"no runs of {' and '.join(absent)} on {task} in this configuration"}
    blank = [f"{name} ({dropped} runs)" for name, values, dropped in groups if values.size == 0]
    if blank:
        return {**row, "verdict": INCONCLUSIVE,
                "reason": f"no finite value of {metric} in the runs of {' and '.join(blank)} on {task}"}
    dropped = [f"{count} of {name}" for name, _, count in groups if count]
    note = f"; non-finite {metric} dropped: {', '.join(dropped)}" if dropped else ""
    note += _limit_note(claim["family"], by_task, [name for name, _, _ in groups])

    reference = (math.nan, math.nan)
    if check == "value":
        row["estimate"] = float(a.mean())
        row["ci_low"], row["ci_high"] = stats.bootstrap_ci(a, np.mean, config)
    elif check == "difference":
        row["estimate"] = float(a.mean() - b.mean())
        row["ci_low"], row["ci_high"] = stats.diff_ci(a, b, config)
    elif check == "ratio":
        row["estimate"] = float(a.mean() / b.mean()) if b.mean() != 0 else math.nan
        reference = stats.bootstrap_ci(b, np.mean, config)  # the ratio is bounded only where this excludes 0
        if not reference[0] <= 0 <= reference[1]:
            row["ci_low"], row["ci_high"] = stats.two_sample_ci(a, b, stats.mean_ratio, config)
    elif check == "measure":  # the group's mean, or its difference from versus', with the CI; no target
        row["estimate"] = float(a.mean() - b.mean()) if versus else float(a.mean())
        row["ci_low"], row["ci_high"] = stats.diff_ci(a, b, config) if versus else stats.bootstrap_ci(a, np.mean, config)
    elif check == "test":
        row["estimate"] = float(a.mean() - b.mean())
        row["ci_low"], row["ci_high"] = stats.diff_ci(a, b, config)
        row["p_value"] = stats.mann_whitney(a, b, alternative=claim["direction"])[1]
    else:  # spread
        row["estimate"] = float(a.std(ddof=1) - b.std(ddof=1)) if min(a.size, b.size) > 1 else math.nan
        row["p_value"] = _spread_p(a, b)

    verdict, reason = _degenerate(claim, versus, a, b, settings.min_seeds, reference, row["p_value"])
    if verdict:
        return {**row, "verdict": verdict, "reason": reason + note}
    if check == "measure":
        measured = f"{'difference' if versus else 'mean'} {row['estimate']:.4g}, CI [{row['ci_low']:.4g}, {row['ci_high']:.4g}]"
        return {**row, "verdict": ANSWERED, "reason": f"measured, no target (a question the paper asks): {measured}" + note}
    if check in ("value", "ratio", "difference"):
        decided = _interval_verdict(row["ci_low"], row["ci_high"], row["target_low"], row["target_high"])
        return {**row, "verdict": decided["verdict"], "reason": decided["reason"] + note}
    return {**row, "verdict": "", "reason": note}  # tests: decided after the Holm correction (reason appended)


def _degenerate(claim, versus, a, b, min_seeds, reference, p) -> tuple[str, str]:
    """Data on which the check has no answer -> (inconclusive, why); ("", "") otherwise.
    ``reference``: the CI of the mean of ``versus`` (ratio checks), ``p``: the spread test's p."""
    group, check = claim["group"], claim["check"]
    too_few = [f"{name} n={values.size}" for name, values in ((group, a), (versus, b))
               if name and values.size < min_seeds]
    if too_few:
        return INCONCLUSIVE, f"too few seeds ({', '.join(too_few)} < {min_seeds})"
    if check == "ratio" and reference[0] <= 0 <= reference[1]:
        return INCONCLUSIVE, (f"ratio undefined: the CI of the mean of {versus} "
                              f"[{reference[0]:.4g}, {reference[1]:.4g}] includes 0")
    if check == "spread" and np.ptp(a) == 0 and np.ptp(b) == 0:
        return INCONCLUSIVE, f"no spread to compare: {group} and {versus} are both constant"
    if check == "spread" and math.isnan(p):
        return INCONCLUSIVE, (f"no spread difference to test: every seed of {group} and of {versus} lies "
                              f"the same distance from its group's median")
    return "", ""


def _spread_p(a, b) -> float:
    """One-sided Brown-Forsythe test that a varies less than b across seeds; NaN where it is undefined:
    fewer than two seeds, or every seed the same distance from its group's median in both groups."""
    if a.size < 2 or b.size < 2:
        return math.nan
    dev_a, dev_b = np.abs(a - np.median(a)), np.abs(b - np.median(b))
    if np.ptp(dev_a) == 0 and np.ptp(dev_b) == 0:  # t undefined (0/0) or infinite: say so exactly
        gap = dev_a.mean() - dev_b.mean()
        return math.nan if gap == 0 else float(gap > 0)
    # With two groups Brown-Forsythe is a t-test on the absolute deviations from the median.
    with warnings.catch_warnings():  # scipy's "precision loss" when one group's deviations are all equal: exact here
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        return float(sps.ttest_ind(dev_a, dev_b, alternative="less").pvalue)


def _interval_verdict(low, high, target_low, target_high) -> dict:
    if math.isnan(low) or math.isnan(high):
        return {"verdict": INCONCLUSIVE, "reason": "no confidence interval"}
    ci = f"CI [{low:.4g}, {high:.4g}]"
    band = f"[{target_low:.4g}, {target_high:.4g}]"
    if low >= target_low and high <= target_high:
        return {"verdict": REPRODUCED, "reason": f"{ci} inside {band}"}
    if high < target_low or low > target_high:
        return {"verdict": NOT_REPRODUCED, "reason": f"{ci} outside {band}"}
    return {"verdict": INCONCLUSIVE, "reason": f"interval too wide: {ci} straddles {band}"}


def _apply_holm(table: pd.DataFrame, alpha: float) -> None:
    """Holm across every decided test row, then the test verdicts."""
    tests = table["check"].isin(TESTED_CHECKS) & (table["verdict"] == "")
    table.loc[tests, "p_holm"] = stats.holm(table.loc[tests, "p_value"].to_numpy(dtype=float))
    for index in table.index[tests]:
        row = table.loc[index]
        decided, reason = _test_verdict(row, alpha)
        table.loc[index, ["verdict", "reason"]] = [decided, reason + row["reason"]]


def _test_verdict(row: pd.Series, alpha: float) -> list[str]:
    p, p_holm = row["p_value"], row["p_holm"]  # never NaN here: _degenerate decided those rows
    if row["check"] in ("test", "order"):
        floor = stats.min_mann_whitney_p(int(row["n_group"]), int(row["n_versus"]), alternative="greater")
        if floor >= alpha:
            return [INCONCLUSIVE, f"too few seeds: the rank test cannot go below p={floor:.3g}"]
        toward_claim = row["ci_high"] if row["direction"] == "greater" else -row["ci_low"]
        if toward_claim <= 0:
            return [NOT_REPRODUCED, f"the CI of the difference [{row['ci_low']:.4g}, {row['ci_high']:.4g}] "
                                    f"excludes the claimed direction"]
    elif 1 - p < alpha:  # spread: significantly *more* variable
        return [NOT_REPRODUCED, f"{row['group']} varies more than {row['versus']} (one-sided p={1 - p:.3g})"]
    if p_holm < alpha:
        return [REPRODUCED, f"p={p:.3g}, Holm-adjusted {p_holm:.3g} < {alpha}"]
    return [INCONCLUSIVE, f"not significant: Holm-adjusted p={p_holm:.3g}"]
