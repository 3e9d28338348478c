"""The Synapse side of the comparison: a Matrix homeserver from PyPI in its own virtualenv
under var/bench-synapse/, on loopback, with the same workload as Portal's benchmark.

    .venv/bin/python -m bench.synapse setup [--reset] --users 1000 --rooms 100
    .venv/bin/python -m bench.synapse start
    .venv/bin/python -m bench.synapse load --rate 10 --duration 30   # open loop, as bench.loadgen
    .venv/bin/python -m bench.synapse stop

The closed-loop comparison of both servers is bench/saturation.py.
"""
