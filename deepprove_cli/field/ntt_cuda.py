"""The NTTs of `ntt` on a GPU (numba-cuda): same functions, same conventions, same bytes.

`ntt.Backend` composes every transform from a few primitives; this module supplies the CUDA
ones, so `ntt`, `intt`, `coset_ntt`, `coset_intt` and `lde` here take and return numpy arrays
exactly like the CPU versions (device-resident pipelines call `dif_device` and friends).

Kernels, written for a real GPU:

- `k_dif_layer`: one DIF layer over the whole batch, one butterfly per thread; consecutive
  threads take consecutive j, so loads, stores and twiddle reads are coalesced. Used for the
  layers whose butterflies span more than a shared-memory segment.
- `k_dif_shared`: the remaining layers of a segment of 2^LOG_SEGMENT elements (8 KB) in shared
  memory: one thread block per segment, one butterfly per thread per layer, __syncthreads between
  layers; the segment is read and written once, coalesced.
- bit reversal (`brev`), scaling by powers, the LDE scatter: one element per thread.

Twiddle tables are the CPU tables (`ntt.twiddles`), uploaded once per size and cached.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import cuda, uint32

from deepprove_cli.field import ntt as _ntt
from deepprove_cli.field.babybear import GENERATOR
from deepprove_cli.field.cuda import device_jit, d_add as _d_add, d_mul as _d_mul, d_mul_shoup as _d_mul_shoup, \
    d_pow as _d_pow, d_sub as _d_sub, launch_config

LOG_SEGMENT = 11  # 2048 elements per shared-memory segment, 1024 threads per block

@device_jit
def _d_butterfly(a, i0, h, j, tw, tws):
    """DIF butterfly on (a[i0], a[i0 + h]) with the twiddle of index j of the layer of half-size h."""
    x = a[i0]
    y = a[i0 + h]
    a[i0] = _d_add(x, y)
    a[i0 + h] = _d_mul_shoup(_d_sub(x, y), tw[h + j], tws[h + j])


@cuda.jit
def k_dif_layer(a, log_h, tw, tws):
    """One DIF layer of half-size h = 2^log_h on flat rows (2h divides the row length)."""
    h = 1 << log_h
    for p in range(cuda.grid(1), a.size // 2, cuda.gridsize(1)):
        j = p & (h - 1)
        _d_butterfly(a, ((p >> log_h) << (log_h + 1)) + j, h, j, tw, tws)


@cuda.jit
def k_dif_shared(a, log_seg, log_h_top, tw, tws):
    """DIF layers of half-size 2^log_h_top down to 1 on one 2^log_seg segment per thread block."""
    sh = cuda.shared.array(0, dtype=uint32)  # dynamic: 2^log_seg words
    t = cuda.threadIdx.x
    half = 1 << (log_seg - 1)
    base = cuda.blockIdx.x << log_seg
    sh[t] = a[base + t]
    sh[t + half] = a[base + t + half]
    cuda.syncthreads()
    log_h = log_h_top
    while log_h >= 0:
        h = 1 << log_h
        j = t & (h - 1)
        _d_butterfly(sh, ((t >> log_h) << (log_h + 1)) + j, h, j, tw, tws)
        cuda.syncthreads()
        log_h -= 1
    a[base + t] = sh[t]
    a[base + t + half] = sh[t + half]


@cuda.jit
def k_bit_reverse(src, dst, log_n):
    """dst[row, rev(i)] = src[row, i] (log_n >= 1)."""
    mask = (1 << log_n) - 1
    for i in range(cuda.grid(1), src.size, cuda.gridsize(1)):
        r = cuda.brev(np.uint32(i & mask)) >> np.uint32(32 - log_n)
        dst[(i & ~mask) | r] = src[i]


@cuda.jit
def k_scale_powers(a, log_n, x, scale):
    """a[row, j] *= scale x^j (x^j by square-and-multiply per thread: no table, no dependency)."""
    mask = (1 << log_n) - 1
    for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
        a[i] = _d_mul(a[i], _d_mul(scale, _d_pow(x, i & mask)))


@cuda.jit
def k_lde_scatter(src, out, log_k, log_blocks, t, x):
    """out[row, t, j] = src[row, j] x^j for flat (rows, 2^log_k) -> (rows, 2^log_blocks, 2^log_k)."""
    mask = (1 << log_k) - 1
    for i in range(cuda.grid(1), src.size, cuda.gridsize(1)):
        row = i >> log_k
        j = i & mask
        out[(((row << log_blocks) + t) << log_k) + j] = _d_mul(src[i], _d_pow(x, j))


@functools.lru_cache(maxsize=8)
def device_twiddles(log_n: int, inverse: bool = False):
    """The CPU twiddle tables of `ntt.twiddles`, on the device (cached per size and direction)."""
    tw, tws = _ntt.twiddles(log_n, inverse)
    return cuda.to_device(tw), cuda.to_device(tws)


def dif_device(d_a, log_n: int, inverse: bool = False) -> None:
    """In-place DIF (natural in, bit-reversed out) of every 2^log_n row of a flat device array."""
    n = 1 << log_n
    if n == 1 or d_a.size == 0:
        return
    tw, tws = device_twiddles(log_n, inverse)
    log_seg = min(LOG_SEGMENT, log_n)
    log_h = log_n - 1
    while log_h >= log_seg:
        k_dif_layer[launch_config(d_a.size // 2)](d_a, log_h, tw, tws)
        log_h -= 1
    seg = 1 << log_seg
    k_dif_shared[d_a.size // seg, seg // 2, 0, seg * 4](d_a, log_seg, log_h, tw, tws)


def bit_reverse_device(d_a, log_n: int):
    """A new device array with every 2^log_n row bit-reversed."""
    if log_n == 0:
        return _copy(d_a)
    d_out = cuda.device_array(d_a.size, dtype=np.uint32)
    k_bit_reverse[launch_config(d_a.size)](d_a, d_out, log_n)
    return d_out


def _copy(d_a):
    d_out = cuda.device_array(d_a.size, dtype=np.uint32)
    d_out.copy_to_device(d_a)
    return d_out


def _scale_powers(d_a, log_n: int, x: int, scale: int) -> None:
    k_scale_powers[launch_config(d_a.size)](d_a, log_n, np.uint32(x), np.uint32(scale))


def _lde_scatter(d_src, d_out, log_k: int, log_blocks: int, t: int, x: int) -> None:
    k_lde_scatter[launch_config(d_src.size)](d_src, d_out, log_k, log_blocks, t, np.uint32(x))


GPU = _ntt.Backend(upload=cuda.to_device, download=lambda d: d.copy_to_host(),
                   empty=lambda n: cuda.device_array(n, dtype=np.uint32), dif=dif_device,
                   bit_reverse=bit_reverse_device, scale_powers=_scale_powers, lde_scatter=_lde_scatter)


def ntt(a, bit_reversed: bool = False) -> np.ndarray:
    """`ntt.ntt` on the GPU."""
    return _ntt.forward_transform(a, 1, bit_reversed, "ntt input", GPU)


def intt(a, bit_reversed: bool = False) -> np.ndarray:
    """`ntt.intt` on the GPU."""
    return _ntt.inverse_transform(a, 1, bit_reversed, "intt input", GPU)


def coset_ntt(a, shift=GENERATOR, bit_reversed: bool = False) -> np.ndarray:
    """`ntt.coset_ntt` on the GPU."""
    return _ntt.forward_transform(a, _ntt.check_shift(shift, "coset_ntt"), bit_reversed, "coset_ntt input", GPU)


def coset_intt(a, shift=GENERATOR, bit_reversed: bool = False) -> np.ndarray:
    """`ntt.coset_intt` on the GPU."""
    return _ntt.inverse_transform(a, _ntt.check_shift(shift, "coset_intt"), bit_reversed, "coset_intt input", GPU)


def lde(coeffs, log_blowup: int, shift=GENERATOR, bit_reversed: bool = True) -> np.ndarray:
    """`ntt.lde` on the GPU."""
    return _ntt.low_degree_extension(coeffs, log_blowup, shift, bit_reversed, GPU)
