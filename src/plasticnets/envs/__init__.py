"""Task registry: one interface over gymnax (JAX) and gymnasium (host) environments."""

from plasticnets.envs.registry import TASKS, TaskSpec, UnknownTaskError, get_task
from plasticnets.envs.rollout import HostEnvBatch, evaluate, make_gymnax, make_jax_env

__all__ = ["TASKS", "TaskSpec", "UnknownTaskError", "get_task", "HostEnvBatch", "evaluate", "make_gymnax", "make_jax_env"]
