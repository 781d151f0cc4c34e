"""Split a CPU into several XLA devices, before JAX starts (the flags are read once, when JAX creates its CPU client).

XLA:CPU aborts the whole process when one device's thread reaches a collective (the population's all-gather) more
than 40 s after another. That happens on a loaded machine (other jobs, a lower scheduling priority), not only in a
broken program, and it would throw away a run's work since its last checkpoint; an hour still stops a stuck one.

Computations run synchronously (JAX's ``jax_cpu_enable_async_dispatch`` off), so no device has work queued behind
the Python thread. A test run on 2 cores once hung for good with asynchronous dispatch: one device waited in an
all-reduce for its peer, whose part of the same program could not start because it waited for one of the
device's in-flight slots (``max_inflight_computations_semaphore``, native stacks read with gdb). Synchronous
dispatch measured no slower on the two-device tests (13.4 s against 13.1 s, 27.0 s against 27.0 s).
"""

from __future__ import annotations

import os

COLLECTIVE_TIMEOUT_S = 3600


def cpu_device_flags(devices: int) -> str:
    """XLA_FLAGS for ``devices`` CPU devices whose collectives wait up to COLLECTIVE_TIMEOUT_S for a slow peer."""
    return " ".join([
        f"--xla_force_host_platform_device_count={devices}",
        f"--xla_cpu_collective_timeout_seconds={COLLECTIVE_TIMEOUT_S}",
        f"--xla_cpu_collective_call_terminate_timeout_seconds={COLLECTIVE_TIMEOUT_S}",
    ])


def use_cpu_devices(devices: int) -> None:
    """Make this process's CPU ``devices`` XLA devices (added to any XLA_FLAGS already set), dispatched
    synchronously. Call it before the first JAX computation; it has no effect once JAX has created its CPU client."""
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {cpu_device_flags(devices)}".strip()
    import jax

    jax.config.update("jax_cpu_enable_async_dispatch", False)
