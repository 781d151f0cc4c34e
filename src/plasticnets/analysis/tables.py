"""Statistics and claims tables on disk: CSV for machines, LaTeX (booktabs) for the paper.

Reads only ``results/tables/summary.csv`` (one row per run), so every number here can be
recomputed from the tables without touching a run folder.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from plasticnets.analysis import claims as claims_mod
from plasticnets.analysis import stats
from plasticnets.families import FAMILIES
from plasticnets.io import read_csv, write_csv, write_text

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def latex_table(frame: pd.DataFrame, caption: str, label: str) -> str:
    """A booktabs table of already formatted cells (escaped here)."""
    lines = [r"\begin{table}[t]", r"\centering", r"\small", rf"\caption{{{latex_escape(caption)}}}",
             rf"\label{{{label}}}", r"\begin{tabular}{" + "l" * len(frame.columns) + "}", r"\toprule",
             " & ".join(latex_escape(c) for c in frame.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(latex_escape(v) for v in row) + r" \\" for row in frame.itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(lines)


def _num(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "--"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


SUMMARY_KEYS = ("family", "task", "variant", "seed")


def read_summary(path: Path) -> pd.DataFrame:
    """summary.csv (one row per run); a table without the columns that identify a run is an error naming the
    file, before any statistic."""
    summary = read_csv(path)
    missing = [c for c in SUMMARY_KEYS if c not in summary.columns]
    if missing:
        raise ValueError(f"{path} is not a summary table: it lacks column(s) {missing} (made by `plasticnets combine`)")
    return summary


def write_statistics(summary_csv: Path, out_dir: Path, config: stats.StatsConfig) -> None:
    """summary.csv -> groups.csv, tests.csv and one LaTeX table of group statistics per family
    plus tests.tex."""
    summary = read_summary(summary_csv)
    groups = stats.group_table(summary, config)
    tests = stats.comparison_table(summary, config)
    write_csv(out_dir / "groups.csv", groups)
    write_csv(out_dir / "tests.csv", tests)
    for family, descriptor in FAMILIES.items():
        rows = groups[groups["family"] == family] if not groups.empty else groups
        write_text(out_dir / f"{family}_groups.tex", _groups_latex(family, rows, list(descriptor.headline_metrics)))
    write_text(out_dir / "tests.tex", _tests_latex(tests))


def mean_std_table(groups: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """One row per (task, variant): n and "mean ± std" of each metric (-- where it was not measured)."""
    cells = []
    for (task, variant), g in (groups.groupby(["task", "variant"], sort=True) if not groups.empty else []):
        by_metric = g.set_index("metric")
        cells.append([task, variant, int(g["n"].max())] + [
            f"{_num(by_metric.loc[m, 'mean'])} ± {_num(by_metric.loc[m, 'std'])}" if m in by_metric.index else "--"
            for m in metrics])
    return pd.DataFrame(cells, columns=["task", "variant", "n", *metrics])


def _groups_latex(family: str, groups: pd.DataFrame, metrics: list[str]) -> str:
    return latex_table(mean_std_table(groups, metrics), f"{family}: mean ± standard deviation across seeds",
                       f"tab:{family}-groups")


def _tests_latex(tests: pd.DataFrame) -> str:
    columns = ["family", "task", "metric", "comparison", "difference [95% CI]", "Welch p (Holm)", "MWU p (Holm)", "A12"]
    cells = []
    for row in tests.itertuples(index=False) if not tests.empty else []:
        cells.append([row.family, row.task, row.metric, f"{row.group_a} vs {row.group_b}",
                      f"{_num(row.diff)} [{_num(row.diff_ci_low)}, {_num(row.diff_ci_high)}]",
                      f"{_num(row.welch_p)} ({_num(row.welch_p_holm)})", f"{_num(row.mwu_p)} ({_num(row.mwu_p_holm)})",
                      _num(row.a12)])
    return latex_table(pd.DataFrame(cells, columns=columns),
                       "Each variant against the full method: Welch's t and Mann-Whitney U (two-sided), "
                       "Holm-adjusted per family and metric; A12 = P(full > variant)", "tab:tests")


def write_claims(summary_csv: Path, claims_yaml: Path, out_csv: Path, out_tex: Path,
                 config: stats.StatsConfig) -> pd.DataFrame:
    """Check every claim of config/claims.yaml against summary.csv -> claims.csv and claims.tex."""
    settings, claim_list = claims_mod.load_claims(claims_yaml)
    table = claims_mod.evaluate_claims(read_summary(summary_csv), claim_list, settings, config)
    write_csv(out_csv, table)
    cells = [[row.claim, row.task, f"{_num(row.estimate)} [{_num(row.ci_low)}, {_num(row.ci_high)}]", row.paper,
              _num(row.trivial), _num(row.solved), row.verdict] for row in table.itertuples(index=False)]
    frame = pd.DataFrame(cells, columns=["claim", "task", "ours [95% CI]", "paper", "trivial", "solved", "verdict"])
    write_text(out_tex, latex_table(frame, "Paper claims against this reproduction", "tab:claims"))
    return table


def markdown_table(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * len(frame.columns)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def markdown_summary(tables: Path) -> str:
    """The headline numbers of results/tables as Markdown (what docs/results.md quotes): per family and
    task, each variant's headline metrics as mean ± std over seeds, then the claims and their verdicts."""
    groups = read_csv(Path(tables) / "groups.csv")
    parts = []
    for family, descriptor in FAMILIES.items():
        rows = groups[groups["family"] == family]
        if rows.empty:
            continue
        parts.append(f"### {family}\n\n" + markdown_table(mean_std_table(rows, list(descriptor.headline_metrics))))
    claims = read_csv(Path(tables) / "claims.csv").fillna({"versus": ""})
    cells = [[row.claim, row.task, f"{row.group} vs {row.versus}" if row.versus else row.group,
              f"{_num(row.estimate)} [{_num(row.ci_low)}, {_num(row.ci_high)}]", row.paper,
              _num(getattr(row, "trivial", math.nan)), _num(getattr(row, "solved", math.nan)), row.verdict, row.reason]
             for row in claims.itertuples(index=False)]
    parts.append("### claims\n\n" + markdown_table(pd.DataFrame(
        cells, columns=["claim", "task", "groups", "ours [95% CI]", "paper", "trivial", "solved", "verdict", "why"])))
    return "\n\n".join(parts) + "\n"
