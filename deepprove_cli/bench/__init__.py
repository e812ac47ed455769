"""Benchmark suites behind `dp bench SUITE`. Each suite module exposes `run(opts) -> list[Record]`.

Suites import their kernels lazily, so listing suites costs nothing.
"""

SUITES: dict[str, tuple[str, str]] = {
    # name -> (module, one-line description)
}
