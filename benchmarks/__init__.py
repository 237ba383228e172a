"""Benchmarks of pulumi-eci-cache (run them as scripts; see RESULTS.md)."""
