"""Threefry lowered unrolled on the CPU gives the same random numbers as JAX's rolled
lowering (plasticnets.lndp.cpu_threefry). In a subprocess: the switch is process-wide."""

import subprocess
import sys
import textwrap


def test_unrolled_threefry_gives_the_same_bits():
    script = textwrap.dedent("""
        import jax, numpy as np
        from plasticnets.lndp.cpu_threefry import unroll_threefry_on_cpu

        def draws(key):
            keys = jax.random.split(key, 64)
            return (jax.vmap(lambda k: jax.random.split(k, 3))(keys), jax.random.uniform(keys[0], (1000,)),
                    jax.random.normal(keys[1], (7, 5)), jax.random.randint(keys[2], (100,), 0, 2))

        key = jax.random.PRNGKey(123)
        rolled = jax.jit(draws)(key)
        assert "while" in jax.jit(draws).lower(key).as_text()  # rolled: a loop of rounds
        assert unroll_threefry_on_cpu()
        program = jax.jit(lambda k: draws(k))
        assert "while" not in program.lower(key).as_text()
        for a, b in zip(jax.tree.leaves(rolled), jax.tree.leaves(program(key))):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
