"""The commitment to a batch: the batch tree's root plus the shape the verifier needs (rate, arity,
every polynomial's number of variables). Small, deterministic, strictly parsed.

Wire format (version 1): u8 version | u8 rate_bits | u8 arity_bits | u32 K | K x u8 num_vars | root.
"""

from __future__ import annotations

from dataclasses import dataclass

from deepprove_cli.io.binary import ProofFormatError, Reader, Writer
from deepprove_cli.pcs.basefold.layout import MAX_POLYS, BatchLayout

VERSION = 1


@dataclass(frozen=True)
class Commitment:
    root: bytes
    layout: BatchLayout

    @property
    def num_vars(self) -> tuple[int, ...]:
        return self.layout.num_vars

    def write(self, w: Writer) -> None:
        w.u8(VERSION)
        w.u8(self.layout.rate_bits)
        w.u8(self.layout.arity_bits)
        w.u32(len(self.layout.num_vars))
        w.raw(bytes(self.layout.num_vars))
        w.digest(self.root)

    @classmethod
    def read(cls, r: Reader) -> "Commitment":
        version = r.u8("commitment version")
        if version != VERSION:
            raise ProofFormatError(f"{r.what}: commitment version {version}, expected {VERSION}")
        rate_bits = r.u8("commitment rate_bits")
        arity_bits = r.u8("commitment arity_bits")
        k = r.u32("commitment polynomial count", MAX_POLYS)
        num_vars = tuple(r.raw(k, "commitment num_vars"))
        root = r.digest("commitment root")
        try:
            layout = BatchLayout(num_vars, rate_bits, arity_bits)
        except ValueError as e:
            raise ProofFormatError(f"{r.what}: commitment shape: {e}") from None
        return cls(root, layout)

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
        transcript.absorb_bytes("pcs/commitment/shape", self.layout.shape_bytes())
        transcript.absorb_digest("pcs/commitment/root", self.root)
