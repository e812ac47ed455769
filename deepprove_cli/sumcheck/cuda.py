"""CUDA twins (numba-cuda) of the sumcheck's per-round work: the fold (binding one variable) and the
round reduction of the plain product of 2 or 3 tables, plus a prover that keeps the tables on the GPU.

Same arithmetic as the CPU: the inline helpers of poly/flat.py (fold, line extension, 64-bit-lane
add/sub) are compiled again as device functions from their own Python source, on top of the field's
device twins (field/cuda.py), so the two cannot drift apart.

Reduction: each thread walks its pairs with a grid-stride loop (consecutive threads read consecutive
pairs: coalesced), keeps per-point uint64 sums of reduced products in registers, reduces them mod p,
then the block sums them in shared memory (a tree, THREADS / 2 .. 1) and thread 0 writes the block's
row; the host adds the rows (few: at most MAX_BLOCKS). The GPU prover runs the standard rounds (no
small-value round 1: the GPU has the throughput, and fewer kernels) and yields the CPU's proof bytes.
Importing this module compiles nothing; kernels compile on first use.
"""

from __future__ import annotations

import numpy as np
from numba import cuda, uint64

from deepprove_cli.field import cuda as fcuda
from deepprove_cli.field.babybear import P
from deepprove_cli.poly import flat
from deepprove_cli.sumcheck.kernels import round_values
from deepprove_cli.sumcheck.problem import SumcheckProblem, to_ext
from deepprove_cli.sumcheck.proof import LABEL_CHALLENGE, LABEL_CLAIM, LABEL_ROUND, SumcheckProof

THREADS = 128  # threads per block (the shared reduction array is THREADS x 12 uint64 = 12 KiB)
MAX_BLOCKS = 1024
WIDTH = 12  # per-thread sums: up to 3 points x 4 coefficients
BASE2, BASE3, EXT2, EXT3 = 0, 1, 2, 3

NS = dict(vars(flat))
NS.update(fcuda.NS)
NS["ld"] = fcuda.NS["ext_load"]
NS["st"] = fcuda.NS["ext_store"]
for _name in ("add64", "sub64", "ext_add64", "line_next_base", "line_next", "fold_base", "fold_ext"):
    NS[_name] = fcuda.device_twin(getattr(flat, _name), NS)
d_ld, d_st = NS["ld"], NS["st"]
d_fold_base, d_fold_ext = NS["fold_base"], NS["fold_ext"]
d_line_next, d_line_next_base = NS["line_next"], NS["line_next_base"]
d_mul, d_ext_mul = fcuda.NS["mul"], fcuda.NS["ext_mul"]
_P64 = np.uint64(P)


@cuda.jit
def k_fold_first(t, r, out, ext):
    """out[i] = t[2i] + r (t[2i+1] - t[2i]) (t base or, with `ext`, flat ext; r a (4,) array)."""
    rr = (r[0], r[1], r[2], r[3])
    for i in range(cuda.grid(1), out.size // 4, cuda.gridsize(1)):
        if ext:
            d_st(out, i, d_fold_ext(d_ld(t, 2 * i), d_ld(t, 2 * i + 1), rr))
        else:
            d_st(out, i, d_fold_base(t[2 * i], t[2 * i + 1], rr))


@cuda.jit(device=True)
def _acc_ext(acc, p, v):
    for q in range(4):
        acc[4 * p + q] += uint64(v[q])


@cuda.jit(device=True)
def _pair_sums(kind, a, b, d, i, acc):
    """Add pair i's products at t = 0, 2[, 3] to the thread's sums (layout [point][coefficient])."""
    if kind == BASE2 or kind == BASE3:
        a0, a1, b0, b1, d0, d1 = a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1], d[2 * i], d[2 * i + 1]
        a2, b2, d2 = d_line_next_base(a0, a1), d_line_next_base(b0, b1), d_line_next_base(d0, d1)
        if kind == BASE2:
            acc[0] += uint64(d_mul(a0, b0))
            acc[4] += uint64(d_mul(a2, b2))
        else:
            acc[0] += uint64(d_mul(d_mul(a0, b0), d0))
            acc[4] += uint64(d_mul(d_mul(a2, b2), d2))
            acc[8] += uint64(d_mul(d_mul(d_line_next_base(a1, a2), d_line_next_base(b1, b2)),
                                   d_line_next_base(d1, d2)))
    else:
        a0, a1, b0, b1 = d_ld(a, 2 * i), d_ld(a, 2 * i + 1), d_ld(b, 2 * i), d_ld(b, 2 * i + 1)
        a2, b2 = d_line_next(a0, a1), d_line_next(b0, b1)
        if kind == EXT2:
            _acc_ext(acc, 0, d_ext_mul(a0, b0))
            _acc_ext(acc, 1, d_ext_mul(a2, b2))
        else:
            d0, d1 = d_ld(d, 2 * i), d_ld(d, 2 * i + 1)
            d2 = d_line_next(d0, d1)
            _acc_ext(acc, 0, d_ext_mul(d_ext_mul(a0, b0), d0))
            _acc_ext(acc, 1, d_ext_mul(d_ext_mul(a2, b2), d2))
            _acc_ext(acc, 2, d_ext_mul(d_ext_mul(d_line_next(a1, a2), d_line_next(b1, b2)), d_line_next(d1, d2)))


