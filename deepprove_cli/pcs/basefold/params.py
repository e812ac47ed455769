"""Basefold parameters: code rate, leaf arity, queries, grinding, size of the final polynomial.

Rate and arity are fixed at commit time (they shape the codewords and the tree) and recorded in
the commitment; queries, grinding and the final size are the opening's. The verifier holds its own
parameters and never takes them from a proof; the transcript absorbs them all.

Defaults, chosen by measurement (`dp bench pcs`, one 2^24 polynomial at rate 1/2, 85 queries):
arity 2^4 and 8 final variables give 154 KiB proofs (2^3 and 6: 167 KiB; 2^4 and 6: 155 KiB;
2^2: +30%), ~10-20 ms verification, and 64-byte leaves (one BLAKE3 block) for base-field rows,
half the leaves of arity 2^3. Grinding 16 bits costs ~0.1-0.2 s per opening here; each further
bit saves one query (~1.8 KiB at 2^24). Rate 1/4 halves the queries (2^24: ~97 KiB) for twice
the commit work: worth it for the weights, committed once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from deepprove_cli.pcs.basefold.layout import MAX_ARITY_BITS, MAX_RATE_BITS

MAX_QUERIES = 1024
MAX_GRINDING_BITS = 32
MAX_FINAL_VARS = 16

DEFAULT_RATE_BITS = 1
DEFAULT_ARITY_BITS = 4
DEFAULT_GRINDING_BITS = 16
DEFAULT_FINAL_VARS = 8
DEFAULT_TARGET_BITS = 100


@dataclass(frozen=True)
class PcsParams:
    rate_bits: int = DEFAULT_RATE_BITS
    arity_bits: int = DEFAULT_ARITY_BITS
    num_queries: int = 85
    grinding_bits: int = DEFAULT_GRINDING_BITS
    final_vars: int = DEFAULT_FINAL_VARS

    def __post_init__(self):
        checks = [("rate_bits", self.rate_bits, 1, MAX_RATE_BITS),
                  ("arity_bits", self.arity_bits, 1, MAX_ARITY_BITS),
                  ("num_queries", self.num_queries, 1, MAX_QUERIES),
                  ("grinding_bits", self.grinding_bits, 0, MAX_GRINDING_BITS),
                  ("final_vars", self.final_vars, 0, MAX_FINAL_VARS)]
        for name, v, lo, hi in checks:
            if not isinstance(v, int) or not lo <= v <= hi:
                raise ValueError(f"PcsParams.{name} must be an integer in [{lo}, {hi}], got {v!r}")

    @classmethod
    def for_security(cls, target_bits: float = DEFAULT_TARGET_BITS, *, rate_bits: int = DEFAULT_RATE_BITS,
                     arity_bits: int = DEFAULT_ARITY_BITS, grinding_bits: int = DEFAULT_GRINDING_BITS,
                     final_vars: int = DEFAULT_FINAL_VARS, margin_bits: float = 1.0) -> "PcsParams":
        """The fewest queries whose conjectured query-phase security (rate_bits per query, plus the
        grinding) reaches target_bits + margin_bits. The margin keeps the total (query phase plus the
        field-size terms, pcs/security.py) at the target while the field terms stay 1 bit above it
        (up to 2^20-variable openings at rate 1/2); queries cannot lift the field terms."""
        queries = max(1, math.ceil((target_bits + margin_bits - grinding_bits) / rate_bits))
        return cls(rate_bits, arity_bits, queries, grinding_bits, final_vars)

    def to_bytes(self) -> bytes:
        return bytes([self.rate_bits, self.arity_bits, self.grinding_bits, self.final_vars]) + \
            self.num_queries.to_bytes(4, "little")

    def absorb(self, transcript) -> None:
        transcript.absorb_bytes("pcs/params", self.to_bytes())


DEFAULT_PARAMS = PcsParams.for_security()
