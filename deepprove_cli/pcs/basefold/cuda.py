"""CUDA twins of the opening prover's kernels over full-size data: the binary fold and the
combination of a group's codewords with the batching coefficients, and the point reduction's
passes over committed columns (the claim sums against split eq weights, the many-variable bind).

As in `field.cuda`, the arithmetic is not written twice: `fold_pair` and `half` of kernels.py are
compiled again as device functions (`field.cuda.device_twin`) in a namespace where the field's
scalar ops are their device versions, so CPU and GPU give the same bytes. Kernels are grid-stride
loops over output positions (consecutive threads, consecutive words). Host wrappers take numpy
arrays (results come back) or device arrays (results stay on the device). Importing this module
compiles nothing.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from deepprove_cli.errors import InputError
from deepprove_cli.field import cuda as fc
from deepprove_cli.pcs.basefold import kernels as K

NS = dict(vars(K))
NS.update({name: fc.NS[name] for name in ("add", "sub", "reduce62", "reduce64", "ext_load", "ext_store",
                                           "ext_add", "ext_sub", "ext_mul", "ext_mul_base")})
NS["ld"] = fc.NS["ext_load"]
NS["st"] = fc.NS["ext_store"]
NS["half"] = fc.device_twin(K.half, NS)
d_fold_pair = NS["fold_pair"] = fc.device_twin(K.fold_pair, NS)
for _name in ("_acc", "_acc_masked", "_red4", "ext_sub"):
    NS[_name] = fc.device_twin(getattr(K, _name), NS)
d_acc, d_acc_masked, d_red4, d_ext_sub = NS["_acc"], NS["_acc_masked"], NS["_red4"], NS["ext_sub"]
d_ext_mul = fc.NS["ext_mul"]
d_ld = fc.NS["ext_load"]
d_st = fc.NS["ext_store"]
d_ext_add = fc.NS["ext_add"]
d_ext_mul_base = fc.NS["ext_mul_base"]


@cuda.jit
def k_fold(cw, s, tw, out):
    """out[i] = fold of positions 2i, 2i + 1 of an extension codeword (flat views), challenge s (4,)."""
    sv = (s[0], s[1], s[2], s[3])
    for i in range(cuda.grid(1), out.size // 4, cuda.gridsize(1)):
        d_st(out, i, d_fold_pair(d_ld(cw, 2 * i), d_ld(cw, 2 * i + 1), sv, tw[i]))


@cuda.jit
def k_combine_codewords(m, size, coeffs, sel, out):
    """out[x] = sum_j coeffs[j] m[sel[j], x]: the combined codeword (flat ext) of a group's
    codewords (K, size), column-major."""
    for x in range(cuda.grid(1), out.size // 4, cuda.gridsize(1)):
        acc = (np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))
        for j in range(sel.size):
            acc = d_ext_add(acc, d_ext_mul_base(d_ld(coeffs, j), m[sel[j] * size + x]))
        d_st(out, x, acc)


@cuda.jit
def k_claim_sums(t, ext, low, high, nclaims, lo_bits, bit, out):
    """out[xh, c] = high block xh's share of claim c's (S_0, S_1) (kernels.k_claim_sums; the host
    sums over xh): one thread per (high index, claim)."""
    n_low = 1 << lo_bits
    n_high = out.shape[0]
    z = np.uint64(0)
    for item in range(cuda.grid(1), n_high * nclaims, cuda.gridsize(1)):
        xh = item // nclaims
        c = item - xh * nclaims
        total = (z, z, z, z)
        part = total
        for x in range(n_low):
            w = d_ld(low, c * n_low + x)
            i = xh * n_low + x
            v = d_ext_mul(w, d_ld(t, i)) if ext else d_ext_mul_base(w, t[i])
            total, part = d_acc_masked(total, part, v, np.uint64((x >> bit) & 1))
        h = d_ld(high, c * n_high + xh)
        s1 = d_ext_mul(d_red4(part), h)
        s0 = d_ext_sub(d_ext_mul(d_red4(total), h), s1)
        for k in range(4):
            out[xh, c, k] = s0[k]
            out[xh, c, 4 + k] = s1[k]


@cuda.jit
def k_fold_low(t, w, nbits, out):
    """out[y] = sum_{b < 2^nbits} w[b] t[y 2^nbits + b] (kernels.k_fold_low): one thread per y."""
    m = 1 << nbits
    z = np.uint64(0)
    for y in range(cuda.grid(1), out.size // 4, cuda.gridsize(1)):
        acc = (z, z, z, z)
        for b in range(m):
            acc = d_acc(acc, d_ext_mul_base(d_ld(w, b), t[y * m + b]))
        d_st(out, y, d_red4(acc))


def _dev(a, dtype=np.uint32):
    """(device view, came from the host)."""
    if isinstance(a, np.ndarray):
        return cuda.to_device(np.ascontiguousarray(a, dtype=dtype).reshape(-1)), True
    return a.reshape(a.size), False


def fold(codeword, s, tw):
    """One binary fold of an extension codeword (2^L, 4) (numpy or device) with challenge s."""
    n = codeword.shape[0] if codeword.ndim == 2 else codeword.size // 4
    if n < 2 or n & (n - 1) or len(tw) < n // 2:
        raise InputError(f"cuda fold: a codeword of {n} positions needs a power of two >= 2 and {n // 2} twiddles")
    d_cw, host = _dev(codeword)
    d_out = cuda.device_array(2 * n, dtype=np.uint32)
    k_fold[fc.launch_config(n // 2)](d_cw, cuda.to_device(np.asarray(s, dtype=np.uint32)),
                                    cuda.to_device(np.ascontiguousarray(tw[:n // 2])), d_out)
    return d_out.copy_to_host().reshape(n // 2, 4) if host else d_out


def combine_codewords(codewords, sel, coeffs):
    """The combination sum_j coeffs[j] C_{sel[j]} of a group's codewords (K, 2^L) (numpy or device):
    an extension codeword (2^L, 4)."""
    k, size = codewords.shape
    sel = np.asarray(sel, dtype=np.int64)
    coeffs = np.asarray(coeffs, dtype=np.uint32).reshape(-1, 4)
    if len(sel) != len(coeffs) or (len(sel) and not 0 <= sel.min() <= sel.max() < k):
        raise InputError("cuda combine_codewords: one coefficient per selected polynomial of the group")
    d_m, host = _dev(codewords)
    d_out = cuda.device_array(4 * size, dtype=np.uint32)
    k_combine_codewords[fc.launch_config(size)](d_m, size, cuda.to_device(coeffs.reshape(-1)),
                                                cuda.to_device(sel), d_out)
    return d_out.copy_to_host().reshape(size, 4) if host else d_out


def claim_sums(table, low, high, lo_bits: int, bit: int) -> np.ndarray:
    """(c, 2, 4) claim sums of a base (2^n,) or ext (2^n, 4) table (numpy or device) against split
    weights low (c, 2^lo, 4) and high (c, 2^(n - lo), 4) (point_reduction.weight_tables)."""
    low = np.ascontiguousarray(low, dtype=np.uint32)
    high = np.ascontiguousarray(high, dtype=np.uint32)
    c = low.shape[0]
    ext = table.ndim == 2
    if low.shape[1] != 1 << lo_bits or not 0 <= bit < lo_bits:
        raise InputError("cuda claim_sums: low weights of 2^lo_bits entries and a bit below lo_bits")
    d_t, _ = _dev(table)
    n_high = high.shape[1]
    d_out = cuda.device_array((n_high, c, 8), dtype=np.uint32)
    k_claim_sums[fc.launch_config(n_high * c)](d_t, ext, cuda.to_device(low.reshape(-1)),
                                              cuda.to_device(high.reshape(-1)), c, lo_bits, bit, d_out)
    s = d_out.copy_to_host().sum(axis=0, dtype=np.uint64) % np.uint64(fc.P)
    return s.astype(np.uint32).reshape(c, 2, 4)


def fold_low(table, w):
    """A base table (2^n,) (numpy or device) with its lowest k variables bound at once by the weights
    w = eq(r, .) (2^k, 4): (2^(n - k), 4) (numpy in, numpy out; device in, device out)."""
    n = table.shape[0]
    k = np.asarray(w).shape[0].bit_length() - 1
    if n < 1 << k or n & (n - 1):
        raise InputError(f"cuda fold_low: a table of {n} entries cannot bind {k} variables")
    d_t, host = _dev(table)
    d_out = cuda.device_array(4 * (n >> k), dtype=np.uint32)
    k_fold_low[fc.launch_config(n >> k)](d_t, cuda.to_device(np.ascontiguousarray(w, dtype=np.uint32).reshape(-1)),
                                         k, d_out)
    return d_out.copy_to_host().reshape(n >> k, 4) if host else d_out
