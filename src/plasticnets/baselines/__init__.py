"""Trivial baselines: what a policy that learns nothing scores under each family's own evaluation. A learning
result means something only above them (run.py computes them, results.py says what their folders mean)."""
