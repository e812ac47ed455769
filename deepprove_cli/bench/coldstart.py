"""Cold-start costs that a CLI user pays: `dp --help`, and compiling (first run) vs loading cached
(second run) the foundation kernels. Each figure comes from a fresh Python process.

`python -m deepprove_cli.bench.coldstart [AREA ...]` runs the warm-ups of the foundation areas (or of
the areas named; deepprove_cli.warmup) once; run with a new NUMBA_CACHE_DIR it measures compilation,
run again with the same directory it measures loading from the cache.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time


# The warm-up areas of the foundation kernels (field ops, NTT, BLAKE3, Merkle, transcript).
FOUNDATION = ("field", "hash")


def touch_kernels(areas=FOUNDATION) -> None:
    """Run the warm-ups of `areas` (deepprove_cli.warmup's registry, the one list of kernel calls): each
    of their kernels once on tiny inputs, which compiles it or loads it from the cache."""
    from deepprove_cli import warmup

    warmup.run_areas(list(areas))


def _run(args: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def measure_help(repeat: int) -> list[float]:
    env = dict(os.environ)
    return [_run(["-m", "deepprove_cli", "--help"], env) for _ in range(repeat)]


def measure_compile(areas=FOUNDATION) -> tuple[float, float, float]:
    """(first run with an empty cache, second run from the cache, bare `import numba`) in seconds, of
    the warm-ups of `areas` (names in deepprove_cli.warmup.REGISTRY; all of them: every kernel)."""
    with tempfile.TemporaryDirectory(prefix="dp-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        first = _run(["-m", "deepprove_cli.bench.coldstart", *areas], env)
        second = _run(["-m", "deepprove_cli.bench.coldstart", *areas], env)
        bare = _run(["-c", "import numba"], env)
    return first, second, bare


def median(xs: list[float]) -> float:
    return statistics.median(xs)


if __name__ == "__main__":
    touch_kernels(sys.argv[1:] or FOUNDATION)
