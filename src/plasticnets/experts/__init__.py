"""Expert policies: JAX PPO and the actor-critic MLP the students distil from."""

from plasticnets.experts.policy import ActorCritic, greedy_action, load_policy, save_policy
from plasticnets.experts.ppo import PPOConfig

__all__ = ["ActorCritic", "PPOConfig", "greedy_action", "load_policy", "save_policy"]
