"""``plasticnets <command>``: what every Snakemake rule calls, and usable on its own.

Each command takes explicit paths and settings, writes its outputs atomically,
and logs progress to stderr. Run ``plasticnets <command> --help`` for details.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

# Reuse compiled XLA programs across jobs: seeds and variants of a task share shapes. The size limit turns on the
# lock JAX takes around each cache read and write: jobs running side by side never read a half-written program.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path(".jax_cache").resolve()))
os.environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(4 * 2**30))

log = logging.getLogger("plasticnets")


def _json_arg(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not valid JSON ({err}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    return value


MAX_SEED = 2**32 - 1  # as the config schema's seeds: jax.random.PRNGKey keeps only a seed's low 32 bits


def _seed(text: str) -> int:
    expected = f"expected a non-negative integer up to {MAX_SEED} (a seed)"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{expected}, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{expected}, got {value}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _add_run_arguments(p: argparse.ArgumentParser, task_examples: str, *, variant: str | None, seed: str,
                       evaluation: tuple[str, int, str]) -> None:
    """The arguments every training command shares: what to run (task, variant, seed), where to write it, and
    the final evaluation (``--eval-episodes`` or ``--eval-lifetimes``, and ``--eval-seed``)."""
    p.add_argument("--task", required=True, help=f"task id, e.g. {task_examples}")
    if variant is not None:
        p.add_argument("--variant", required=True, help=f"variant name recorded in the outputs (e.g. {variant})")
    p.add_argument("--seed", required=True, type=_seed, help=seed)
    p.add_argument("--out", required=True, help="run folder to write")
    unit, default, meaning = evaluation
    p.add_argument(f"--eval-{unit}", type=int, default=default, help=f"{meaning} (default {default})")
    p.add_argument("--eval-seed", type=_seed, default=1_000_000,
                   help="seed of the final evaluation, shared by every run (default 1000000)")


def cmd_train_expert(args: argparse.Namespace) -> None:
    from plasticnets.experts.run import run_expert

    run_expert(args.task, args.seed, Path(args.out), args.ppo, args.eval_episodes, args.eval_seed)


def cmd_check_expert(args: argparse.Namespace) -> None:
    from plasticnets.experts.run import check_expert

    check_expert(Path(args.summary), Path(args.out), enforce=args.enforce)


def cmd_distill(args: argparse.Namespace) -> None:
    from plasticnets.smgrnn.run import matched_hidden, run_distill

    settings = dict(args.settings)
    if settings.get("kind") == "mlp" and settings.get("hidden") is None:
        if not args.match_params_from:
            raise ValueError("this MLP has no hidden widths: give them in --settings or pass --match-params-from")
        settings["hidden"] = [matched_hidden(args.task, [Path(p) for p in args.match_params_from])]
    run_distill(args.task, args.variant, args.seed, settings, Path(args.expert), Path(args.out),
                args.eval_episodes, args.eval_seed)


def cmd_evolve(args: argparse.Namespace) -> None:
    if args.cpu_devices > 1:
        # Before the first JAX computation: one XLA CPU device per core, so the population
        # is sharded over them (ignored when an accelerator is the default backend).
        from plasticnets.xla_cpu import use_cpu_devices

        use_cpu_devices(args.cpu_devices)
    from plasticnets.lndp.run import run_lndp

    settings = args.settings
    if settings is None:  # --config: resolved here exactly as the workflow resolves it for its rules
        from plasticnets.families import load_project_config
        from plasticnets.lndp.variants import resolve

        settings = resolve(load_project_config([Path(p) for p in args.config])["lndp"], args.task, args.variant)
    run_lndp(args.task, args.variant, args.seed, settings, Path(args.out), args.eval_lifetimes, args.eval_seed,
             checkpoint=args.checkpoint)


def cmd_baselines(args: argparse.Namespace) -> None:
    from plasticnets.baselines.run import run_baselines

    run_baselines(args.task, args.protocol, args.settings, Path(args.out))


def cmd_transfer(args: argparse.Namespace) -> None:
    from plasticnets.transfer.run import run_transfer

    run_transfer(Path(args.source_run), args.task, Path(args.out), args.eval_lifetimes, args.eval_seed)


def cmd_validate_config(args: argparse.Namespace) -> None:
    from plasticnets.analysis.claims_file import check_claims_file
    from plasticnets.families import load_project_config

    config = load_project_config(args.files)
    check_claims_file(config)
    print(f"valid: {' + '.join(args.files)} (claims: {config['analysis']['claims']})")


def cmd_write_config(args: argparse.Namespace) -> None:
    import yaml

    from plasticnets.io import write_text

    write_text(args.out, yaml.safe_dump(args.config, sort_keys=False))
    log.info("wrote %s", args.out)


def cmd_plan(args: argparse.Namespace) -> None:
    from plasticnets.plan import format_plan, log_job_times, make_plan, measured_by_family

    plan = make_plan(args.config, cores=args.cores, rates_path=args.rates)
    measured = wall = None
    if args.compare:
        jobs, wall = log_job_times(Path(args.compare).read_text())
        if not jobs:
            raise ValueError(f"{args.compare}: no finished Snakemake job in it ('Finished jobid' lines)")
        measured = measured_by_family(jobs)
    print(format_plan(plan, measured, wall), end="")
    if args.slurm or args.slurm_max_runtime:
        from plasticnets.plan import format_slurm

        print("\n" + format_slurm(plan, args.slurm_max_runtime), end="")


def cmd_verify(args: argparse.Namespace) -> None:
    from plasticnets.analysis.verify import verify_results

    runs, hashed, problems = verify_results(Path(args.root), use_dvc=args.dvc)
    for line in problems:
        print(line)
    if problems:
        raise ValueError(f"{len(problems)} problem(s) in {runs} run folder(s), the tables and {hashed} hashed "
                         f"file(s) under {Path(args.root) / 'results'} (listed above)")
    dvc = "DVC's hashes checked against dvc.lock" if args.dvc else "DVC not consulted (--no-dvc)"
    print(f"verify: {runs} run folder(s) and the tables are complete and readable; {hashed} file(s) match the "
          f"sha256 recorded when they were written; {dvc}")


def cmd_collect(args: argparse.Namespace) -> None:
    from plasticnets.analysis.collect import collect_family

    collect_family(args.family, [Path(d) for d in args.runs], Path(args.out_runs), Path(args.out_summary))


def cmd_combine(args: argparse.Namespace) -> None:
    from plasticnets.analysis.collect import combine_tables

    combine_tables([Path(p) for p in args.runs], [Path(p) for p in args.summaries], Path(args.out_runs),
                   Path(args.out_summary))


def _stats_config(args: argparse.Namespace):
    import dataclasses

    from plasticnets.analysis.stats import StatsConfig

    known = {f.name for f in dataclasses.fields(StatsConfig)}
    unknown = sorted(set(args.settings) - known)
    if unknown:
        raise ValueError(f"unknown statistics setting(s) {unknown}; known: {', '.join(sorted(known))}")
    return StatsConfig(**args.settings)


def cmd_stats(args: argparse.Namespace) -> None:
    from plasticnets.analysis.tables import write_statistics

    write_statistics(Path(args.summary), Path(args.out_dir), _stats_config(args))


def cmd_claims(args: argparse.Namespace) -> None:
    from plasticnets.analysis.tables import write_claims

    table = write_claims(Path(args.summary), Path(args.claims), Path(args.out), Path(args.out_tex),
                         _stats_config(args))
    counts = table["verdict"].value_counts()
    print(", ".join(f"{n} {verdict}" for verdict, n in counts.items()) + f" ({len(table)} rows)")


def cmd_summarize(args: argparse.Namespace) -> None:
    from plasticnets.analysis.tables import markdown_summary

    print(markdown_summary(Path(args.tables)), end="")


def cmd_figure(args: argparse.Namespace) -> None:
    from plasticnets.figures import make_figure

    make_figure(args.name, Path(args.tables), Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    from plasticnets.families import FAMILIES, all_figures

    parser = argparse.ArgumentParser(prog="plasticnets", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train-expert", help="train one PPO expert and evaluate it greedily",
                       description="Train a PPO expert (JAX) on one task and seed; writes policy.eqx, "
                       "metrics.parquet and summary.json into --out.")
    _add_run_arguments(p, "CartPole-v1, Acrobot-v1, LunarLander-v3", variant=None, seed="training seed",
                       evaluation=("episodes", 100, "episodes of the final greedy evaluation"))
    p.add_argument("--ppo", type=_json_arg, default={},
                   help='PPO settings as a JSON object, e.g. \'{"total_steps": 100000}\'; missing keys take defaults')
    p.set_defaults(func=cmd_train_expert)

    p = sub.add_parser("check-expert", help="the expert gate: does the greedy return reach the solved threshold?",
                       description="Read an expert's summary.json and write an acceptance record. With --enforce, "
                       "an expert below its task's threshold is an error.")
    p.add_argument("--summary", required=True, help="the expert's summary.json")
    p.add_argument("--out", required=True, help="acceptance record to write (JSON)")
    p.add_argument("--enforce", action=argparse.BooleanOptionalAction, default=True,
                   help="fail when the threshold is missed (default: on; smoke scale turns it off)")
    p.set_defaults(func=cmd_check_expert)

    p = sub.add_parser("distill", help="distil an expert into an SMGrNN or MLP student (one seed)",
                       description="Online distillation with the SMGrNN's structural plasticity (or a fixed MLP); "
                       "writes metrics.parquet, graph.npz and summary.json into --out.")
    _add_run_arguments(p, "CartPole-v1", variant="full, static, mlp_32", seed="student seed",
                       evaluation=("episodes", 100, "episodes of the final greedy evaluation"))
    p.add_argument("--settings", required=True, type=_json_arg,
                   help="resolved variant settings as JSON (what plasticnets.smgrnn.variants.resolve returns)")
    p.add_argument("--expert", required=True, help="the expert's policy.eqx")
    p.add_argument("--match-params-from", nargs="+", metavar="SUMMARY",
                   help="summary.json files of full SMGrNN runs: size a one-layer MLP to their mean final parameters")
    p.set_defaults(func=cmd_distill)

    p = sub.add_parser("evolve", help="evolve an LNDP with CMA-ES (one task, variant and seed; resumable)",
                       description="CMA-ES over the LNDP's parameters; writes metrics.parquet, best.eqx, mean.eqx, "
                       "lifetime.parquet and summary.json into --out, and checkpoints into --checkpoint "
                       "(a rerun resumes from it).")
    _add_run_arguments(p, "CartPole-v1 or Foraging-nonstationary", variant="full, no_sp", seed="evolution seed",
                       evaluation=("lifetimes", 200, "fresh lifetimes to evaluate the result on (even on "
                                   "Foraging: half start with the food on each side)"))
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--settings", type=_json_arg,
                        help="resolved variant settings as JSON (what plasticnets.lndp.variants.resolve returns)")
    source.add_argument("--config", nargs="+", metavar="YAML",
                        help="config files merged in order (e.g. config/config.yaml config/lndp_long.yaml): the "
                        "variant's settings are resolved from them")
    p.add_argument("--checkpoint", help="folder of the resumable state (default: <out>/checkpoint); a rerun resumes "
                   "from it, also with a raised generation count")
    p.add_argument("--cpu-devices", type=int, default=1,
                   help="split the CPU into this many XLA devices and shard the population over them")
    p.set_defaults(func=cmd_evolve)

    p = sub.add_parser("baselines", help="a task's trivial baselines under one family's evaluation",
                       description="What a policy that learns nothing scores under the family's own evaluation: "
                       "every constant action (smgrnn protocol) or the empty zero-parameter LNDP (lndp protocol), "
                       "beside the random policy's return, the solved threshold and the ceiling; writes "
                       "summary.json into --out.")
    p.add_argument("--task", required=True, help="task id, e.g. CartPole-v1 or Foraging-nonstationary")
    p.add_argument("--protocol", required=True, choices=["smgrnn", "lndp"], help="whose evaluation to use")
    p.add_argument("--settings", required=True, type=_json_arg,
                   help="the evaluation as JSON: eval_episodes or eval_lifetimes, eval_seed; for lndp also 'full', "
                   "the full variant's resolved settings")
    p.add_argument("--out", required=True, help="folder to write summary.json into")
    p.set_defaults(func=cmd_baselines)

    p = sub.add_parser("transfer", help="an evolved LNDP evaluated on another task (same inputs and actions)",
                       description="The best parameters of an LNDP run (its best.eqx, with the settings its "
                       "summary.json records) evaluated on --task's evaluation lifetimes, the ones every LNDP run "
                       "of that task is scored on; writes summary.json into --out.")
    p.add_argument("--source-run", required=True, help="the LNDP run folder, e.g. results/lndp/Foraging-stationary/full/seed0")
    p.add_argument("--task", required=True, help="the target task, e.g. Foraging-nonstationary")
    p.add_argument("--out", required=True, help="folder to write summary.json into")
    p.add_argument("--eval-lifetimes", type=int, required=True, help="evaluation lifetimes (config lndp.eval_lifetimes)")
    p.add_argument("--eval-seed", type=int, required=True, help="their seed (config lndp.eval_seed)")
    p.set_defaults(func=cmd_transfer)

    p = sub.add_parser("validate-config", help="validate config files (merged in order) and the claims file they name",
                       description="Merge the config files in order and check them against the schema and the "
                       "families' rules, then check the claims file (analysis.claims) against its schema and the "
                       "names the families and configs define. Every problem is listed, one line each.")
    p.add_argument("files", nargs="+", help="config files, e.g. config/config.yaml config/smoke.yaml")
    p.set_defaults(func=cmd_validate_config)

    p = sub.add_parser("write-config", help="write the config a run used (JSON, as Snakemake resolved it) as YAML",
                       description="What results/config.resolved.yaml holds: the merged config, every default "
                       "filled in, in the order Snakemake has it.")
    p.add_argument("--config", type=_json_arg, required=True, help="the resolved config as a JSON object")
    p.add_argument("--out", required=True, help="the YAML file to write")
    p.set_defaults(func=cmd_write_config)

    p = sub.add_parser("plan", help="what a config costs before running it: jobs, core-hours, wall time on N cores",
                       description="Every job the merged config plans (from nothing), per family: its count, "
                       "predicted core-hours and longest job, from the rates measured in benchmarks/rates.json "
                       "(python benchmarks/rates.py); the wall time on --cores cores by list scheduling; the "
                       "assumptions; and a GPU estimate for the expert and LNDP jobs (assumed, not measured). "
                       "Runs nothing.")
    p.add_argument("--config", nargs="+", required=True, metavar="YAML",
                   help="config files merged in order, as validate-config takes them (e.g. config/config.yaml "
                   "config/paper.yaml)")
    p.add_argument("--cores", type=_positive, help="cores to schedule on (default: this machine's, "
                   f"{os.cpu_count()})")
    p.add_argument("--rates", default="benchmarks/rates.json",
                   help="measured rates (default benchmarks/rates.json; made by python benchmarks/rates.py)")
    p.add_argument("--compare", metavar="LOG", help="a Snakemake log of a finished run of this config: print the "
                   "job time it measured per family, and its span, beside the prediction")
    p.add_argument("--slurm", action="store_true", help="also print each rule's SLURM runtime from the plan, as "
                   "--set-resources options for profiles/slurm")
    p.add_argument("--slurm-max-runtime", type=_positive, metavar="MINUTES", help="the cluster's time limit per "
                   "job: runtimes are capped at it, and a longer job's attempts are counted (implies --slurm)")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("verify", help="check that every run folder under results/ is complete and undamaged",
                       description="Every run folder against its family's descriptor (declared outputs present, "
                       "summary keys, parquet columns, finite headline metrics, npz readable, expert hashes), the "
                       "tables readable, every file under results/ against the sha256 recorded beside it when it "
                       "was written (<file>.sha256), and DVC's hashes against dvc.lock where one exists (with this "
                       "environment's DVC). One line per problem; exits 1 when there is any.")
    p.add_argument("--root", default=".", help="project folder holding results/ (default: here)")
    p.add_argument("--dvc", action=argparse.BooleanOptionalAction, default=True,
                   help="also compare tracked outputs with dvc.lock, file by file, with this environment's DVC "
                   "(default: on; publishing turns it off, since new results differ from the old lock by design)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("collect", help="gather run folders of one family into tidy tables")
    p.add_argument("family", choices=list(FAMILIES), help="which family of runs")
    p.add_argument("--runs", nargs="+", required=True, help="run folders (each with summary.json and metrics.parquet)")
    p.add_argument("--out-runs", required=True, help="tidy long table (parquet)")
    p.add_argument("--out-summary", required=True, help="one row per run (csv)")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("combine", help="merge the families' tables into runs.parquet and summary.csv")
    p.add_argument("--runs", nargs="+", required=True, help="<family>_runs.parquet tables")
    p.add_argument("--summaries", nargs="+", required=True, help="<family>_summary.csv tables")
    p.add_argument("--out-runs", required=True, help="combined long table (parquet)")
    p.add_argument("--out-summary", required=True, help="combined one-row-per-run table (csv)")
    p.set_defaults(func=cmd_combine)

    settings_help = ('statistics settings as JSON: resamples, confidence, alpha, seed '
                     '(e.g. \'{"resamples": 10000, "seed": 0}\'); missing keys take defaults')
    p = sub.add_parser("stats", help="group statistics and pairwise tests from summary.csv",
                       description="Per group mean, std, median, IQM with bootstrap CIs (groups.csv); each variant "
                       "against the full method with Welch, Mann-Whitney (Holm-adjusted), A12 and Hedges' g "
                       "(tests.csv); LaTeX tables beside them.")
    p.add_argument("--summary", required=True, help="results/tables/summary.csv")
    p.add_argument("--out-dir", required=True, help="folder for groups.csv, tests.csv and *.tex")
    p.add_argument("--settings", type=_json_arg, default={}, help=settings_help)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("claims", help="check the papers' claims (config/claims.yaml) against summary.csv")
    p.add_argument("--summary", required=True, help="results/tables/summary.csv")
    p.add_argument("--claims", default="config/claims.yaml", help="claims file (default config/claims.yaml)")
    p.add_argument("--out", required=True, help="claims table to write (csv)")
    p.add_argument("--out-tex", required=True, help="LaTeX version of the claims table")
    p.add_argument("--settings", type=_json_arg, default={}, help=settings_help)
    p.set_defaults(func=cmd_claims)

    p = sub.add_parser("summarize", help="print the headline numbers and claim verdicts as Markdown",
                       description="Read groups.csv and claims.csv (after the statistics and claims rules) and print "
                       "Markdown tables, as quoted in docs/results.md.")
    p.add_argument("--tables", default="results/tables", help="folder of tables (default results/tables)")
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("figure", help="draw one paper figure from results/tables")
    p.add_argument("name", choices=sorted(all_figures()), help="figure name")
    p.add_argument("--tables", default="results/tables", help="folder of tidy tables (default results/tables)")
    p.add_argument("--out", required=True, help="output PDF; a PNG is written beside it")
    p.set_defaults(func=cmd_figure)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # PDF font subsetting chatters at INFO
    try:
        args.func(args)
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        # Expected failures (bad input, missing artifact, failed gate): one clear line, no traceback.
        log.debug("details", exc_info=True)
        print(f"plasticnets {args.command}: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
