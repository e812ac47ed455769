"""The commitment to a batch: the batch tree's root plus the shape the verifier needs (rate, arity,
leaf width, max_vars, every polynomial's number of variables). Small, deterministic, strictly parsed.

`num_vars` are the callers' polynomials; `layout` is what the tree holds: their columns (a
polynomial above max_vars is split into chunks, split.py; many small ones share packed columns,
pack.py), derived from the shape.

Wire format (version 3): u8 version | u8 rate_bits | u8 arity_bits | u8 leaf_bits | u8 max_vars |
u32 K | K x u8 num_vars | root.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from deepprove_cli.io.binary import ProofFormatError, Reader, Writer
from deepprove_cli.pcs.basefold.layout import MAX_POLYS, BatchLayout, auto_leaf_bits
from deepprove_cli.pcs.basefold.pack import Packing
from deepprove_cli.pcs.basefold.split import Split

VERSION = 3


@dataclass(frozen=True)
class Commitment:
    root: bytes
    layout: BatchLayout     # the committed columns
    split: Split            # the callers' polynomials -> pieces (chunks of big ones), then packed (pack.py)

    def __post_init__(self):
        if tuple(self.layout.num_vars) != self.packing.columns:
            raise ValueError("commitment: the layout's columns are not the split and packing of its polynomials")

    @cached_property
    def packing(self) -> Packing:
        """The split's pieces -> committed columns."""
        return Packing(self.split.columns, self.split.max_vars)

    def column_claims(self, claims, values=None) -> list:
        """The callers' claims as claims on committed columns: split (with the chunk values `values`,
        Split.column_claims), then packed (Packing.column_claims)."""
        return self.packing.column_claims(self.split.column_claims(claims, values))

    @classmethod
    def of(cls, root: bytes, num_vars, rate_bits: int, arity_bits: int, leaf_bits: int,
           max_vars: int) -> "Commitment":
        """The commitment of this shape (ValueError if the shape is out of range)."""
        split = Split(tuple(int(n) for n in num_vars), max_vars)
        columns = Packing(split.columns, max_vars).columns
        return cls(bytes(root), BatchLayout(columns, rate_bits, arity_bits, leaf_bits), split)

    @classmethod
    def for_params(cls, root: bytes, num_vars, params) -> "Commitment":
        """The commitment of these polynomial sizes under a PcsParams' commit-time parameters (an
        open leaf width is chosen from the batch's columns, layout.auto_leaf_bits)."""
        split = Split(tuple(int(n) for n in num_vars), params.max_vars)
        leaf_bits = params.leaf_bits or auto_leaf_bits(Packing(split.columns, params.max_vars).columns)
        return cls.of(root, num_vars, params.rate_bits, params.arity_bits, leaf_bits, params.max_vars)

    def mismatch(self, params) -> str | None:
        """Which commit-time parameters of `params` differ from this commitment's (None if none)."""
        lay = self.layout
        leaf_bits = params.leaf_bits or auto_leaf_bits(lay.num_vars)
        names = [name for name, mine, theirs in (("rate_bits", lay.rate_bits, params.rate_bits),
                                                  ("arity_bits", lay.arity_bits, params.arity_bits),
                                                  ("leaf_bits", lay.leaf_bits, leaf_bits),
                                                  ("max_vars", self.max_vars, params.max_vars)) if mine != theirs]
        return ", ".join(names) or None

    @property
    def num_vars(self) -> tuple[int, ...]:
        return self.split.num_vars

    @property
    def max_vars(self) -> int:
        return self.split.max_vars

    def shape_bytes(self) -> bytes:
        """What the transcript absorbs for the shape: rate, arity, leaf width, max_vars, count, every n_k."""
        lay = self.layout
        return bytes([lay.rate_bits, lay.arity_bits, lay.leaf_bits, self.max_vars]) + \
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
        leaf_bits = r.u8("commitment leaf_bits")
        max_vars = r.u8("commitment max_vars")
        k = r.u32("commitment polynomial count", MAX_POLYS)
        num_vars = tuple(r.raw(k, "commitment num_vars"))
        root = r.digest("commitment root")
        try:
            return cls.of(root, num_vars, rate_bits, arity_bits, leaf_bits, max_vars)
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
