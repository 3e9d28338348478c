"""Benchmarks of the browser client in headless Chromium: ``python -m bench.client``
(see bench/client/__main__.py and docs/performance.md, "Browser client")."""
