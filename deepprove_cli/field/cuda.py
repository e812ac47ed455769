"""CUDA twins of the field kernels (numba-cuda): elementwise base-field ops and ext4 products.

The arithmetic is not written twice: the Python source of the njit scalar functions of
`babybear` and `ext4` is compiled again as CUDA device functions (`device_twin`), with their
global names rebound to the device versions, so CPU and GPU results cannot drift apart. That
arithmetic suits a GPU as is: every product is 32x32->64 bits (`mul.wide.u32`), Barrett
reduction needs no division, and there are no data-dependent loops.

Kernels use grid-stride loops over flat arrays (consecutive threads touch consecutive words:
coalesced); ext4 vectors are flat (4n,) views. Host wrappers take numpy arrays (validated like
the CPU ones) or device arrays (trusted, for pipelines that stay on the GPU) and return the same
kind. Importing this module compiles nothing; kernels compile on first use.
"""

from __future__ import annotations

import types

import numpy as np
from numba import config, cuda

from deepprove_cli.errors import InputError
from deepprove_cli.field import babybear as _bb
from deepprove_cli.field import ext4 as _e4
from deepprove_cli.field.babybear import P, check_canonical

THREADS = 256
_MAX_BLOCKS = 65535
# Device functions are inlined at the NVVM level (the simulator does not take the option).
device_jit = cuda.jit(device=True) if config.ENABLE_CUDASIM else cuda.jit(device=True, forceinline=True)


def device_twin(fn, namespace: dict):
    """The Python source of an njit function as a CUDA device function whose global names resolve
    in `namespace` (where the device versions of its callees live)."""
    py = fn.py_func
    clone = types.FunctionType(py.__code__, namespace, py.__name__, py.__defaults__, py.__closure__)
    return device_jit(clone)


# One namespace for both modules: ext4's functions call babybear's by the same names.
NS = dict(vars(_bb))
NS.update(vars(_e4))
for _name in ("reduce62", "reduce64", "add", "sub", "neg", "mul", "shoup", "mul_shoup", "pow_", "inv"):
    NS[_name] = device_twin(getattr(_bb, _name), NS)
for _name in ("ext_load", "ext_store", "ext_from_base", "ext_add", "ext_sub", "ext_neg", "ext_mul_base",
              "ext_mul", "ext_square", "ext_inv"):
    NS[_name] = device_twin(getattr(_e4, _name), NS)

d_add = NS["add"]
d_sub = NS["sub"]
d_neg = NS["neg"]
d_mul = NS["mul"]
d_mul_shoup = NS["mul_shoup"]
d_shoup = NS["shoup"]
d_inv = NS["inv"]
d_pow = NS["pow_"]
d_ext_load = NS["ext_load"]
d_ext_store = NS["ext_store"]
d_ext_mul = NS["ext_mul"]
d_ext_mul_base = NS["ext_mul_base"]


# --- kernels -------------------------------------------------------------------------------------

def _binary_kernel(op):
    @cuda.jit
    def kernel(a, b, out):
        for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
            out[i] = op(a[i], b[i])

    return kernel


def _unary_kernel(op):
    @cuda.jit
    def kernel(a, out):
        for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
            out[i] = op(a[i])

    return kernel


k_add = _binary_kernel(d_add)
k_sub = _binary_kernel(d_sub)
k_mul = _binary_kernel(d_mul)
k_neg = _unary_kernel(d_neg)


@cuda.jit
def k_scale(a, s, out):
    """out = s * a (Shoup: the companion of s is computed once per thread)."""
    w = np.uint32(s)
    ws = d_shoup(w)
    for i in range(cuda.grid(1), a.size, cuda.gridsize(1)):
        out[i] = d_mul_shoup(a[i], w, ws)


