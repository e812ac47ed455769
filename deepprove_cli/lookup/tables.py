"""Lookup tables: the rows (x, f_1(x), ..., f_k(x)) for x in a domain [start, start + 2^m).

With no outputs a table is a range (identity) table: range [0, 2^k) is start 0, log_size k. Every
column is a multilinear table of m variables, row i holding x = start + i. Values are integers
embedded in the field as x mod p (|x| <= (p - 1)/2).

Evaluating the columns' multilinear extensions at a point (what the verifier does at the leaves):
- the input column x = start + i is affine, O(m) by `poly.structured.affine_eval`: never materialized;
- output columns are fixed at quantize time. Either the verifier evaluates them from the values,
  O(2^m) with the `poly.multilinear.evaluate` kernel (the default up to 2^EVAL_MAX_LOG rows:
  `dp bench lookup` reports the time, ~ms at 2^16), or they are committed once with the model
  weights (`committed=True`, the default above that size) and the argument returns claims on them
  for the caller to open. `Table.committed` says which; both share this one interface.

A table is bound into a proof by its `digest` (name, domain, mode and every output value).
"""

from __future__ import annotations

import struct

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P, to_field

EVAL_MAX_LOG = 20   # output columns up to 2^20 rows are evaluated by the verifier by default
MAX_LOG = 24        # largest table domain (intprog.md: m <= 20, prefer <= 16)
MAX_OUTPUTS = 15    # output columns per table
HALF = (P - 1) // 2  # signed values embed in [-(p-1)/2, (p-1)/2]


