"""Folding a base tensor along some of its indices with extension weights (prover kernels).

What every Einsum / Select proof spends its time on: given the output claim's point, an operand's
indices that are not summed in the sumcheck are bound at once, out[a, c] = sum_b w[b] M[a, b, c]
for the operand viewed as (A, B, C) with the bound indices in the middle (w = their eq weights,
truncated to the real sizes: padded rows are zero and never read). Two shapes:

- `C > 1` (`_mid_*`): rows of M are streamed once; each row b adds w[b] * M[a, b, :] into uint64
  accumulators kept as four coefficient planes (contiguous, so the loop vectorizes); every product
  is Barrett-reduced (< 2^31) so 2^33 rows can be summed before overflow. Parallel (large inputs
  only) over (a, block of rows), partial planes summed at the end.
- `C == 1` (`_last_*`): per a, a dot product of a contiguous row with w, the 62-bit products split
  into 32-bit halves summed unreduced (no reduction in the loop). Parallel over a.

Base values in, (A, C, 4) ext out, canonical. `fold_reference` is the pure-Python definition.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from deepprove_cli.field.babybear import P, reduce62

_P64 = np.uint64(P)
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_TWO32 = np.uint64((1 << 32) % P)

# Serial folds stream ~1 ns per element (measured at 1536 x 576); a parallel region costs tens of
# milliseconds on a loaded 2-core box (threads wait for a descheduled sibling), so only folds of
# several milliseconds of serial work go parallel.
PARALLEL_MIN = 1 << 23


@njit(cache=True)
def _mid_block(w, m, B, C, a, b0, b1, acc):
    """acc[k*C + c] += sum_{b in [b0, b1)} reduce(w[b]_k * m[a, b, c]) (four uint64 planes)."""
    for b in range(b0, b1):
        w0 = np.uint64(w[4 * b])
        w1 = np.uint64(w[4 * b + 1])
        w2 = np.uint64(w[4 * b + 2])
        w3 = np.uint64(w[4 * b + 3])
        base = np.uint64((a * B + b) * C)
        for c in range(np.uint64(C)):
            x = np.uint64(m[base + c])
            acc[c] += np.uint64(reduce62(w0 * x))
            acc[np.uint64(C) + c] += np.uint64(reduce62(w1 * x))
            acc[np.uint64(2 * C) + c] += np.uint64(reduce62(w2 * x))
            acc[np.uint64(3 * C) + c] += np.uint64(reduce62(w3 * x))


@njit(cache=True)
def _mid_store(parts, nb, C, a, out):
    """out[a, c, k] = (sum over the nb partial planes of a) mod p."""
    for c in range(C):
        for k in range(4):
            s = np.uint64(0)
            for j in range(nb):
                s += parts[(a * nb + j) * 4 * C + k * C + c] % _P64
            out[(a * C + c) * 4 + k] = np.uint32(s % _P64)


@njit(cache=True)
def _mid_serial(w, m, A, B, C, out):
    acc = np.zeros(4 * C, dtype=np.uint64)
    for a in range(A):
        acc[:] = 0
        _mid_block(w, m, B, C, a, 0, B, acc)
        _mid_store(acc, 1, C, 0, out[a * C * 4:(a + 1) * C * 4])


@njit(cache=True, parallel=True)
def _mid_parallel(w, m, A, B, C, nb, out):
    parts = np.zeros(A * nb * 4 * C, dtype=np.uint64)
    for task in prange(A * nb):
        a = task // nb
        j = task - a * nb
        _mid_block(w, m, B, C, a, j * B // nb, (j + 1) * B // nb, parts[task * 4 * C:(task + 1) * 4 * C])
    for a in prange(A):
        _mid_store(parts, nb, C, a, out)


@njit(cache=True)
def _last_row(w, m, B, a, out):
    """out[a] = sum_b w[b] m[a, b]: 32-bit halves of the products summed unreduced, folded once."""
    h0 = h1 = h2 = h3 = l0 = l1 = l2 = l3 = np.uint64(0)
    base = np.uint64(a * B)
    for b in range(np.uint64(B)):
        x = np.uint64(m[base + b])
        k = b * np.uint64(4)
        t0 = np.uint64(w[k]) * x
        t1 = np.uint64(w[k + np.uint64(1)]) * x
        t2 = np.uint64(w[k + np.uint64(2)]) * x
        t3 = np.uint64(w[k + np.uint64(3)]) * x
        h0 += t0 >> _S32
        h1 += t1 >> _S32
        h2 += t2 >> _S32
        h3 += t3 >> _S32
        l0 += t0 & _M32
        l1 += t1 & _M32
        l2 += t2 & _M32
        l3 += t3 & _M32
    o = a * 4
    out[o] = np.uint32(((h0 % _P64) * _TWO32 + l0 % _P64) % _P64)
    out[o + 1] = np.uint32(((h1 % _P64) * _TWO32 + l1 % _P64) % _P64)
    out[o + 2] = np.uint32(((h2 % _P64) * _TWO32 + l2 % _P64) % _P64)
    out[o + 3] = np.uint32(((h3 % _P64) * _TWO32 + l3 % _P64) % _P64)


@njit(cache=True)
def _last_serial(w, m, A, B, out):
    for a in range(A):
        _last_row(w, m, B, a, out)


@njit(cache=True, parallel=True)
def _last_parallel(w, m, A, B, out):
    for a in prange(A):
        _last_row(w, m, B, a, out)


def fold(m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """out[a, c] = sum_b w[b] m[a, b, c] for a base (A, B, C) uint32 tensor and (B, 4) ext weights.

    Returns (A, C, 4) uint32. B may be 0 (no rows: zeros) ; rows are at most 2^32.
    """
    if m.ndim != 3 or m.dtype != np.uint32:
        raise ValueError(f"fold: expected a 3-D uint32 tensor, got {m.dtype}{m.shape}")
    A, B, C = m.shape
    if w.shape != (B, 4) or w.dtype != np.uint32:
        raise ValueError(f"fold: weights must be ({B}, 4) uint32, got {w.dtype}{w.shape}")
    if B > 1 << 32:
        raise ValueError("fold: at most 2^32 rows")
    out = np.zeros((A, C, 4), dtype=np.uint32)
    if A * C == 0 or B == 0:
        return out
    mf, wf, of = np.ascontiguousarray(m).reshape(-1), np.ascontiguousarray(w).reshape(-1), out.reshape(-1)
    serial = m.size < PARALLEL_MIN
    if C == 1:
        (_last_serial if serial else _last_parallel)(wf, mf, A, B, of)
    elif serial:
        _mid_serial(wf, mf, A, B, C, of)
    else:
        nb = max(1, min(B, -(-2 * numba.get_num_threads() // A)))
        _mid_parallel(wf, mf, A, B, C, nb, of)
    return out


def fold_reference(m, w) -> list:
    """out[a][c] = sum_b w[b] * m[a][b][c] on Python ints (ext 4-tuples): the definition."""
    from deepprove_cli.field.reference import ext_add, ext_mul_base

    A, B, C = np.shape(m)
    out = []
    for a in range(A):
        row = []
        for c in range(C):
            acc = (0, 0, 0, 0)
            for b in range(B):
                acc = ext_add(acc, ext_mul_base(tuple(int(x) for x in w[b]), int(m[a][b][c])))
            row.append(acc)
        out.append(row)
    return out
