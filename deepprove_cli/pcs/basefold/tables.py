"""The opening prover's sumcheck tables: Python entry points over the kernels (chunked sums, folds).

A "combination" of a group is (stack (K, M) base, sel, coeffs): sum_j coeffs[j] stack[sel[j]],
the beta-weighted claimed polynomials of that group, never materialized unless injected into an
extension table. Round sums come back as (4,) uint32 extension elements.
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


def gruen_stack(stack, sel, coeffs, e):
    """(sum_i g[2i] e[i], sum_i g[2i+1] e[i]) for g the combination of a base stack."""
    size = stack.shape[-1]
    part = _partial(size // 2)
    with threads_for(stack.size):
        K.k_gruen_stack(stack.reshape(-1), size, coeffs.reshape(-1), sel, e.reshape(-1), part)
    return _finish(part)


def gruen_ext(g, e):
    """(sum_i g[2i] e[i], sum_i g[2i+1] e[i]) for an extension table g (2M, 4) and e (M, 4)."""
    part = _partial(e.shape[0])
    with threads_for(g.size):
        K.k_gruen_ext(g.reshape(-1), e.reshape(-1), part)
    return _finish(part)


def fold_stack(stack, sel, coeffs, s) -> np.ndarray:
    """The combination of a base stack with x_0 bound to s: (M/2, 4)."""
    size = stack.shape[-1]
    out = np.empty((size // 2, 4), dtype=np.uint32)
    with threads_for(stack.size):
        K.k_fold_stack(stack.reshape(-1), size, coeffs.reshape(-1), sel, _t(s), out.reshape(-1))
    return out


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


def product_sums(w, b):
    """(h(0), h(2)) of h(X) = sum_i W_i(X) B_i(X) (W extension, B base or extension), the line
    through entries 2i, 2i + 1."""
    part = _partial(w.shape[0] // 2)
    with threads_for(w.size):
        if b.ndim == 1:
            K.k_product_sums_base(w.reshape(-1), b, part)
        else:
            K.k_product_sums_ext(w.reshape(-1), b.reshape(-1), part)
    return _finish(part)
