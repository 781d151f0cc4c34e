"""SMGrNN run folders: build the student from a variant's resolved settings, distil, evaluate, write artifacts.

Per task x variant x seed: ``metrics.parquet`` (one row per training episode
and one per block of s steps, ending with its pruning step, told apart by ``record``), ``graph.npz`` (graph
snapshots after each chunk; the last is the final graph) and ``summary.json``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from plasticnets.envs import evaluate, get_task
from plasticnets.experts.policy import load_policy
from plasticnets.io import atomic_path, environment_info, read_json, sha256_file, write_json, write_parquet
from plasticnets.late import late_mean
from plasticnets.smgrnn import graph as g
from plasticnets.smgrnn.baselines import MLPStudent, size_matched_hidden
from plasticnets.smgrnn.distill import DistillConfig, DistillRun, distill
from plasticnets.smgrnn.spm import Events, SPMConfig
from plasticnets.smgrnn.student import GraphStudent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudentPolicy:
    """Greedy policy of a trained student, hashable so compiled evaluators are reused."""

    student: Any

    def __call__(self, state, obs_batch):
        forward = lambda o: self.student.forward(state, self.student.params(state), o)  # noqa: E731
        return jnp.argmax(jax.vmap(forward)(obs_batch), axis=-1)


def build_student(task: str, variant_settings: dict[str, Any]):
    """The student a variant's resolved settings describe (``kind``: graph or mlp)."""
    spec = get_task(task)
    lr = variant_settings["distill"]["lr"]
    if variant_settings["kind"] == "mlp":
        return MLPStudent(spec.obs_size, spec.num_actions, tuple(variant_settings["hidden"]), lr=lr)
    graph = variant_settings["graph"]
    # max_hidden / max_edges: the largest capacity bucket the graph may grow to; it starts in a small one.
    layout = g.Layout(spec.obs_size, spec.num_actions, graph["max_hidden"], graph["max_edges"])
    return GraphStudent(
        layout,
        SPMConfig(**variant_settings["spm"]),
        propagation_steps=graph["propagation_steps"],
        density=graph["density"],
        initial_hidden=graph["initial_hidden"],
        init_scale=graph["init_scale"],
        lr=lr,
    ).starting_small()


def distill_config(variant_settings: dict[str, Any]) -> DistillConfig:
    """The loop a variant's resolved settings describe: budget, loss and who drives."""
    return DistillConfig(total_steps=variant_settings["steps"], loss=variant_settings["distill"]["loss"],
                         driver=variant_settings["distill"]["driver"])


def matched_hidden(task: str, summaries: list[Path]) -> int:
    """Width of the MLP whose parameter count matches the full SMGrNN's final mean."""
    spec = get_task(task)
    params = [read_json(p)["final"]["params"] for p in summaries]
    return size_matched_hidden(spec.obs_size, spec.num_actions, float(np.mean(params)))


def episode_table(run: DistillRun) -> pd.DataFrame:
    """One row per finished training episode, with the network size at its end."""
    done = run.steps["done"]
    end_steps = np.flatnonzero(done) + 1  # env steps completed when each episode ended
    loss_cumsum = np.concatenate([[0.0], np.cumsum(run.steps["loss"], dtype=np.float64)])
    starts = np.concatenate([[0], end_steps[:-1]])
    check_at = np.clip(np.searchsorted(run.checks["step"], end_steps), 0, len(run.checks["step"]) - 1)
    return pd.DataFrame({
        "record": "episode",
        "episode": np.arange(1, len(end_steps) + 1),
        "step": end_steps,
        "return": run.steps["finished_return"][done].astype(float),
        "loss": (loss_cumsum[end_steps] - loss_cumsum[starts]) / (end_steps - starts),
        "hidden": run.checks["hidden"][check_at],
        "edges": run.checks["edges"][check_at],
        "params": run.checks["params"][check_at],
    })


def check_table(run: DistillRun) -> pd.DataFrame:
    columns = ["step", *Events._fields, "hidden", "edges", "params"]
    return pd.DataFrame({c: run.checks[c] for c in columns}).assign(record="check")


def _pad_to(array: np.ndarray, size: int) -> np.ndarray:
    """Dead slots (zeros, False) appended: snapshots taken in a smaller capacity bucket."""
    return np.pad(array, [(0, size - len(array))])


def write_snapshots(path: Path, run: DistillRun, extra: dict[str, Any]) -> None:
    """All snapshots stacked, each padded to the run's largest capacity bucket."""
    arrays = {"snapshot_step": np.asarray([step for step, _ in run.snapshots])}
    for name in run.snapshots[0][1]:
        size = max(len(snap[name]) for _, snap in run.snapshots)
        arrays[name] = np.stack([_pad_to(snap[name], size) for _, snap in run.snapshots])
    arrays.update({k: np.asarray(v) for k, v in extra.items()})
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)


