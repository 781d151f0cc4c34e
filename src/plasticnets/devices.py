"""Spreading a batch (seeds, population members) over every device JAX has.

CPU cores count as devices when XLA_FLAGS=--xla_force_host_platform_device_count=N is
set before JAX starts; on an accelerator machine the devices are the accelerators.
"""

from __future__ import annotations

import jax
import numpy as np


def batch_sharding(size: int):
    """Split axis 0 of a batch of ``size`` over all devices, or None when there is one
    device or the batch does not divide evenly (it then stays on one device)."""
    devices = jax.devices()
    if len(devices) == 1 or size % len(devices):
        return None
    mesh = jax.sharding.Mesh(np.array(devices), ("batch",))
    return jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))


def replicated(sharding: jax.sharding.NamedSharding) -> jax.sharding.NamedSharding:
    """The same devices with nothing split (state every shard needs whole)."""
    return jax.sharding.NamedSharding(sharding.mesh, jax.sharding.PartitionSpec())
