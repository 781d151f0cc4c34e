"""Evaluate an evolved LNDP on another task (the LNDP seed's proposed transfer experiment).

The source run's best parameters (``best.eqx``) and its variant's settings (from its ``summary.json``) are
evaluated on the target task's own evaluation lifetimes (``lndp.run.evaluation_keys``: the keys every LNDP run and
baseline of the target is scored on), so a transferred score sits beside the target's in-task score and trivial
score under common random numbers. Evaluated on its own task, a run scores exactly its own ``eval_best`` (tested).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from plasticnets.envs import get_task
from plasticnets.io import environment_info, read_json, write_json

log = logging.getLogger(__name__)


def variant_name(source_task: str) -> str:
    """The transfer family's variant: where the parameters were evolved (``from_<source task>``)."""
    return f"from_{source_task}"


def same_interface(source: str, target: str) -> bool:
    """Whether parameters evolved on ``source`` fit ``target``: the same observation size and actions."""
    a, b = get_task(source), get_task(target)
    return (a.obs_size, a.num_actions, a.continuous) == (b.obs_size, b.num_actions, b.continuous)


def run_transfer(source_run: str | Path, target: str, out: str | Path, eval_lifetimes: int,
                 eval_seed: int) -> dict[str, Any]:
    """Evaluate ``source_run``'s best parameters on ``target`` and write ``out/summary.json``."""
    from plasticnets.lndp.run import (_evaluation_summary, build_task, development_density, evaluate_params,
                                      load_params)

    start = time.perf_counter()
    source_run = Path(source_run)
    source = read_json(source_run / "summary.json")
    if not same_interface(source["task"], target):
        raise ValueError(f"{source_run}: parameters evolved on {source['task']} do not fit {target} (other inputs "
                         "or actions); transfer needs tasks with the same observation size and actions")
    task = build_task(target, source["settings"])  # the source's model and lifetime, on the target's environment
    best = load_params(source_run / "best.eqx", task.model.cfg)
    (result,) = evaluate_params(task, [best], eval_lifetimes, eval_seed)
    evaluation = _evaluation_summary(result, development_density(task, best, eval_lifetimes, eval_seed))
    summary = {
        "task": target, "variant": variant_name(source["task"]), "seed": source["seed"],
        "source_task": source["task"], "source_variant": source["variant"], "source_run": str(source_run),
        "settings": source["settings"], "eval_lifetimes": eval_lifetimes, "eval_seed": eval_seed,
        "eval_best": evaluation, "source_eval_best_fitness": source["eval_best"]["fitness_mean"],
        "wall_time_s": time.perf_counter() - start, "environment": environment_info(),
    }
    write_json(Path(out) / "summary.json", summary)
    log.info("%s seed %d on %s: %.2f +- %.2f over %d lifetimes (on its own task: %.2f)", source["task"],
             source["seed"], target, evaluation["fitness_mean"], evaluation["fitness_std"], eval_lifetimes,
             summary["source_eval_best_fitness"])
    return summary
