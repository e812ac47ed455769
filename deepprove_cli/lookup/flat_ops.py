"""Ext additions for the lookup kernels (the rest of the flat-array toolkit is `poly.flat`).

How the kernels stay fast and quick to compile (measured, one pair of the layer round = 10 ext
products): a loop calling a helper that itself calls `ext_mul` keeps real calls (LLVM will not
inline that much) and runs at 597 ns; writing the `ext_mul`s (inline="always" in field.ext4)
directly in the loop, with tiny helpers and accumulators kept as tuples of uint64 scalars
(`poly.flat.acc4`), runs at 31 ns. Wrapping the products in inline="always" helpers nested two
deep gives the same speed but 86 s to compile one kernel instead of ~10 s: so kernels here write
their products out. LLVM vectorizes a loop only with few load streams (measured: two ext products
reading p and q at i and i + h, 38 ns per entry; split into passes of at most three streams, 12 ns).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from deepprove_cli.field.babybear import P
from deepprove_cli.poly.flat import add64, sub64

_P64 = np.uint64(P)


@njit(cache=True)
def eadd(a, b):
    """a + b for ext 4-tuples, in 64-bit lanes."""
    return (add64(a[0], b[0]), add64(a[1], b[1]), add64(a[2], b[2]), add64(a[3], b[3]))


@njit(cache=True)
def esub(a, b):
    return (sub64(a[0], b[0]), sub64(a[1], b[1]), sub64(a[2], b[2]), sub64(a[3], b[3]))


@njit(cache=True)
def put_sum(out, k, s):
    """out[4k .. 4k+3] = the four uint64 sums s, reduced."""
    out[4 * k] = np.uint32(s[0] % _P64)
    out[4 * k + 1] = np.uint32(s[1] % _P64)
    out[4 * k + 2] = np.uint32(s[2] % _P64)
    out[4 * k + 3] = np.uint32(s[3] % _P64)
