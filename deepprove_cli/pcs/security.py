"""Security of a Basefold opening in bits, conjectured and proven, from its parameters.

The soundness error is bounded by a union over the protocol's random challenges plus the query
phase; bits = -log2(total), capped by the hash (BLAKE3-256 Merkle trees and Fiat-Shamir: 128 bits
of collision resistance). |F| is the challenge field, the quartic extension of BabyBear
(log2 |F| = 4 log2 p ~ 123.6). With D = 2^(n + rate_bits) the largest codeword length:

    point reduction (several points)   (claims - 1)/|F| + 2 n/|F|     alpha batching, degree-2 rounds
    batching K polynomials with beta   (K - 1) D/|F|                   proximity gaps for powers [BCIKS20]
    folding                            sum_j D_j/|F| < 2 D/|F|         one line per binary fold of a
                                                                        codeword of length D_j; the
                                                                        arity only groups folds
    fold sumcheck                      2 F/|F|                         F rounds of degree 2
    query phase, proven                ((1 + rho)/2)^Q 2^-g            unique decoding, delta = (1 - rho)/2
    query phase, conjectured           rho^Q 2^-g                      decoding up to capacity (the
                                                                        ethSTARK / FRI-literature conjecture:
                                                                        log2(1/rho) bits per query)

The field terms are the same in both figures (the conjectured proximity-gap error is also taken
as D/|F|, as in ethSTARK's conjecture and winterfell's `field_security`). They do not shrink with
more queries or grinding: at D = 2^25 (a 2^24 polynomial at rate 1/2) the folding alone costs
2^26/|F| ~ 2^-97.6, so no choice of queries lifts a 2^24 opening over the quartic extension to
100 bits; it needs a larger challenge field. `Security.query_conjectured` is the query phase's
share alone, the figure parameters are chosen for (`PcsParams.for_security`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

P = 2013265921
EXT_FIELD_BITS = 4 * math.log2(P)
HASH_BITS = 128.0


@dataclass(frozen=True)
class Security:
    conjectured: float          # total, query phase under the capacity conjecture
    proven: float               # total, query phase in the unique-decoding regime
    query_conjectured: float    # query phase + grinding alone, conjectured
    query_proven: float         # query phase + grinding alone, proven
    field: float                # the challenge-field terms alone

    def to_json(self) -> dict:
        return {k: round(v, 2) for k, v in asdict(self).items()}


def _bits(eps: float) -> float:
    return min(HASH_BITS, -math.log2(eps)) if eps > 0 else HASH_BITS


def security_bits(*, rate_bits: int, num_queries: int, grinding_bits: int, num_vars: int, arity_bits: int = 1,
                  batch_size: int = 1, num_claims: int = 1, final_vars: int = 0,
                  field_bits: float = EXT_FIELD_BITS) -> Security:
    """Security of opening `batch_size` polynomials of up to `num_vars` variables (`num_claims`
    claims; more than one point adds the point reduction). `arity_bits` groups folds into committed
    layers and does not change the bound (every binary fold has its own challenge); it is accepted
    so callers can pass a parameter set whole."""
    if not (rate_bits >= 1 and num_queries >= 1 and grinding_bits >= 0 and num_vars >= 0 and arity_bits >= 1
            and batch_size >= 1 and num_claims >= 1 and final_vars >= 0):
        raise ValueError("security_bits: parameters out of range")
    field = 2.0 ** field_bits
    log_d = num_vars + rate_bits
    folds = max(0, num_vars - min(final_vars, num_vars))
    eps_field = 0.0
    if num_claims > 1:
        eps_field += (num_claims - 1 + 2 * num_vars) / field
    eps_field += (batch_size - 1) * 2.0 ** log_d / field
    eps_field += sum(2.0 ** (log_d - j) for j in range(folds)) / field
    eps_field += 2 * folds / field
    rho = 2.0 ** -rate_bits
    grind = 2.0 ** -grinding_bits
    q_conj = rho ** num_queries * grind
    q_proven = ((1 + rho) / 2) ** num_queries * grind
    return Security(conjectured=_bits(eps_field + q_conj), proven=_bits(eps_field + q_proven),
                    query_conjectured=_bits(q_conj), query_proven=_bits(q_proven), field=_bits(eps_field))


def security_of(params, num_vars: int, batch_size: int = 1, num_claims: int = 1) -> Security:
    """`security_bits` for a `PcsParams` (what `dp verify` prints for each opening)."""
    return security_bits(rate_bits=params.rate_bits, num_queries=params.num_queries,
                         grinding_bits=params.grinding_bits, num_vars=num_vars, arity_bits=params.arity_bits,
                         batch_size=batch_size, num_claims=num_claims, final_vars=params.final_vars)
