"""Expert policies: JAX PPO (ppo.py, train.py), the actor-critic MLP the students distil from (policy.py), run
folders (run.py) and what they mean (results.py). Import the submodules: importing this package stays light."""
