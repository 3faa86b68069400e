"""Benchmarks of the allocation engine and their baselines (``python -m bench.run``)."""