@cuda.jit
def k_product_round(kind, a, b, d, half, out):
    """out[block] = this block's round sums of the product (WIDTH uint64 < p each)."""
    sh = cuda.shared.array((THREADS, WIDTH), dtype=uint64)
    acc = cuda.local.array(WIDTH, dtype=uint64)
    for q in range(WIDTH):
        acc[q] = 0
    for i in range(cuda.grid(1), half, cuda.gridsize(1)):
        _pair_sums(kind, a, b, d, i, acc)
    tid = cuda.threadIdx.x
    for q in range(WIDTH):
        sh[tid, q] = acc[q] % _P64
    cuda.syncthreads()
    stride = THREADS // 2
    while stride > 0:
        if tid < stride:
            for q in range(WIDTH):
                sh[tid, q] += sh[tid + stride, q]
        cuda.syncthreads()
        stride //= 2
    if tid == 0:
        for q in range(WIDTH):
            out[cuda.blockIdx.x, q] = sh[0, q] % _P64


def _blocks(items: int) -> int:
    return max(1, min(MAX_BLOCKS, (items + THREADS - 1) // THREADS))


def fold_first(d_table, r, ext: bool, d_out=None):
    """Bind x_0 = r of a device table (flat; base or ext): a flat ext device array of half the entries."""
    entries = d_table.size // (4 if ext else 1)
    if d_out is None:
        d_out = cuda.device_array((entries // 2) * 4, dtype=np.uint32)
    k_fold_first[_blocks(entries // 2), THREADS](d_table, np.asarray(r, dtype=np.uint32), d_out, ext)
    return d_out


def product_round(d_tables, ext: bool) -> np.ndarray:
    """The round sums (1, npts * 4) of the product of 2 or 3 device tables (flat, one kind)."""
    k = len(d_tables)
    kind = (EXT2 if k == 2 else EXT3) if ext else (BASE2 if k == 2 else BASE3)
    a, b = d_tables[0], d_tables[1]
    d = d_tables[2] if k == 3 else b
    half = a.size // (4 if ext else 1) // 2
    blocks = _blocks(half)
    d_out = cuda.device_array((blocks, WIDTH), dtype=np.uint64)
    k_product_round[blocks, THREADS](kind, a, b, d, half, d_out)
    rows = d_out.copy_to_host()
    return (rows.sum(axis=0, dtype=np.uint64) % _P64)[: 4 * k].reshape(1, 4 * k)


def prove_product(problem: SumcheckProblem, claim, transcript):
    """The GPU twin of `prover.prove` for the plain product of 2 or 3 tables of one kind: the same
    (proof, point, evaluations), with every table and fold on the device."""
    f = problem.terms[0].factors if len(problem.terms) == 1 else ()
    if len(f) not in (2, 3) or sorted(f) != list(range(len(problem.tables))) or problem.num_vars == 0:
        raise ValueError("prove_product: the plain product of 2 or 3 tables (each once), n >= 1")
    ext = problem.tables[0].ndim == 2
    if any((t.ndim == 2) != ext for t in problem.tables):
        raise ValueError("prove_product: tables of one kind (all base or all ext)")
    n, degree = problem.num_vars, len(f)
    coeffs = problem.terms[0].coeff.reshape(1, 4)
    tabs = [cuda.to_device(np.ascontiguousarray(problem.tables[j]).reshape(-1)) for j in f]
    # two device buffers per table (2^(n-1) and 2^(n-2) ext entries), folded into alternately
    bufs = [[cuda.device_array(2 << n, dtype=np.uint32), cuda.device_array(max(4, 1 << n), dtype=np.uint32)]
            for _ in f]
    transcript.absorb_ext(LABEL_CLAIM, to_ext(claim).reshape(1, 4))
    rounds = np.zeros((n, degree, 4), dtype=np.uint32)
    point = np.zeros((n, 4), dtype=np.uint32)
    for j in range(n):
        if j:
            size = 4 << (n - j)  # words of each folded table
            tabs = [fold_first(t, point[j - 1], ext, b[(j - 1) % 2][:size]) for t, b in zip(tabs, bufs)]
            ext = True
        rounds[j] = round_values(product_round(tabs, ext), coeffs, degree, 4)
        transcript.absorb_ext(LABEL_ROUND, rounds[j])
        point[j] = np.asarray(transcript.challenge_ext(LABEL_CHALLENGE), dtype=np.uint32).reshape(4)
    evals = np.empty((len(f), 4), dtype=np.uint32)
    for j, t in zip(f, tabs):
        evals[j] = fold_first(t, point[n - 1], ext).copy_to_host()
    return SumcheckProof(rounds), point, evals