@cuda.jit
def k_ext_mul(a, b, out):
    """out_i = a_i * b_i on flat (4n,) views."""
    for i in range(cuda.grid(1), a.size // 4, cuda.gridsize(1)):
        d_ext_store(out, i, d_ext_mul(d_ext_load(a, i), d_ext_load(b, i)))


@cuda.jit
def k_ext_mul_base(a, s, out):
    """out_i = a_i * s_i (a ext, flat; s base)."""
    for i in range(cuda.grid(1), s.size, cuda.gridsize(1)):
        d_ext_store(out, i, d_ext_mul_base(d_ext_load(a, i), s[i]))


def launch_config(n: int, threads: int = THREADS) -> tuple[int, int]:
    """(blocks, threads) for a grid-stride loop over n items."""
    return max(1, min(_MAX_BLOCKS, (n + threads - 1) // threads)), threads


# --- host wrappers -------------------------------------------------------------------------------

def _on_device(arrays, what: str, ext: bool = False):
    """Device views of the operands and whether the caller gave numpy arrays (then results go back)."""
    host = isinstance(arrays[0], np.ndarray)
    out = []
    for arr in arrays:
        if host:
            check_canonical(arr, what)
            if ext and (arr.ndim == 0 or arr.shape[-1] != 4):
                raise InputError(f"{what}: expected shape (..., 4), got {arr.shape}")
            if arr.shape != arrays[0].shape:
                raise InputError(f"{what}: shapes {arrays[0].shape} and {arr.shape} differ")
            out.append(cuda.to_device(np.ascontiguousarray(arr).reshape(-1)))
        else:
            if arr.dtype != np.uint32:
                raise InputError(f"{what}: expected a uint32 device array, got {arr.dtype}")
            out.append(arr.reshape(arr.size) if arr.ndim != 1 else arr)
    return out, host


def _finish(d_out, shape, host: bool):
    return d_out.copy_to_host().reshape(shape) if host else d_out


def _elementwise(kernel, arity: int, doc: str):
    def f(*arrays):
        if len(arrays) != arity:
            raise TypeError(f"expected {arity} arrays, got {len(arrays)}")
        dev, host = _on_device(arrays, "cuda operand")
        d_out = cuda.device_array(dev[0].size, dtype=np.uint32)
        kernel[launch_config(dev[0].size)](*dev, d_out)
        return _finish(d_out, arrays[0].shape, host)

    f.__doc__ = doc
    return f


add = _elementwise(k_add, 2, "add(a, b): a + b mod p on the GPU.")
sub = _elementwise(k_sub, 2, "sub(a, b): a - b mod p on the GPU.")
neg = _elementwise(k_neg, 1, "neg(a): -a mod p on the GPU.")
mul = _elementwise(k_mul, 2, "mul(a, b): a * b mod p on the GPU.")


def scale(a, s):
    """s * a for a canonical scalar s, on the GPU."""
    if not 0 <= int(s) < P:
        raise InputError(f"scale: scalar {int(s)} is not a canonical field element")
    (d_a,), host = _on_device([a], "cuda operand")
    d_out = cuda.device_array(d_a.size, dtype=np.uint32)
    k_scale[launch_config(d_a.size)](d_a, np.uint32(int(s)), d_out)
    return _finish(d_out, a.shape, host)


def ext_mul(a, b):
    """a_i * b_i for ext4 vectors ((n, 4) arrays) on the GPU."""
    (d_a, d_b), host = _on_device([a, b], "cuda ext operand", ext=True)
    d_out = cuda.device_array(d_a.size, dtype=np.uint32)
    k_ext_mul[launch_config(d_a.size // 4)](d_a, d_b, d_out)
    return _finish(d_out, a.shape, host)


def ext_mul_base(a, s):
    """a_i * s_i for an ext4 vector (n, 4) and a base vector (n,) on the GPU."""
    (d_a,), host = _on_device([a], "cuda ext operand", ext=True)
    (d_s,), _ = _on_device([s], "cuda base operand")
    if d_s.size * 4 != d_a.size:
        raise InputError(f"ext_mul_base: {d_s.size} base elements for {d_a.size // 4} extension elements")
    d_out = cuda.device_array(d_a.size, dtype=np.uint32)
    k_ext_mul_base[launch_config(d_s.size)](d_a, d_s, d_out)
    return _finish(d_out, a.shape, host)
