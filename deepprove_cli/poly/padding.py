"""Tensors as multilinear tables: pad each dimension to a power of two with zeros, flatten row-major.

Row-major flattening of the padded tensor puts the last dimension's bits lowest, which is the
little-endian variable order of docs/ARCHITECTURE.md: dimension k owns a contiguous block of
variables, the last dimension the lowest ones.
"""

from __future__ import annotations

import numpy as np


def padded_dims(shape) -> list[int]:
    """log2 of each dimension rounded up to a power of two (a dimension of size 1 has 0 variables)."""
    out = []
    for d in shape:
        if d < 1:
            raise ValueError(f"cannot pad an empty dimension (shape {tuple(shape)})")
        out.append((int(d) - 1).bit_length())
    return out


def pad_tensor(arr: np.ndarray, ext: bool = False) -> tuple[np.ndarray, list[int]]:
    """(table, num_vars per dimension) for a uint32 tensor; with `ext`, the last axis (4) is the element.

    The table is base (2^N,) or ext (2^N, 4) with N = sum of the per-dimension variable counts;
    dimension k's variables are x_{s_k} .. x_{s_k + v_k - 1} with s_k = sum of v_j for j > k.
    """
    a = np.asarray(arr)
    if a.dtype != np.uint32:
        raise ValueError(f"pad_tensor: expected uint32 field elements, got {a.dtype}")
    shape = a.shape[:-1] if ext else a.shape
    if ext and (a.ndim == 0 or a.shape[-1] != 4):
        raise ValueError(f"pad_tensor: an ext tensor ends with an axis of 4, got shape {a.shape}")
    nv = padded_dims(shape)
    full = tuple(1 << v for v in nv) + ((4,) if ext else ())
    if full == a.shape:
        out = np.ascontiguousarray(a)
    else:
        out = np.zeros(full, dtype=np.uint32)
        out[tuple(slice(0, d) for d in a.shape)] = a
    return out.reshape((-1, 4) if ext else (-1,)), nv


def variable_offsets(num_vars: list[int]) -> list[int]:
    """Index of the first variable of each dimension (the last dimension starts at 0)."""
    offs = [0] * len(num_vars)
    acc = 0
    for k in range(len(num_vars) - 1, -1, -1):
        offs[k] = acc
        acc += num_vars[k]
    return offs
