import os
import subprocess
import sys

from plasticnets.xla_cpu import cpu_device_flags


def test_jax_accepts_the_cpu_device_flags_and_splits_the_cpu():
    # XLA aborts on a flag it does not know: a jaxlib that renamed the collective timeouts fails here, not mid-run.
    env = {**os.environ, "XLA_FLAGS": cpu_device_flags(2), "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", "import jax; print(len(jax.devices()))"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"


def test_collectives_wait_longer_than_xla_cpus_default_40_seconds():
    flags = cpu_device_flags(3).split()
    assert "--xla_force_host_platform_device_count=3" in flags
    for name in ("xla_cpu_collective_timeout_seconds", "xla_cpu_collective_call_terminate_timeout_seconds"):
        (value,) = [int(f.split("=")[1]) for f in flags if f.startswith(f"--{name}=")]
        assert value >= 600
