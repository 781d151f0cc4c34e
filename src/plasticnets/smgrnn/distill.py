"""Online policy distillation: one Adam step per environment step on the expert's label.

The student drives the environment by default (DAgger with beta = 0); with
``driver="expert"`` the expert acts and the student only learns (behaviour
cloning). Time is organised in blocks of ``student.block_len`` steps (for a
graph student the SPM's clock s, ``check_every``), counted t = 1, 2, ... after
each update: on every step with t mod s != 0 the SPM's growth step runs right
after the update (relay growth, random growth), and the block's last step
(t mod s = 0) is a pruning step (pruning, orphan removal) instead. A final
partial block has growth steps only. For gymnax tasks whole chunks of blocks run
as one compiled program, ``vmap``-ed over seeds. LunarLander steps on the host
with the same jitted per-step update.

A student with capacity buckets (``GraphStudent``, smgrnn/capacity.py) is moved to a larger bucket between
chunks (gymnax: when the last chunk's growth, doubled, would not fit; a chunk in which a growth request found a
bucket below the limit full is rerun in a larger one, so the numbers equal those of a run started there) or
between blocks (host loop: whenever one block's worst-case growth would not fit). Every move is logged and
returned in ``DistillRun.capacity``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from plasticnets.devices import batch_sharding
from plasticnets.envs import HostEnvBatch, get_task, make_gymnax
from plasticnets.experts.policy import ActorCritic, greedy_action
from plasticnets.progress import Progress
from plasticnets.smgrnn.spm import Events

log = logging.getLogger(__name__)

LOSSES = ("cross_entropy", "mse")
DRIVERS = ("student", "expert")
SIZE_COLUMNS = ("hidden", "edges", "params")  # what student.size returns, logged after every block
CHECK_COLUMNS = (*Events._fields, *SIZE_COLUMNS, "step")  # DistillRun.checks: one value per block


@dataclass(frozen=True)
class DistillConfig:
    total_steps: int
    loss: str = "cross_entropy"
    driver: str = "student"
    chunk_blocks: int = 200  # blocks per compiled chunk: progress and snapshot granularity

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"distill.loss={self.loss!r}; allowed: {', '.join(LOSSES)}")
        if self.driver not in DRIVERS:
            raise ValueError(f"distill.driver={self.driver!r}; allowed: {', '.join(DRIVERS)}")
        if self.total_steps < 1:
            raise ValueError(f"distill total_steps must be >= 1, got {self.total_steps}")


def distill_loss(logits: jax.Array, label: jax.Array, kind: str) -> jax.Array:
    """Cross-entropy to the expert's action, or MSE between logits and its one-hot."""
    if kind == "cross_entropy":
        return optax.softmax_cross_entropy_with_integer_labels(logits, label)
    return jnp.mean((logits - jax.nn.one_hot(label, logits.shape[-1])) ** 2)


class StepLog(NamedTuple):
    loss: jax.Array
    done: jax.Array
    finished_return: jax.Array  # the episode's return on the step it ended, else 0


