"""XLA flags that split a CPU into several XLA devices, set before JAX starts (so this module never imports jax).

XLA:CPU aborts the whole process when one device's thread reaches a collective (the population's all-gather) more
than 40 s after another. That happens on a loaded machine (other jobs, a lower scheduling priority), not only in a
broken program, and it would throw away a run's work since its last checkpoint; an hour still stops a stuck one.
"""

from __future__ import annotations

COLLECTIVE_TIMEOUT_S = 3600


def cpu_device_flags(devices: int) -> str:
    """XLA_FLAGS for ``devices`` CPU devices whose collectives wait up to COLLECTIVE_TIMEOUT_S for a slow peer."""
    return " ".join([
        f"--xla_force_host_platform_device_count={devices}",
        f"--xla_cpu_collective_timeout_seconds={COLLECTIVE_TIMEOUT_S}",
        f"--xla_cpu_collective_call_terminate_timeout_seconds={COLLECTIVE_TIMEOUT_S}",
    ])
