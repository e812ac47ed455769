"""The opening prover's sumcheck tables: Python entry points over the kernels (chunked sums, folds).

A "combination" of a group is (stack (K, M) base, sel, coeffs): sum_j coeffs[j] stack[sel[j]],
the batching-weighted claimed columns of that group, added block by block into an extension
table. Round sums come back as (4,) uint32 extension elements.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.field.parallel import threads_for
from deepprove_cli.pcs.basefold import kernels as K

_P64 = np.uint64(P)


def _finish(partial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = (partial.sum(axis=0, dtype=np.uint64) % _P64).astype(np.uint32)
    return s[:4].copy(), s[4:].copy()


def _partial(pairs: int) -> np.ndarray:
    return np.empty((K.num_chunks(pairs), 8), dtype=np.uint32)


def _t(e):
    return (np.uint32(e[0]), np.uint32(e[1]), np.uint32(e[2]), np.uint32(e[3]))


def gruen_ext(g, e):
    """(sum_i g[2i] e[i], sum_i g[2i+1] e[i]) for an extension table g (2M, 4) and e (M, 4)."""
    part = _partial(e.shape[0])
    with threads_for(g.size):
        K.k_gruen_ext(g.reshape(-1), e.reshape(-1), part)
    return _finish(part)


def add_stack(g, stack, sel, coeffs) -> None:
    """g += the combination of a base stack (g: (M, 4), in place)."""
    with threads_for(g.size):
        K.k_add_stack(stack.reshape(-1), stack.shape[-1], coeffs.reshape(-1), sel, g.reshape(-1))


def pair_sum(e) -> np.ndarray:
    """e'[i] = e[2i] + e[2i+1]."""
    out = np.empty((e.shape[0] // 2, 4), dtype=np.uint32)
    with threads_for(e.size):
        K.k_pair_sum(e.reshape(-1), out.reshape(-1))
    return out
