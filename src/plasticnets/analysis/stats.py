"""Statistics across seeds: group summaries, pairwise tests, effect sizes, multiplicity.

The unit of analysis is one seed (one run's headline number); episodes are never
pooled across seeds. Per group: mean, standard deviation, median, interquartile
mean (IQM, the 25 % trimmed mean of rliable) and percentile-bootstrap 95 % CIs.
Per comparison: Welch's t-test and Mann-Whitney U (both two-sided), Holm-corrected
across one family's comparisons, with Vargha-Delaney A12 and Hedges' g as effect
sizes and a bootstrap CI of the difference in means. Protocol and degenerate
cases (constant groups): docs/decisions.md, "Statistics and claims".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from plasticnets.families import FAMILIES


@dataclass(frozen=True)
class StatsConfig:
    """Bootstrap and test settings (config key ``analysis``)."""

    resamples: int = 10_000
    confidence: float = 0.95
    alpha: float = 0.05
    seed: int = 0


def iqm(values) -> float:
    """Interquartile mean: mean of the middle 50 % (scipy's 25 % trimmed mean, as rliable)."""
    return float(stats.trim_mean(np.asarray(values, dtype=float), 0.25))


def _iqm_axis(values, axis=-1):
    return stats.trim_mean(values, 0.25, axis=axis)


def bootstrap_ci(values, statistic=np.mean, config: StatsConfig = StatsConfig()) -> tuple[float, float]:
    """Percentile bootstrap CI of ``statistic`` across seeds; NaN when fewer than two values,
    the value itself when all values are equal (the bootstrap distribution is a point)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return math.nan, math.nan
    low, high = values.min(), values.max()
    if low == high:  # exactly the point (scipy's resampled means of 0.1, 0.1, 0.1 would be 0.10000000000000002)
        return float(low), float(high)
    result = stats.bootstrap((values,), statistic, n_resamples=config.resamples, confidence_level=config.confidence,
                             method="percentile", vectorized=True, rng=np.random.default_rng(config.seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def describe(values, config: StatsConfig = StatsConfig()) -> dict:
    """Summary of one group's per-seed values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    mean_ci = bootstrap_ci(values, np.mean, config)
    iqm_ci = bootstrap_ci(values, _iqm_axis, config)
    return {
        "n": int(values.size),
        "mean": float(values.mean()) if values.size else math.nan,
        "std": float(values.std(ddof=1)) if values.size > 1 else math.nan,
        "median": float(np.median(values)) if values.size else math.nan,
        "iqm": iqm(values) if values.size else math.nan,
        "mean_ci_low": mean_ci[0], "mean_ci_high": mean_ci[1],
        "iqm_ci_low": iqm_ci[0], "iqm_ci_high": iqm_ci[1],
    }


def a12(x, y) -> float:
    """Vargha-Delaney A12 = P(X > Y) + 0.5 P(X = Y): 0.5 is no effect, 1 means X always larger."""
    x, y = np.asarray(x, dtype=float)[:, None], np.asarray(y, dtype=float)[None, :]
    return float(((x > y) + 0.5 * (x == y)).mean())


def hedges_g(x, y) -> float:
    """Standardised mean difference with the small-sample correction; NaN when the pooled SD is zero."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n1, n2 = x.size, y.size
    if n1 < 2 or n2 < 2:
        return math.nan
    if np.ptp(x) == 0 and np.ptp(y) == 0:  # pooled SD zero (x.var() of 0.1, 0.1, 0.1 is 2e-34, not 0)
        return math.nan
    pooled = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    return float((x.mean() - y.mean()) / pooled * (1 - 3 / (4 * (n1 + n2) - 9)))


def welch(x, y) -> tuple[float, float, float]:
    """Welch's t-test (t, df, two-sided p). Two constant groups: p = 1 when equal, NaN when they differ
    (the t statistic is undefined; the rank test still answers)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2 or y.size < 2:
        return math.nan, math.nan, math.nan
    if np.ptp(x) == 0 and np.ptp(y) == 0:  # not x.var() == 0: that is 2e-34 for 0.1, 0.1, 0.1
        return (0.0, math.nan, 1.0) if x[0] == y[0] else (math.nan, math.nan, math.nan)
    result = stats.ttest_ind(x, y, equal_var=False)
    return float(result.statistic), float(result.df), float(result.pvalue)


def mann_whitney(x, y, alternative: str = "two-sided") -> tuple[float, float]:
    """Mann-Whitney U of x against y (U, p); exact when there are no ties and samples are small."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size == 0 or y.size == 0:
        return math.nan, math.nan
    result = stats.mannwhitneyu(x, y, alternative=alternative)
    return float(result.statistic), float(result.pvalue)


def min_mann_whitney_p(n1: int, n2: int, alternative: str = "two-sided") -> float:
    """Smallest p-value the exact Mann-Whitney test can give with these sample sizes:
    with too few seeds no difference can ever be significant (an empty group: 1)."""
    p = 1.0 / math.comb(n1 + n2, n1)
    return min(1.0, 2 * p) if alternative == "two-sided" else p


def holm(pvalues) -> np.ndarray:
    """Holm-Bonferroni step-down adjusted p-values (NaN entries stay NaN and do not count)."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    order = valid[np.argsort(p[valid], kind="stable")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def two_sample_ci(x, y, statistic, config: StatsConfig = StatsConfig()) -> tuple[float, float]:
    """Percentile bootstrap CI of ``statistic(x, y, axis)``, resampling seeds within each group independently;
    NaN with fewer than two seeds in a group, the point itself when both groups are constant."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2 or y.size < 2:
        return math.nan, math.nan
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        point = float(statistic(x[:1], y[:1]))
        return point, point
    result = stats.bootstrap((x, y), statistic, n_resamples=config.resamples, confidence_level=config.confidence,
                             method="percentile", vectorized=True, rng=np.random.default_rng(config.seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def mean_difference(x, y, axis=-1):
    return x.mean(axis=axis) - y.mean(axis=axis)


def mean_ratio(x, y, axis=-1):
    return x.mean(axis=axis) / y.mean(axis=axis)


def diff_ci(x, y, config: StatsConfig = StatsConfig()) -> tuple[float, float]:
    """Bootstrap CI of mean(x) - mean(y)."""
    return two_sample_ci(x, y, mean_difference, config)


def compare(x, y, config: StatsConfig = StatsConfig()) -> dict:
    """Every number one comparison of group x against group y reports (before multiplicity correction)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    t, df, p_welch = welch(x, y)
    u, p_mwu = mann_whitney(x, y)
    low, high = diff_ci(x, y, config)
    return {
        "n_a": int(x.size), "n_b": int(y.size),
        "mean_a": float(x.mean()) if x.size else math.nan, "mean_b": float(y.mean()) if y.size else math.nan,
        "diff": float(x.mean() - y.mean()) if x.size and y.size else math.nan,
        "diff_ci_low": low, "diff_ci_high": high,
        "welch_t": t, "welch_df": df, "welch_p": p_welch,
        "mwu_u": u, "mwu_p": p_mwu,
        "a12": a12(x, y) if x.size and y.size else math.nan, "hedges_g": hedges_g(x, y),
    }


def group_table(summary: pd.DataFrame, config: StatsConfig = StatsConfig()) -> pd.DataFrame:
    """One row per (family, task, variant, metric) with the group's summary statistics."""
    rows = []
    for (family, task, variant), runs in summary.groupby(["family", "task", "variant"], sort=True):
        for metric in FAMILIES[family].headline_metrics if family in FAMILIES else ():
            if metric in runs.columns and runs[metric].notna().any():
                rows.append({"family": family, "task": task, "variant": variant, "metric": metric,
                             **describe(runs[metric], config)})
    return pd.DataFrame(rows)


def comparison_table(summary: pd.DataFrame, config: StatsConfig = StatsConfig()) -> pd.DataFrame:
    """Every variant against its family's reference variant, per task and headline metric.
    Holm correction across the comparisons of one family for one metric (every task and variant:
    the family of tests that answer one question), separately for Welch and Mann-Whitney."""
    rows = []
    for family, descriptor in FAMILIES.items():
        reference = descriptor.reference_variant
        if reference is None:
            continue
        runs = summary[summary["family"] == family]
        for task, by_task in runs.groupby("task", sort=True):
            if reference not in set(by_task["variant"]):
                continue
            base = by_task[by_task["variant"] == reference]
            for variant in sorted(set(by_task["variant"]) - {reference}):
                other = by_task[by_task["variant"] == variant]
                for metric in descriptor.headline_metrics:
                    if metric not in runs.columns or base[metric].isna().all() or other[metric].isna().all():
                        continue
                    rows.append({"family": family, "task": task, "metric": metric, "group_a": reference,
                                 "group_b": variant, **compare(base[metric], other[metric], config)})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    for test in ("welch_p", "mwu_p"):
        table[f"{test}_holm"] = table.groupby(["family", "metric"])[test].transform(lambda p: pd.Series(holm(p), index=p.index))
    return table

