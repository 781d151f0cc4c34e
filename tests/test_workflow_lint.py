"""The workflow passes `snakemake --lint`, except its advice to give each rule a conda environment or container
(the environment is requirements.lock, installed by `make setup`)."""

import re

from .conftest import ROOT, snakemake

ACCEPTED = "Specify a conda environment or container for each rule."


def lints(text: str) -> list[str]:
    """The lint titles (`    * <title>:` lines) of Snakemake's text report."""
    return [m.group(1) for m in re.finditer(r"^    \* (.+?):?$", text, re.M)]


def test_lint_reports_only_the_conda_advice():
    result = snakemake(ROOT, "--lint", check=False)
    found = lints(result.stdout + result.stderr)
    assert found, "no lint parsed: has Snakemake's lint format changed?\n" + result.stderr[-2000:]
    assert [title for title in found if title != ACCEPTED] == [], result.stderr


def test_lint_parser_sees_other_lints():
    report = ("Lints for snakefile x.smk:\n    * Mixed rules and functions in same snakefile.:\n      text\n"
              f"Lints for rule a (line 1, x.smk):\n    * {ACCEPTED}:\n      text\n")
    assert lints(report) == ["Mixed rules and functions in same snakefile.", ACCEPTED]