class Table:
    """A lookup table; `outputs` are int64 arrays of 2^log_size signed values (row i: x = start + i)."""

    __slots__ = ("name", "start", "log_size", "outputs", "committed", "_field", "_digest")

    def __init__(self, name: str, start: int, log_size: int, outputs=(), committed: bool | None = None):
        if not isinstance(name, str) or not name or len(name.encode()) > 255:
            raise InputError(f"table name must be a non-empty string of at most 255 bytes, got {name!r}")
        if not isinstance(log_size, (int, np.integer)) or not 0 <= int(log_size) <= MAX_LOG:
            raise InputError(f"table {name}: log_size must be in [0, {MAX_LOG}], got {log_size!r}")
        self.name = name
        self.log_size = int(log_size)
        self.start = int(start)
        if not (-HALF <= self.start and self.start + self.size - 1 <= HALF):
            raise InputError(f"table {name}: domain [{self.start}, {self.start + self.size}) leaves the signed "
                             f"field range [-{HALF}, {HALF}]")
        outs = []
        for k, o in enumerate(outputs):
            a = np.asarray(o)
            if a.dtype.kind not in "iu" or a.shape != (self.size,):
                raise InputError(f"table {name}: output {k} must be {self.size} integers, got {a.dtype}{a.shape}")
            a = a.astype(np.int64)
            if a.size and (int(a.min()) < -HALF or int(a.max()) > HALF):
                raise InputError(f"table {name}: output {k} has values outside [-{HALF}, {HALF}]")
            a.setflags(write=False)
            outs.append(a)
        if len(outs) > MAX_OUTPUTS:
            raise InputError(f"table {name}: at most {MAX_OUTPUTS} output columns, got {len(outs)}")
        self.outputs = tuple(outs)
        self.committed = bool(self.log_size > EVAL_MAX_LOG if committed is None else committed) and bool(outs)
        self._field = None
        self._digest = None

    @property
    def size(self) -> int:
        return 1 << self.log_size

    @property
    def arity(self) -> int:
        """Columns per row: the input and the outputs."""
        return 1 + len(self.outputs)

    def __repr__(self) -> str:
        return (f"Table({self.name!r}, start={self.start}, log_size={self.log_size}, outputs={len(self.outputs)}"
                f"{', committed' if self.committed else ''})")

    # -- columns as field elements (prover side, and the verifier's evaluate mode) -------------------

    def input_column(self) -> np.ndarray:
        """x = start + i mod p, i < 2^m (the prover's copy; the verifier uses `eval_input`)."""
        from deepprove_cli.poly.structured import affine_table

        return affine_table(self.log_size, self.start, 1)

    def output_columns(self) -> tuple[np.ndarray, ...]:
        """The outputs as canonical uint32 columns (computed once)."""
        if self._field is None:
            self._field = tuple(to_field(o) for o in self.outputs)
        return self._field

    def columns(self) -> list[np.ndarray]:
        return [self.input_column(), *self.output_columns()]

    def eval_input(self, point) -> np.ndarray:
        """MLE of the input column at an m-variable point, O(m): (4,) ext."""
        from deepprove_cli.poly.structured import affine_eval

        return affine_eval(point, self.start, 1)

    def eval_outputs(self, point) -> list[np.ndarray]:
        """MLEs of the output columns at an m-variable point, O(2^m) each: [(4,) ext]."""
        from deepprove_cli.field.parallel import threads_for
        from deepprove_cli.poly.multilinear import evaluate

        with threads_for(self.size):
            return [evaluate(c, point) for c in self.output_columns()]

    # -- values (witness generation) -----------------------------------------------------------------

    def apply(self, x) -> tuple[np.ndarray, ...]:
        """The outputs at integer inputs x (int64, inside the domain): one int64 array per output."""
        xs = np.asarray(x, dtype=np.int64)
        idx = xs - self.start
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= self.size):
            raise InputError(f"table {self.name}: input outside the domain [{self.start}, {self.start + self.size})")
        return tuple(o[idx] for o in self.outputs)

    # -- binding -------------------------------------------------------------------------------------

    def digest(self) -> bytes:
        """BLAKE3 of the table's definition: name, domain, mode, every output value (computed once)."""
        if self._digest is None:
            from deepprove_cli.hash.blake3 import blake3

            nb = self.name.encode()
            head = b"dp-lookup-table\x00" + struct.pack("<B", len(nb)) + nb + struct.pack(
                "<qBBB", self.start, self.log_size, len(self.outputs), int(self.committed))
            body = b"".join(np.ascontiguousarray(c, dtype="<u4").tobytes() for c in self.output_columns())
            self._digest = blake3(head + body)
        return self._digest

    def describe(self) -> dict:
        """A JSON-ready summary (for headers and reports)."""
        return {"name": self.name, "start": self.start, "log_size": self.log_size, "outputs": len(self.outputs),
                "committed": self.committed, "digest": self.digest().hex()}

    # -- artifacts (io.container) --------------------------------------------------------------------

    def to_spec(self, prefix: str):
        """(meta, array specs) to store this table in an artifact container: `describe()` as meta, the
        outputs as int64 arrays named prefix/out<k>."""
        from deepprove_cli.io.container import ArraySpec

        return self.describe(), [ArraySpec.of(f"{prefix}/out{k}", o) for k, o in enumerate(self.outputs)]

    @classmethod
    def from_spec(cls, meta: dict, container, prefix: str) -> "Table":
        """The table stored by `to_spec`; InputError if anything is missing or the digest disagrees."""
        try:
            name, start, log_size = meta["name"], int(meta["start"]), int(meta["log_size"])
            n_out, committed, digest = int(meta["outputs"]), bool(meta["committed"]), str(meta["digest"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"lookup table {prefix}: incomplete table description") from None
        names = [f"{prefix}/out{k}" for k in range(n_out)]
        missing = [nm for nm in names if nm not in container]
        if missing:
            raise InputError(f"lookup table {prefix}: missing array {missing[0]}")
        table = cls(name, start, log_size, [np.asarray(container[nm]) for nm in names], committed)
        if table.digest().hex() != digest:
            raise InputError(f"lookup table {name}: stored values do not match the recorded digest")
        return table


def range_table(bits: int, name: str | None = None) -> Table:
    """The range [0, 2^bits): a value is in it iff 0 <= value < 2^bits."""
    return Table(name or f"range{int(bits)}", 0, bits)


def domain_table(start: int, log_size: int, name: str | None = None) -> Table:
    """The identity table over [start, start + 2^log_size) (a shifted range check)."""
    return Table(name or f"domain[{int(start)},+2^{int(log_size)})", start, log_size)


def function_table(name: str, start: int, log_size: int, fn, committed: bool | None = None) -> Table:
    """Rows (x, fn(x)) for x in [start, start + 2^log_size); `fn` maps an int64 array to an integer array
    (or a tuple of them, for several outputs). It runs once, here: the table stores the values."""
    if not isinstance(log_size, (int, np.integer)) or not 0 <= int(log_size) <= MAX_LOG:
        raise InputError(f"table {name}: log_size must be in [0, {MAX_LOG}], got {log_size!r}")
    xs = np.arange(int(start), int(start) + (1 << int(log_size)), dtype=np.int64)
    out = fn(xs)
    outs = out if isinstance(out, tuple) else (out,)
    return Table(name, start, log_size, outs, committed)
