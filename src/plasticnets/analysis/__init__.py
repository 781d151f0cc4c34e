"""Tidy tables from run folders; statistics and claims build on them."""
