"""CUDA twins of the opening prover's codeword kernels: the binary fold and the combination of a
group's codewords with the batching coefficients (the two passes over full-size codewords).

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
