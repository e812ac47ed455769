"""CUDA twins (numba-cuda) of the lookup prover's hot kernels: one fraction-tree layer up
(tree.layer_from_ext / layer_from_base) and one GKR layer-sumcheck round (layer_kernels.round_ext /
round_fold_ext), same inputs, same bytes out.

The arithmetic is the field's device twins (`field.cuda`: the njit scalar sources compiled again for
the device), so CPU and GPU cannot drift apart. Kernels are grid-stride loops over flat (4n,) ext
views; a round kernel leaves one reduced partial sum per thread, summed on the host like the CPU
chunks (the chunking never changes an exact sum). Host wrappers take numpy arrays (copied to the
device and back) or device arrays (kept there, for a prover that stays on the GPU). Importing this
module compiles nothing; kernels compile on first use.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from deepprove_cli.field import cuda as fc

d_ld = fc.d_ext_load
d_st = fc.d_ext_store
d_mul = fc.d_ext_mul
d_mul_base = fc.d_ext_mul_base
d_add = fc.NS["ext_add"]
d_sub = fc.NS["ext_sub"]
d_badd = fc.d_add
d_bsub = fc.d_sub
_P64 = np.uint64(fc.P)
ROUND_THREADS = 128
ROUND_BLOCKS = 64


@cuda.jit
def k_layer_from_ext(p, q, out_p, out_q):
    """out[i] = (p_i q_{i+h} + p_{i+h} q_i, q_i q_{i+h}), h = len(out)."""
    h = out_p.size // 4
    for i in range(cuda.grid(1), h, cuda.gridsize(1)):
        q0 = d_ld(q, i)
        q1 = d_ld(q, i + h)
        d_st(out_p, i, d_add(d_mul(d_ld(p, i), q1), d_mul(d_ld(p, i + h), q0)))
        d_st(out_q, i, d_mul(q0, q1))


@cuda.jit
def k_layer_from_base(p, w, alpha, out_p, out_q):
    """The first layer over base leaves (p, q = alpha - w): alpha (A) - B and alpha^2 - alpha C + D."""
    h = out_p.size // 4
    a = (alpha[0], alpha[1], alpha[2], alpha[3])
    a2 = d_mul(a, a)
    for i in range(cuda.grid(1), h, cuda.gridsize(1)):
        p0 = p[i]
        p1 = p[i + h]
        w0 = w[i]
        w1 = w[i + h]
        pa = d_mul_base(a, d_badd(p0, p1))
        b = d_badd(fc.d_mul(p0, w1), fc.d_mul(p1, w0))
        qn = d_sub(a2, d_mul_base(a, d_badd(w0, w1)))
        d_st(out_p, i, (d_bsub(pa[0], b), pa[1], pa[2], pa[3]))
        d_st(out_q, i, (d_badd(qn[0], fc.d_mul(w0, w1)), qn[1], qn[2], qn[3]))


@cuda.jit(device=True)
def _at2(x0, x1):
    return d_sub(d_add(x1, x1), x0)


@cuda.jit(device=True)
def _fold(t, k, r):
    x0 = d_ld(t, k)
    return d_add(x0, d_mul(d_sub(d_ld(t, k + 1), x0), r))


@cuda.jit(device=True)
def _acc(s, k, v):
    s[4 * k] += np.uint64(v[0])
    s[4 * k + 1] += np.uint64(v[1])
    s[4 * k + 2] += np.uint64(v[2])
    s[4 * k + 3] += np.uint64(v[3])


@cuda.jit(device=True)
def _pair(s, e, x00, x01, x10, x11, y00, y01, y10, y11):
    """s += e * (Sa(0), Sb(0), Sa(2), Sb(2)) for one pair (as layer_kernels._eval_pairs)."""
    _acc(s, 0, d_mul(e, d_add(d_mul(x00, y10), d_mul(x10, y00))))
    _acc(s, 1, d_mul(e, d_mul(y00, y10)))
    u0 = _at2(x00, x01)
    u1 = _at2(x10, x11)
    v0 = _at2(y00, y01)
    v1 = _at2(y10, y11)
    _acc(s, 2, d_mul(e, d_add(d_mul(u0, v1), d_mul(u1, v0))))
    _acc(s, 3, d_mul(e, d_mul(v0, v1)))


@cuda.jit(device=True)
def _store_partial(partial, t, s):
    for k in range(16):
        partial[t, k] = np.uint32(s[k] % _P64)


@cuda.jit
def k_round_ext(a0, a1, b0, b1, eq, partial):
    """Round 0 on ext tables: per-thread partial sums (threads, 16)."""
    s = cuda.local.array(16, np.uint64)
    for k in range(16):
        s[k] = 0
    for i in range(cuda.grid(1), eq.size // 4, cuda.gridsize(1)):
        j = 2 * i
        _pair(s, d_ld(eq, i), d_ld(a0, j), d_ld(a0, j + 1), d_ld(a1, j), d_ld(a1, j + 1),
              d_ld(b0, j), d_ld(b0, j + 1), d_ld(b1, j), d_ld(b1, j + 1))
    _store_partial(partial, cuda.grid(1), s)


@cuda.jit
def k_round_fold_ext(a0, a1, b0, b1, r4, d0, d1, d2, d3, eq, partial):
    """Fold ext tables (4 pairs entries) at r into d0..d3 and evaluate the round on the folded pairs."""
    r = (r4[0], r4[1], r4[2], r4[3])
    s = cuda.local.array(16, np.uint64)
    for k in range(16):
        s[k] = 0
    for i in range(cuda.grid(1), eq.size // 4, cuda.gridsize(1)):
        j = 2 * i
        k = 4 * i
        x00 = _fold(a0, k, r)
        x01 = _fold(a0, k + 2, r)
        x10 = _fold(a1, k, r)
        x11 = _fold(a1, k + 2, r)
        y00 = _fold(b0, k, r)
        y01 = _fold(b0, k + 2, r)
        y10 = _fold(b1, k, r)
        y11 = _fold(b1, k + 2, r)
        d_st(d0, j, x00)
        d_st(d0, j + 1, x01)
        d_st(d1, j, x10)
        d_st(d1, j + 1, x11)
        d_st(d2, j, y00)
        d_st(d2, j + 1, y01)
        d_st(d3, j, y10)
        d_st(d3, j + 1, y11)
        _pair(s, d_ld(eq, i), x00, x01, x10, x11, y00, y01, y10, y11)
    _store_partial(partial, cuda.grid(1), s)


# --- host wrappers -------------------------------------------------------------------------------


def _dev(a):
    """(device array, came from host)."""
    if isinstance(a, np.ndarray):
        return cuda.to_device(np.ascontiguousarray(a).reshape(-1)), True
    return a, False


def layer_from_ext(p, q):
    """One layer up from ext fractions (flat (4n,) arrays): (out_p, out_q), each flat (2n,)."""
    (dp, host), (dq, _) = _dev(p), _dev(q)
    h = dp.size // 8
    out_p = cuda.device_array(4 * h, dtype=np.uint32)
    out_q = cuda.device_array(4 * h, dtype=np.uint32)
    k_layer_from_ext[fc.launch_config(h)](dp, dq, out_p, out_q)
    return (out_p.copy_to_host(), out_q.copy_to_host()) if host else (out_p, out_q)


def layer_from_base(p, w, alpha):
    """One layer up from base leaves (p, w of 2h entries, q = alpha - w): flat ext (out_p, out_q)."""
    (dp, host), (dw, _) = _dev(p), _dev(w)
    h = dp.size // 2
    out_p = cuda.device_array(4 * h, dtype=np.uint32)
    out_q = cuda.device_array(4 * h, dtype=np.uint32)
    k_layer_from_base[fc.launch_config(h)](dp, dw, cuda.to_device(np.asarray(alpha, dtype=np.uint32)), out_p, out_q)
    return (out_p.copy_to_host(), out_q.copy_to_host()) if host else (out_p, out_q)


def _partial_array():
    return cuda.device_array((ROUND_BLOCKS * ROUND_THREADS, 16), dtype=np.uint32)


def round_ext(a0, a1, b0, b1, eq) -> np.ndarray:
    """Round 0 on ext tables: partial sums (threads, 16) as numpy, to `layer_kernels.sum_partial`."""
    dev = [_dev(t)[0] for t in (a0, a1, b0, b1, eq)]
    partial = _partial_array()
    k_round_ext[ROUND_BLOCKS, ROUND_THREADS](*dev, partial)
    return partial.copy_to_host()


def round_fold_ext(a0, a1, b0, b1, r, eq):
    """Fold at r and evaluate: (partial sums (threads, 16) numpy, [d0, d1, d2, d3] folded tables)."""
    dev = [_dev(t)[0] for t in (a0, a1, b0, b1, eq)]
    host = isinstance(a0, np.ndarray)
    pairs = dev[4].size // 4
    dst = [cuda.device_array(8 * pairs, dtype=np.uint32) for _ in range(4)]
    partial = _partial_array()
    k_round_fold_ext[ROUND_BLOCKS, ROUND_THREADS](*dev[:4], cuda.to_device(np.asarray(r, dtype=np.uint32)), *dst,
                                                  dev[4], partial)
    return partial.copy_to_host(), [d.copy_to_host() for d in dst] if host else dst
