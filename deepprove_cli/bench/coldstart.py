"""Cold-start costs that a CLI user pays: `dp --help`, and compiling (first run) vs loading cached
(second run) the foundation kernels. Each figure comes from a fresh Python process.

`python -m deepprove_cli.bench.coldstart` touches every foundation kernel once on tiny inputs; run
with a new NUMBA_CACHE_DIR it measures compilation, run again with the same directory it measures
loading from the cache.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time


def touch_kernels() -> None:
    """Call each foundation kernel once on tiny inputs (compiles or loads it)."""
    import numpy as np

    from deepprove_cli.field import ext4_vec, ntt, vec
    from deepprove_cli.hash.blake3 import blake3
    from deepprove_cli.hash.merkle import MerkleTree
    from deepprove_cli.hash.rows import compress_pairs, hash_rows
    from deepprove_cli.transcript import Transcript

    a = np.arange(1, 65, dtype=np.uint32)
    e = np.arange(1, 257, dtype=np.uint32).reshape(64, 4)
    for f in (vec.add, vec.sub, vec.mul):
        f(a, a)
    vec.batch_inv(a)
    vec.inner(a, a)
    ext4_vec.mul(e, e)
    ext4_vec.batch_inv(e)
    ext4_vec.inner_base(e, a)
    ntt.intt(ntt.ntt(a))
    ntt.lde(a, 1)
    blake3(b"x" * 3000)
    hash_rows(a.reshape(8, 8))
    compress_pairs(hash_rows(a.reshape(8, 8)))
    tree = MerkleTree.build(a.reshape(16, 4))
    tree.open([1, 5])
    t = Transcript(b"coldstart")
    t.absorb_base(b"a", a)
    t.challenge_ext(b"c")


def _run(args: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def measure_help(repeat: int) -> list[float]:
    env = dict(os.environ)
    return [_run(["-m", "deepprove_cli", "--help"], env) for _ in range(repeat)]


def measure_compile() -> tuple[float, float, float]:
    """(first run with an empty cache, second run from the cache, bare `import numba`) in seconds."""
    with tempfile.TemporaryDirectory(prefix="dp-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        first = _run(["-m", "deepprove_cli.bench.coldstart"], env)
        second = _run(["-m", "deepprove_cli.bench.coldstart"], env)
        bare = _run(["-c", "import numba"], env)
    return first, second, bare


def median(xs: list[float]) -> float:
    return statistics.median(xs)


if __name__ == "__main__":
    touch_kernels()
