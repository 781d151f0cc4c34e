"""Threefry (the bits behind every ``jax.random`` call) lowered unrolled on the CPU: the
same random numbers, fewer executed loop iterations.

On the CPU, JAX lowers ``threefry2x32`` as a rolled loop of five iterations; XLA executes
each iteration's handful of tiny integer ops as separate steps, so a lifetime step that
splits a population's keys (the step key, gymnax's reset key and draw) pays for about
twenty small operations per call. The lowering JAX uses on accelerators unrolls the same
rounds. Both compute the same integer function, so every key and every random number is
unchanged (tests/test_lndp_cpu_threefry.py); only compilation and execution differ. An
evolution generation of 64 balancing CartPole lifetimes ran 7 % faster on one core
(2026-12-02, benchmarks/lndp_throughput.py's setting).

This changes a process-wide JAX setting through JAX's internal lowering registry; where
that registry is not as expected (another JAX version), nothing changes.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def unroll_threefry_on_cpu() -> bool:
    """Lower threefry unrolled on the CPU from now on (programs compiled before keep theirs);
    returns whether it took effect."""
    try:
        from jax._src.interpreters import mlir
        from jax._src.random import threefry2x32 as threefry

        mlir.register_lowering(threefry.threefry2x32_p, threefry._threefry2x32_lowering_rule, platform="cpu")
    except (ImportError, AttributeError) as err:  # pragma: no cover - depends on the JAX version
        log.info("threefry stays rolled on the CPU: %s", err)
        return False
    return True