def late_reward(returns: np.ndarray) -> float:
    """Mean return over the late tail of the training episodes (plasticnets.late); NaN if none finished."""
    return late_mean(returns) if len(returns) else float("nan")


def write_metrics(path: Path, run: DistillRun, task: str, variant: str, seed: int) -> pd.DataFrame:
    """Write metrics.parquet (episode rows, then check rows) and return the episode table.

    A loss that became NaN/inf stops the run, after writing the curves (without the task, variant
    and seed columns) for inspection."""
    episodes = episode_table(run)
    curves = pd.concat([episodes, check_table(run)], ignore_index=True)
    if not np.isfinite(episodes["loss"]).all():
        write_parquet(path, curves)
        raise RuntimeError(f"{task} {variant} seed {seed}: the distillation loss became NaN/inf; "
                           f"curves kept in {path} (lower smgrnn.distill.lr)")
    write_parquet(path, curves.assign(task=task, variant=variant, seed=seed))
    return episodes


def snapshot_header(student, kind: str) -> dict[str, Any]:
    """What graph.npz stores beside the snapshots: the student kind and, for a graph, its input/output counts."""
    header: dict[str, Any] = {"kind": kind}
    if isinstance(student, GraphStudent):
        header.update(num_inputs=student.layout.num_inputs, num_outputs=student.layout.num_outputs)
    return header


def spm_totals(run: DistillRun, task: str, variant: str, seed: int) -> dict[str, int]:
    """Each SPM event count summed over the run; warns when growth requests were dropped."""
    totals = {name: int(run.checks[name].sum()) for name in Events._fields}
    if totals["dropped_no_free_slot"] or totals["dropped_by_check_cap"]:
        log.warning("%s %s seed %d: %d growth requests found no free slot and %d exceeded the per-step caps; "
                    "raise smgrnn.graph.max_hidden/max_edges or spm.max_*_per_check to lift them",
                    task, variant, seed, totals["dropped_no_free_slot"], totals["dropped_by_check_cap"])
    return totals


def final_size(student, state) -> dict[str, int]:
    """Hidden units, edges (or weights), parameters and depth of the trained student (``student`` at the
    capacity bucket ``state`` is in: ``DistillRun.student``)."""
    hidden, edges, params = (int(x) for x in student.size(state))
    depth = g.depth(student.layout, state.graph) if isinstance(student, GraphStudent) else len(student.hidden) + 1
    return {"hidden": hidden, "edges": edges, "params": params, "depth": depth}


def expert_info(path: Path, header: dict[str, Any]) -> dict[str, Any]:
    return {"path": str(path), "sha256": sha256_file(path),
            "seed": header.get("seed")}


def evaluation_summary(returns: np.ndarray, episodes: int, seed: int) -> dict[str, Any]:
    return {"episodes": episodes, "seed": seed, "mean": float(returns.mean()), "std": float(returns.std()),
            "returns": returns.tolist()}


def run_distill(task: str, variant: str, seed: int, variant_settings: dict[str, Any], expert_path: Path,
                out: Path, eval_episodes: int, eval_seed: int) -> dict[str, Any]:
    """Distil one student (task, variant, seed) and write its run folder."""
    start = time.perf_counter()
    expert, expert_header = load_policy(expert_path)
    student, cfg = build_student(task, variant_settings), distill_config(variant_settings)
    log.info("%s %s seed %d: distilling for %s env steps", task, variant, seed, f"{cfg.total_steps:,}")
    (run,) = distill(task, student, cfg, expert, [seed])
    student = run.student  # at its final capacity bucket

    episodes = write_metrics(out / "metrics.parquet", run, task, variant, seed)
    write_snapshots(out / "graph.npz", run, snapshot_header(student, variant_settings["kind"]))
    returns = evaluate(task, StudentPolicy(student), run.state, eval_episodes, eval_seed)
    summary = {
        "family": "smgrnn",
        "task": task,
        "variant": variant,
        "seed": seed,
        "settings": variant_settings,
        "expert": expert_info(expert_path, expert_header),
        "environment": environment_info(),
        "train_wall_time_s": run.wall_time_s,
        "wall_time_s": time.perf_counter() - start,
        "env_steps": cfg.total_steps,
        "episodes": len(episodes),
        "late_reward": late_reward(episodes["return"].to_numpy()),
        "eval": evaluation_summary(returns, eval_episodes, eval_seed),
        "final": final_size(student, run.state),
        "spm_totals": spm_totals(run, task, variant, seed),
        "capacity": run.capacity,
    }
    write_json(out / "summary.json", summary)
    log.info("%s %s seed %d: late reward %.1f, greedy %.1f, %d hidden, %d params", task, variant, seed,
             summary["late_reward"], summary["eval"]["mean"], summary["final"]["hidden"], summary["final"]["params"])
    return summary