def learn(student, cfg: DistillConfig, state, obs, label):
    """One supervised step on (obs, label); returns (state, loss, student's greedy action)."""
    params = student.params(state)

    def loss_fn(p):
        logits = student.forward(state, p, obs)
        return distill_loss(logits, label, cfg.loss), logits

    (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
    updates, opt_state = student.optimizer.update(grads, state.opt_state, params)
    new_params = optax.apply_updates(params, updates)
    state = student.after_update(state, new_params, opt_state, params)
    return state, loss, jnp.argmax(logits)


class Carry(NamedTuple):
    """Per-seed loop state (every field has a leading seed axis in the vmapped trainer)."""

    student: Any
    env_state: Any
    obs: jax.Array
    episode_return: jax.Array
    key: jax.Array


def _structural_key(key: jax.Array) -> jax.Array:
    # A stream separate from the per-step splits of the same key.
    return jax.random.fold_in(key, 0x5EED)


def make_gymnax_distiller(task: str, student, cfg: DistillConfig, expert: ActorCritic):
    """Return ``init(keys) -> Carry`` and jitted ``run(carry, blocks, block_len) -> (carry, logs)`` over seeds."""
    env, env_params = make_gymnax(task)

    def env_step(carry: Carry):
        """One seed's update and environment step; also returns the key of this step's growth step."""
        key, step_key = jax.random.split(carry.key)
        label = greedy_action(expert, carry.obs)
        state, loss, student_action = learn(student, cfg, carry.student, carry.obs, label)
        action = student_action if cfg.driver == "student" else label
        obs, env_state, reward, terminated, truncated, _ = env.step(step_key, carry.env_state, action, env_params)
        done = terminated | truncated
        episode_return = carry.episode_return + reward
        logs = StepLog(loss, done, jnp.where(done, episode_return, 0.0))
        carry = Carry(state, env_state, obs, jnp.where(done, 0.0, episode_return), key)
        return carry, logs, _structural_key(step_key)

    def step_all(carry: Carry, grow: bool):
        """Every seed's step; on a growth step (t mod s != 0) the SPM's growth step follows the update. It runs
        only when some seed's growth would change something (an unbatched predicate, so a vmapped program does not
        pay for it on the other steps)."""
        carry, logs, keys = jax.vmap(env_step)(carry)
        events = jax.vmap(lambda _: Events.zero())(keys)
        if grow and student.has_growth:
            if keys.shape[0] == 1:  # one seed: unbatched, so the growth step's own lax.conds skip work too
                state, events = student.growth_step(jax.tree.map(lambda x: x[0], carry.student), keys[0])
                state, events = jax.tree.map(lambda x: x[None], (state, events))
            else:
                needed = jax.vmap(student.growth_needed)(carry.student, keys).any()
                state, events = jax.lax.cond(needed, lambda: jax.vmap(student.growth_step)(carry.student, keys),
                                             lambda: (carry.student, events))
            carry = carry._replace(student=state)
        return carry, (logs, events)

    def block(carry: Carry, block_len: int, check: bool):
        """A block of every seed: growth steps, then (if ``check``) a last step that is a pruning step."""
        growth_steps = block_len - 1 if check else block_len
        carry, (logs, events) = jax.lax.scan(lambda c, _: step_all(c, True), carry, None, length=growth_steps)
        if check:
            carry, (last_logs, last_events) = step_all(carry, False)
            logs = jax.tree.map(lambda a, b: jnp.concatenate([a, b[None]]), logs, last_logs)
            events = jax.tree.map(lambda a, b: jnp.concatenate([a, b[None]]), events, last_events)
        logs = jax.tree.map(lambda a: jnp.moveaxis(a, 0, 1), logs)  # [seed, step]
        events = jax.tree.map(lambda a: a.sum(0), events)
        state = jax.vmap(student.end_block)(carry.student)
        if check and student.has_pruning:
            state, pruned = jax.vmap(student.prune_step)(state, jax.vmap(_structural_key)(carry.key))
            events = jax.tree.map(jnp.add, events, pruned)
        carry = carry._replace(student=state)
        sizes = jnp.stack(jax.vmap(student.size)(carry.student), axis=-1)
        return carry, (logs, events, sizes)

    @partial(jax.jit, static_argnames=("blocks", "block_len", "check"))
    def run(carry: Carry, blocks: int, block_len: int, check: bool = True):
        return jax.lax.scan(lambda c, _: block(c, block_len, check), carry, None, length=blocks)

    def init(keys: jax.Array) -> Carry:
        def one(key):
            student_key, env_key, key = jax.random.split(key, 3)
            obs, env_state = env.reset(env_key, env_params)
            return Carry(student.init(student_key), env_state, obs, jnp.zeros(()), key)

        return jax.vmap(one)(keys)

    return init, run


@dataclass
class DistillRun:
    """Host-side result for one seed."""

    state: Any  # final student state (unbatched)
    steps: dict[str, np.ndarray]  # per env step: StepLog fields (loss, done, finished_return)
    checks: dict[str, np.ndarray]  # per block: CHECK_COLUMNS (event counts, hidden, edges, params, step)
    snapshots: list[tuple[int, dict]]  # (env step, student.snapshot) after each chunk
    wall_time_s: float
    student: Any = None  # the student at its final capacity bucket (the one ``state`` fits)
    capacity: dict = field(default_factory=dict)  # bucket moves and chunks rerun (``CapacityLog.summary``)


class CapacityLog:
    """Capacity bucket moves of one run (all seeds of a vmapped program share a bucket): counted and logged."""

    def __init__(self, student, label: str):
        self.label = label
        self.moves: list[dict] = []
        self.reruns = 0
        self.start = _slots(student)

    def moved(self, student, step: int, reason: str) -> None:
        hidden, edges = _slots(student)
        self.moves.append({"step": step, "hidden_slots": hidden, "edge_slots": edges, "reason": reason})
        log.info("%s: capacity bucket -> %d hidden / %d edge slots after %d steps (%s)", self.label, hidden, edges,
                 step, reason)

    def summary(self, student) -> dict:
        hidden, edges = _slots(student)
        return {"start": {"hidden_slots": self.start[0], "edge_slots": self.start[1]},
                "final": {"hidden_slots": hidden, "edge_slots": edges}, "moves": self.moves,
                "chunks_rerun": self.reruns}


def _slots(student) -> tuple[int, int]:
    layout = getattr(student, "layout", None)
    return (layout.max_hidden, layout.max_edges) if layout is not None else (0, 0)


def _growable(student) -> bool:
    return hasattr(student, "can_grow") and student.can_grow()


def _split_seeds(logs, num_seeds: int):
    """[blocks, seed, ...] / [blocks, seed, block_len] logs -> per seed flat arrays."""
    step_logs, events, sizes = logs
    per_seed = []
    for s in range(num_seeds):
        steps = {name: np.asarray(getattr(step_logs, name)[:, s]).reshape(-1) for name in StepLog._fields}
        checks = {name: np.asarray(getattr(events, name)[:, s]) for name in Events._fields}
        for i, name in enumerate(SIZE_COLUMNS):
            checks[name] = np.asarray(sizes[:, s, i])
        per_seed.append((steps, checks))
    return per_seed


def shard_over_devices(tree, num_seeds: int):
    """Split the seed axis over all devices when it divides evenly (plasticnets.devices)."""
    sharding = batch_sharding(num_seeds)
    return tree if sharding is None else jax.device_put(tree, sharding)


def distill_gymnax(task: str, student, cfg: DistillConfig, expert: ActorCritic, seeds: list[int],
                   progress: Progress | None = None) -> list[DistillRun]:
    """Train one student per seed, all seeds in one compiled program (sharded over devices)."""
    start = time.perf_counter()
    programs: dict = {}  # one compiled distiller per capacity bucket

    def distiller(st):
        if st not in programs:
            programs[st] = make_gymnax_distiller(task, st, cfg, expert)
        return programs[st]

    init, _ = distiller(student)
    carry = shard_over_devices(init(jnp.stack([jax.random.PRNGKey(s) for s in seeds])), len(seeds))
    block_len = student.block_len
    full_blocks, remainder = divmod(cfg.total_steps, block_len)
    progress = progress or Progress(f"{task} {len(seeds)} seed(s)", cfg.total_steps, "env steps")
    capacity = CapacityLog(student, f"{task} seeds {seeds}")

    collected = [([], []) for _ in seeds]
    snapshots: list[list] = [[] for _ in seeds]
    done_steps = 0

    def record(logs, n_steps):
        nonlocal done_steps
        for s, (steps, checks) in enumerate(_split_seeds(logs, len(seeds))):
            n_blocks = len(checks["hidden"])
            checks["step"] = done_steps + (np.arange(n_blocks) + 1) * (n_steps // n_blocks)
            collected[s][0].append(steps)
            collected[s][1].append(checks)
        done_steps += n_steps
        for s in range(len(seeds)):
            snapshots[s].append((done_steps, student.snapshot(jax.tree.map(lambda x: x[s], carry.student))))
        progress.update(done_steps)

    def move(st, c, layout, reason):
        st, state = st.moved(c.student, layout)
        c = shard_over_devices(c._replace(student=state), len(seeds))
        capacity.moved(st, done_steps, reason)
        return st, c

    def run_chunk(st, c, blocks, length, check):
        """Run a chunk; while a growth request found a bucket below the limit full, rerun it in a larger one."""
        while True:
            out, logs = distiller(st)[1](c, blocks, length, check)
            if not _growable(st) or not int(logs[1].dropped_no_free_slot.sum()):
                return st, out, logs
            capacity.reruns += 1
            st, c = move(st, c, st.next_bucket(), "a growth request found the bucket full: chunk rerun")

    def make_room(st, c, before, logs):
        """After a chunk: room for the live graph plus twice this chunk's growth (the largest over seeds)."""
        if not _growable(st):
            return st, c
        live = np.asarray(logs[2][-1]).max(0)  # [hidden, edges, params] after the chunk's last block
        grown = np.maximum(live - before, 0)
        layout = st.bucket_for(int(live[0] + 2 * grown[0]), int(live[1] + 2 * grown[1]))
        return move(st, c, layout, "headroom") if layout != st.layout else (st, c)

    sizes_now = lambda c: np.asarray(jnp.stack(jax.vmap(student.size)(c.student), axis=-1)).max(0)  # noqa: E731
    before = sizes_now(carry)
    blocks_left = full_blocks
    while blocks_left:
        n = min(cfg.chunk_blocks, blocks_left)
        student, carry, logs = run_chunk(student, carry, n, block_len, True)
        record(logs, n * block_len)
        blocks_left -= n
        student, carry = make_room(student, carry, before, logs)
        before = sizes_now(carry)
    if remainder:
        student, carry, logs = run_chunk(student, carry, 1, remainder, False)
        record(logs, remainder)

    wall = time.perf_counter() - start
    results = []
    for s in range(len(seeds)):
        steps = {k: np.concatenate([c[k] for c in collected[s][0]]) for k in StepLog._fields}
        checks = {k: np.concatenate([c[k] for c in collected[s][1]]) for k in collected[s][1][0]}
        final = jax.tree.map(lambda x: x[s], carry.student)
        results.append(DistillRun(final, steps, checks, snapshots[s], wall, student, capacity.summary(student)))
    return results


class _HostFunctions(NamedTuple):
    """The jitted calls of the host loop. All but ``size`` donate the student state (their first argument), so the
    window buffers are updated in place. The SPM steps split the key and add their events to the block's totals
    inside the program: per env step the host dispatches two programs, not the ~19 operations of splitting, zeroing
    and adding from Python (LunarLander's graph student: 315 -> 1,390 steps/s, benchmarks/rates.py)."""

    step: Any  # (state, obs) -> (state, loss, action): one supervised step, and the action the driver takes
    growth_step: Any  # (state, key, totals) -> (state, key, totals): steps with t mod s != 0
    block_step: Any  # (state, key, totals) -> (state, key, totals): end_block, then pruning (t mod s = 0)
    size: Any  # state -> (hidden, edges, params)


def _host_functions(student, cfg: DistillConfig, expert: ActorCritic) -> _HostFunctions:
    @partial(jax.jit, donate_argnums=0)  # donate: update the window buffers in place
    def step(state, obs):
        label = greedy_action(expert, obs)
        state, loss, student_action = learn(student, cfg, state, obs, label)
        return state, loss, student_action if cfg.driver == "student" else label

    def add(totals: Events, events: Events) -> Events:
        return Events(*(a + b for a, b in zip(totals, events)))

    @partial(jax.jit, donate_argnums=0)
    def growth_step(state, key, totals):
        """Relay and random growth (called only for students that grow: the key is split only then)."""
        key, grow_key = jax.random.split(key)
        state, events = student.growth_step(state, grow_key)
        return state, key, add(totals, events)

    @partial(jax.jit, donate_argnums=0)
    def block_step(state, key, totals):
        """Commit the window block, then prune (only for students that prune; the key is split only then)."""
        state = student.end_block(state)
        if not student.has_pruning:
            return state, key, totals
        key, check_key = jax.random.split(key)
        state, events = student.prune_step(state, check_key)
        return state, key, add(totals, events)

    return _HostFunctions(step=step, growth_step=growth_step, block_step=block_step, size=jax.jit(student.size))


class _HostRecord:
    """What the host loop records: per env step (loss, done, finished_return) and per block (events, sizes)."""

    def __init__(self, total_steps: int):
        self.loss = np.zeros(total_steps, np.float32)
        self.done = np.zeros(total_steps, bool)
        self.finished_return = np.zeros(total_steps, np.float32)
        self.checks: dict[str, list] = {name: [] for name in CHECK_COLUMNS}
        self.pending_losses: list[jax.Array] = []  # still on the device: fetched in bulk, not once per step

    def step(self, loss: jax.Array) -> None:
        self.pending_losses.append(loss)

    def episode_end(self, t: int, episode_return: float) -> None:
        self.done[t], self.finished_return[t] = True, episode_return

    def block(self, steps_done: int, events: Events, sizes) -> None:
        for name, value in zip(Events._fields, events):
            self.checks[name].append(int(value))
        for name, value in zip(SIZE_COLUMNS, sizes):
            self.checks[name].append(int(value))
        self.checks["step"].append(steps_done)

    def fetch_losses(self, steps_done: int) -> None:
        """Copy the losses of the steps up to ``steps_done`` from the device (one transfer)."""
        self.loss[steps_done - len(self.pending_losses) : steps_done] = jax.device_get(self.pending_losses)
        self.pending_losses = []

    def tables(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        steps = {"loss": self.loss, "done": self.done, "finished_return": self.finished_return}
        return steps, {name: np.asarray(values) for name, values in self.checks.items()}


def distill_host(task: str, student, cfg: DistillConfig, expert: ActorCritic, seed: int,
                 snapshot_every: int, progress: Progress | None = None) -> DistillRun:
    """The same loop for gymnasium tasks: one host environment, jitted update, growth and pruning steps."""
    start = time.perf_counter()
    key = jax.random.PRNGKey(seed)
    student_key, key = jax.random.split(key)
    state = jax.tree.map(jnp.array, student.init(student_key))  # distinct buffers: the steps donate them
    envs = HostEnvBatch(task, 1, seed)
    obs = envs.reset()[0]
    programs: dict = {}  # jitted functions per capacity bucket

    def functions_for(st):
        if st not in programs:
            programs[st] = _host_functions(st, cfg, expert)
        return programs[st]

    capacity = CapacityLog(student, f"{task} seed {seed}")

    def make_room(st, state, sizes, steps_done):
        """Room for one more block's worst-case growth, so that no bucket below the limit ever fills up."""
        if not _growable(st):
            return st, state
        hidden, edges = st.block_reserve()
        layout = st.bucket_for(int(sizes[0]) + hidden, int(sizes[1]) + edges)
        if layout == st.layout:
            return st, state
        st, state = st.moved(state, layout)
        capacity.moved(st, steps_done, "headroom for one block")
        return st, state

    student, state = make_room(student, state, jax.device_get(student.size(state)), 0)
    functions = functions_for(student)
    progress = progress or Progress(f"{task} seed {seed}", cfg.total_steps, "env steps")
    record = _HostRecord(cfg.total_steps)
    snapshots = []
    episode_return = 0.0
    block_len = student.block_len
    block_events = Events.zero()  # summed over the current block, on the device
    try:
        for t in range(cfg.total_steps):
            steps_done = t + 1
            state, loss, action = functions.step(state, obs)
            record.step(loss)
            obs_batch, reward, terminated, truncated, _ = envs.step(np.asarray(action)[None])
            obs = obs_batch[0]
            episode_return += float(reward[0])
            if terminated[0] or truncated[0]:
                record.episode_end(t, episode_return)
                episode_return = 0.0
            if steps_done % block_len:
                if student.has_growth:
                    state, key, block_events = functions.growth_step(state, key, block_events)
            else:
                state, key, block_events = functions.block_step(state, key, block_events)
                sizes = jax.device_get(functions.size(state))
                record.block(steps_done, jax.device_get(block_events), sizes)
                block_events = Events.zero()
                student, state = make_room(student, state, sizes, steps_done)
                functions = functions_for(student)
            if steps_done % snapshot_every == 0 or steps_done == cfg.total_steps:
                record.fetch_losses(steps_done)
                snapshots.append((steps_done, student.snapshot(state)))
                progress.update(steps_done)
    finally:
        envs.close()
    steps, checks = record.tables()
    return DistillRun(state, steps, checks, snapshots, time.perf_counter() - start, student,
                      capacity.summary(student))


def distill(task: str, student, cfg: DistillConfig, expert: ActorCritic, seeds: list[int]) -> list[DistillRun]:
    """Train one student per seed on ``task`` (vmapped for gymnax tasks, sequential on the host)."""
    if get_task(task).backend == "gymnax":
        return distill_gymnax(task, student, cfg, expert, seeds)
    snapshot_every = cfg.chunk_blocks * student.block_len
    return [distill_host(task, student, cfg, expert, seed, snapshot_every) for seed in seeds]
