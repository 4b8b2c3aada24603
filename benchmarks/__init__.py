"""reviewflow's benchmark suite: each case measures the library and a raw-driver floor in one run.

Run it with ``python -m benchmarks`` (``make bench``); ``--size tiny`` is the CI smoke run.
See docs/performance.md for the figures and what each case and floor does.
"""
