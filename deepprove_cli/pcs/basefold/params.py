"""Basefold parameters: code rate, layer arity, batch leaf width, queries, grinding, size of the
final polynomial, and the largest committed column (max_vars).

Rate, arity, leaf width and max_vars are fixed at commit time (they shape the codewords and the
trees) and recorded in the commitment; queries, grinding and the final size are the opening's.
max_vars defaults to the largest column size whose challenge-field terms keep the target (100
bits: 20 variables at rate 1/2, 19 at rate 1/4; pcs/security.py), so every polynomial size
reaches it. The verifier holds its own parameters and never takes them from a proof; the
transcript absorbs them all.

Defaults, chosen by measurement (`dp bench pcs`, rate 1/2, 85 queries, 16 grinding bits):
arity 2^4 and 8 final variables (one 2^20 polynomial: 96 KiB; arity 2^3 or 6 final variables
cost more, 2^2 +30%). The batch leaf width is left open and chosen per batch from its width
(layout.auto_leaf_bits), since a leaf holds that many positions of EVERY column: measured proof
sizes for leaf widths 2^1..2^4: one 2^20 polynomial 133/120/109/96 KiB; a 2^24 polynomial (16
chunks of 2^20) 141/137/149/177 KiB; 256 x 2^14 at rate 1/4 126/202/367/692 KiB; 256 x 2^20 at
rate 1/2 with 2^1: 301 KiB (170 KiB of it the leaves), verify ~20 ms. Grinding 16 bits costs
~0.1-0.2 s per opening here; each further bit saves one query. Rate 1/4 halves the queries but
also max_vars, so a wide batch has twice the columns: 256 x 2^20 gives 254 KiB (vs 301) for
twice the commit work and codeword storage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from deepprove_cli.pcs.basefold.layout import MAX_ARITY_BITS, MAX_LEAF_BITS, MAX_RATE_BITS
from deepprove_cli.pcs.security import MAX_DOMAIN_BITS, max_vars_for

MAX_QUERIES = 1024
MAX_GRINDING_BITS = 32
MAX_FINAL_VARS = 16

DEFAULT_RATE_BITS = 1
DEFAULT_ARITY_BITS = 4
DEFAULT_LEAF_BITS = None   # chosen per batch from its width at commit time (layout.auto_leaf_bits)
DEFAULT_GRINDING_BITS = 16
DEFAULT_FINAL_VARS = 8
DEFAULT_TARGET_BITS = 100
DEFAULT_MARGIN_BITS = 1.0


@dataclass(frozen=True)
class PcsParams:
    rate_bits: int = DEFAULT_RATE_BITS
    arity_bits: int = DEFAULT_ARITY_BITS
    num_queries: int = 85
    grinding_bits: int = DEFAULT_GRINDING_BITS
    final_vars: int = DEFAULT_FINAL_VARS
    max_vars: int | None = None     # None: max_vars_for(rate_bits, DEFAULT_TARGET_BITS)
    leaf_bits: int | None = DEFAULT_LEAF_BITS

    def __post_init__(self):
        if self.max_vars is None and isinstance(self.rate_bits, int) and 1 <= self.rate_bits <= MAX_RATE_BITS:
            object.__setattr__(self, "max_vars", max_vars_for(self.rate_bits, DEFAULT_TARGET_BITS,
                                                              DEFAULT_MARGIN_BITS))
        checks = [("rate_bits", self.rate_bits, 1, MAX_RATE_BITS),
                  ("arity_bits", self.arity_bits, 1, MAX_ARITY_BITS),
                  ("leaf_bits", 1 if self.leaf_bits is None else self.leaf_bits, 1, MAX_LEAF_BITS),
                  ("num_queries", self.num_queries, 1, MAX_QUERIES),
                  ("grinding_bits", self.grinding_bits, 0, MAX_GRINDING_BITS),
                  ("final_vars", self.final_vars, 0, MAX_FINAL_VARS),
                  ("max_vars", self.max_vars, 0, MAX_DOMAIN_BITS - 1)]
        for name, v, lo, hi in checks:
            if not isinstance(v, int) or not lo <= v <= hi:
                raise ValueError(f"PcsParams.{name} must be an integer in [{lo}, {hi}], got {v!r}")
        if self.max_vars + self.rate_bits > MAX_DOMAIN_BITS:
            raise ValueError(f"PcsParams.max_vars {self.max_vars} at rate 2^-{self.rate_bits} exceeds the "
                             f"2^{MAX_DOMAIN_BITS} domain")

    @classmethod
    def for_security(cls, target_bits: float = DEFAULT_TARGET_BITS, *, rate_bits: int = DEFAULT_RATE_BITS,
                     arity_bits: int = DEFAULT_ARITY_BITS, grinding_bits: int = DEFAULT_GRINDING_BITS,
                     final_vars: int = DEFAULT_FINAL_VARS, leaf_bits: int | None = DEFAULT_LEAF_BITS,
                     margin_bits: float = DEFAULT_MARGIN_BITS) -> "PcsParams":
        """The fewest queries whose conjectured query-phase security (rate_bits per query, plus the
        grinding) reaches target_bits + margin_bits, and the largest column (max_vars) whose
        field-size terms (pcs/security.py) also stay at target_bits + margin_bits: each half of the
        union bound is then at most 2^-(target + margin), so the total reaches the target for every
        polynomial size (bigger ones are split). Raises ValueError if the field cannot reach it."""
        queries = max(1, math.ceil((target_bits + margin_bits - grinding_bits) / rate_bits))
        max_vars = max_vars_for(rate_bits, target_bits, margin_bits)
        return cls(rate_bits, arity_bits, queries, grinding_bits, final_vars, max_vars, leaf_bits)

    def to_bytes(self) -> bytes:
        """What the opening absorbs. Not the leaf width: the commitment's shape carries the one in
        use, and an open one (None) must bind like the value it resolves to."""
        return bytes([self.rate_bits, self.arity_bits, self.grinding_bits, self.final_vars, self.max_vars]) + \
            self.num_queries.to_bytes(4, "little")

    def absorb(self, transcript) -> None:
        transcript.absorb_bytes("pcs/params", self.to_bytes())


DEFAULT_PARAMS = PcsParams.for_security()
