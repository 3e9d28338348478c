"""Benchmarks and load generators (not part of the test suite); results: docs/performance.md."""
