"""Tensors as multilinear tables: padded shapes, variables per dimension, points per dimension.

A tensor of shape (d_0, ..., d_k) is, in the proof, the multilinear extension of its zero-padded
(each dimension to a power of two) row-major flattening (docs/ARCHITECTURE.md). Dimension i owns
the variables [s_i, s_i + v_i) with v_i = ceil(log2 d_i) and s_i = sum_{j > i} v_j: the last
dimension's bits are the lowest variables. A point on the tensor is an (n, 4) ext array in variable
order; `split_point` cuts it into one block per dimension (each block in that dimension's own
variable order) and `join_point` glues blocks back, so relations can reason per index letter.

Padding is zero, so a relation between tensors must hold on padded entries too; where a constant
term would break that, it is multiplied by the indicator of the real entries, whose MLE
(`indicator_eval`) the verifier computes in O(n) from prefix tables (poly.structured).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P, check_canonical, to_field
from deepprove_cli.lookup import felt
from deepprove_cli.poly.structured import prefix_eval

MAX_VARS = 40  # a tensor of at most 2^40 padded entries


def dim_vars(d: int) -> int:
    """Variables of one dimension: ceil(log2 d) (a dimension of size 1 has none)."""
    if int(d) < 1:
        raise InputError(f"tensor dimensions must be positive, got {d}")
    return (int(d) - 1).bit_length()


_LAYOUTS: dict = {}  # shape -> TensorLayout: plans and relations build the same few shapes thousands of times
_MAX_LAYOUTS = 1 << 14


class TensorLayout:
    """The multilinear layout of one tensor shape (public: prover and verifier build the same one).

    Immutable; `TensorLayout(shape)` returns a shared instance per shape."""

    __slots__ = ("shape", "dim_vars", "offsets", "num_vars")

    def __new__(cls, shape, *args, **kwargs):
        key = shape if type(shape) is tuple else tuple(shape)
        if cls is not TensorLayout:  # a subclass (tests' cheating layouts) gets its own instance
            self = object.__new__(cls)
            self._setup(key)
            return self
        try:
            return _LAYOUTS[key]
        except (KeyError, TypeError):  # TypeError: an unhashable dimension (rejected by _setup)
            pass
        self = object.__new__(cls)
        self._setup(key)
        if all(type(d) is int for d in key):
            if len(_LAYOUTS) >= _MAX_LAYOUTS:
                _LAYOUTS.clear()
            _LAYOUTS[key] = self
        return self

    def __init__(self, shape):
        pass  # built (or found) by __new__

    def __reduce__(self):
        return TensorLayout, (self.shape,)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def _setup(self, shape) -> None:
        self.shape = tuple(int(d) for d in shape)
        self.dim_vars = tuple(dim_vars(d) for d in self.shape)
        offs, acc = [0] * len(self.shape), 0
        for i in range(len(self.shape) - 1, -1, -1):
            offs[i] = acc
            acc += self.dim_vars[i]
        self.offsets = tuple(offs)
        self.num_vars = acc
        if acc > MAX_VARS:
            raise InputError(f"tensor of shape {self.shape} has {acc} variables (at most {MAX_VARS})")

    def __repr__(self) -> str:
        return f"TensorLayout{self.shape}"

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorLayout) and other.shape == self.shape

    def __hash__(self) -> int:
        return hash(self.shape)

    @property
    def padded_shape(self) -> tuple[int, ...]:
        return tuple(1 << v for v in self.dim_vars)

    @property
    def size(self) -> int:
        """Real entries (unpadded)."""
        return int(np.prod(self.shape, dtype=np.int64))

    def var_range(self, i: int) -> tuple[int, int]:
        """[start, stop) of dimension i's variables."""
        return self.offsets[i], self.offsets[i] + self.dim_vars[i]

    def check_point(self, point, what: str = "point") -> np.ndarray:
        pt = np.asarray(point)
        if pt.shape != (self.num_vars, 4) or pt.dtype != np.uint32:
            raise InputError(f"{what}: expected a ({self.num_vars}, 4) uint32 ext point for shape {self.shape}, "
                             f"got {pt.dtype}{pt.shape}")
        return pt

    def split_point(self, point) -> list[np.ndarray]:
        """One (v_i, 4) block per dimension, in dimension order."""
        pt = self.check_point(point)
        return [pt[a:b] for a, b in (self.var_range(i) for i in range(len(self.shape)))]

    def join_point(self, parts) -> np.ndarray:
        """Inverse of `split_point`: blocks in dimension order -> the (n, 4) point."""
        if len(parts) != len(self.shape):
            raise InputError(f"join_point: {len(parts)} blocks for {len(self.shape)} dimensions")
        out = np.zeros((self.num_vars, 4), dtype=np.uint32)
        for i, part in enumerate(parts):
            a, b = self.var_range(i)
            p = np.asarray(part, dtype=np.uint32).reshape(-1, 4)
            if p.shape[0] != b - a:
                raise InputError(f"join_point: dimension {i} takes {b - a} coordinates, got {p.shape[0]}")
            out[a:b] = p
        return out

    def field_values(self, values, what: str = "tensor") -> np.ndarray:
        """The tensor's entries as canonical field elements, unpadded (uint32 input is taken as field
        elements already; other integer dtypes are signed integers embedded as x mod p)."""
        arr = np.asarray(values)
        if arr.shape != self.shape and _squeezed(arr.shape) == _squeezed(self.shape):
            arr = arr.reshape(self.shape)  # size-1 dimensions carry no variables: same table
        if arr.shape != self.shape:
            raise InputError(f"{what}: expected shape {self.shape}, got {arr.shape}")
        if arr.dtype == np.uint32:
            return check_canonical(arr, what)
        return small_to_field(arr)

    def table(self, values, what: str = "tensor") -> np.ndarray:
        """The padded, flattened base table (2^n,) uint32 of a tensor of this shape."""
        f = self.field_values(values, what)
        if self.padded_shape == self.shape:
            return np.ascontiguousarray(f).reshape(-1)
        out = np.zeros(self.padded_shape, dtype=np.uint32)
        out[tuple(slice(0, d) for d in self.shape)] = f
        return out.reshape(-1)

    def pad_ext(self, values: np.ndarray) -> np.ndarray:
        """An (*shape, 4) ext tensor zero-padded and flattened to a (2^n, 4) ext table."""
        if values.shape != self.shape + (4,):
            raise InputError(f"pad_ext: expected shape {self.shape + (4,)}, got {values.shape}")
        if self.padded_shape == self.shape:
            return np.ascontiguousarray(values).reshape(-1, 4)
        out = np.zeros(self.padded_shape + (4,), dtype=np.uint32)
        out[tuple(slice(0, d) for d in self.shape)] = values
        return out.reshape(-1, 4)

    def indicator_eval(self, point) -> np.ndarray:
        """MLE at `point` of the indicator of the real (unpadded) entries: prod_i [x_i < d_i], O(n)."""
        acc = felt.ONE
        for d, part in zip(self.shape, self.split_point(point)):
            if d != 1 << part.shape[0]:
                acc = felt.mul(acc, prefix_eval(part, d, 1, 0))
        return acc


def _squeezed(shape) -> tuple:
    return tuple(d for d in shape if d != 1)


def small_to_field(arr: np.ndarray) -> np.ndarray:
    """Signed integers -> canonical uint32 (`field.babybear.to_field`, which has the fast path for
    |x| <= (p-1)/2, every integer-program value)."""
    return to_field(arr)


def indicator_table(shape) -> np.ndarray:
    """The padded base table of the real-entry indicator (1 on real entries, 0 on padding)."""
    return TensorLayout(shape).table(np.ones(tuple(shape), dtype=np.uint32))



class Operand:
    """A witness tensor a relation reads or writes: its name (claims refer to it) and its shape."""

    __slots__ = ("name", "layout")

    def __init__(self, name: str, shape):
        if not isinstance(name, str) or not name:
            raise InputError(f"an operand needs a non-empty name, got {name!r}")
        self.name = name
        self.layout = TensorLayout(shape)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.layout.shape

    def describe(self) -> dict:
        return {"kind": "witness", "name": self.name, "shape": list(self.shape)}

    def __repr__(self) -> str:
        return f"Operand({self.name!r}, {self.shape})"
