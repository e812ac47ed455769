"""The commitment to a batch: the batch tree's root plus the shape the verifier needs (rate, arity,
max_vars, every polynomial's number of variables). Small, deterministic, strictly parsed.

`num_vars` are the callers' polynomials; `layout` is what the tree holds: their columns (a
polynomial above max_vars is split into chunks, split.py), derived from the shape.

Wire format (version 2): u8 version | u8 rate_bits | u8 arity_bits | u8 max_vars | u32 K |
K x u8 num_vars | root.
"""

from __future__ import annotations

from dataclasses import dataclass

from deepprove_cli.io.binary import ProofFormatError, Reader, Writer
from deepprove_cli.pcs.basefold.layout import MAX_POLYS, BatchLayout
from deepprove_cli.pcs.basefold.split import Split

VERSION = 2


@dataclass(frozen=True)
class Commitment:
    root: bytes
    layout: BatchLayout     # the committed columns
    split: Split            # the callers' polynomials -> columns

    def __post_init__(self):
        if tuple(self.layout.num_vars) != self.split.columns:
            raise ValueError("commitment: the layout's columns are not the split of its polynomials")

    @classmethod
    def of(cls, root: bytes, num_vars, rate_bits: int, arity_bits: int, max_vars: int) -> "Commitment":
        """The commitment of this shape (ValueError if the shape is out of range)."""
        split = Split(tuple(int(n) for n in num_vars), max_vars)
        return cls(bytes(root), BatchLayout(split.columns, rate_bits, arity_bits), split)

    @property
    def num_vars(self) -> tuple[int, ...]:
        return self.split.num_vars

    @property
    def max_vars(self) -> int:
        return self.split.max_vars

    def shape_bytes(self) -> bytes:
        """What the transcript absorbs for the shape: rate, arity, max_vars, count, every n_k."""
        return bytes([self.layout.rate_bits, self.layout.arity_bits, self.max_vars]) + \
            len(self.num_vars).to_bytes(4, "little") + bytes(self.num_vars)

    def write(self, w: Writer) -> None:
        w.u8(VERSION)
        w.raw(self.shape_bytes())
        w.digest(self.root)

    @classmethod
    def read(cls, r: Reader) -> "Commitment":
        version = r.u8("commitment version")
        if version != VERSION:
            raise ProofFormatError(f"{r.what}: commitment version {version}, expected {VERSION}")
        rate_bits = r.u8("commitment rate_bits")
        arity_bits = r.u8("commitment arity_bits")
        max_vars = r.u8("commitment max_vars")
        k = r.u32("commitment polynomial count", MAX_POLYS)
        num_vars = tuple(r.raw(k, "commitment num_vars"))
        root = r.digest("commitment root")
        try:
            return cls.of(root, num_vars, rate_bits, arity_bits, max_vars)
        except ValueError as e:
            raise ProofFormatError(f"{r.what}: commitment shape: {e}") from None

    def to_bytes(self) -> bytes:
        w = Writer()
        self.write(w)
        return w.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Commitment":
        r = Reader(data, "commitment")
        c = cls.read(r)
        r.finish()
        return c

    def absorb(self, transcript) -> None:
        """What a protocol absorbs when the commitment is made (and the opening absorbs again)."""
        transcript.absorb_bytes("pcs/commitment/shape", self.shape_bytes())
        transcript.absorb_digest("pcs/commitment/root", self.root)
