"""Reproducible accuracy and speed benchmarks."""
