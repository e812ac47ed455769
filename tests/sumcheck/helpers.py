"""Shared builders for the sumcheck tests."""

import numpy as np

from deepprove_cli.field.reference import P
from deepprove_cli.sumcheck.problem import SumcheckProblem

from deepprove_cli.transcript import Transcript


def transcript(seed: bytes = b"test"):
    return Transcript(b"sumcheck-test:" + seed)


def table(rng, n, kind):
    """A random base ('b') or ext ('e') table of n variables."""
    return rng.integers(0, P, size=(1 << n, 4) if kind == "e" else (1 << n,), dtype=np.uint32)


def problem(rng, n, kinds, terms=None):
    return SumcheckProblem([table(rng, n, k) for k in kinds], terms)


def ext(rng):
    return rng.integers(0, P, size=4, dtype=np.uint32)
