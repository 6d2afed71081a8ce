"""Benchmarks: each compares against a reference in the same run and prints ratios."""
