"""Security of a Basefold opening in bits, conjectured and proven, from its parameters.

The soundness error is bounded by a union over the protocol's random challenges plus the query
phase; bits = -log2(total), capped by the hash (BLAKE3-256 Merkle trees and Fiat-Shamir: 128 bits
of collision resistance). |F| is the challenge field, the quartic extension of BabyBear
(log2 |F| = 4 log2 p ~ 123.6). With D = 2^(n + rate_bits) the largest committed codeword length
(n = the largest committed column, at most max_vars: bigger polynomials are split, see below):

    point reduction (several points)   1/|F| + 2 n/|F|                 independent claim coefficients,
                                                                        degree-2 rounds
    batching K columns                 D/|F| (K > 1)                   independent coefficients: the
                                                                        combination is a uniform point
                                                                        of an affine space, whose proximity
                                                                        gap is that of a line [BCIKS20]
    folding                            sum_j D_j/|F| < 2 D/|F|         one line per binary fold of a
                                                                        codeword of length D_j; the
                                                                        arity only groups folds
    fold sumcheck                      2 F/|F|                         F rounds of degree 2
    query phase, proven                ((1 + rho)/2)^Q 2^-g            unique decoding, delta = (1 - rho)/2
    query phase, conjectured           rho^Q 2^-g                      decoding up to capacity (the
                                                                        ethSTARK / FRI-literature conjecture:
                                                                        log2(1/rho) bits per query)

The field terms are the same in both figures (the conjectured proximity-gap error is also taken
as D/|F|, as in ethSTARK's conjecture and winterfell's `field_security`). They grow with D and do
not shrink with more queries or grinding: a 2^24 codeword costs ~2^-97.6 in folding alone. So
the committed columns are capped at `max_vars` variables (`max_vars_for`: the largest size whose
field terms stay at the target plus a margin; 20 at rate 1/2 for 100 bits), and a polynomial
with more variables is committed as 2^(n - max_vars) chunks on its high variables (basefold/split.py);
the chunk values a split claim adds are checked by an exact identity, at no soundness cost.
Many small polynomials are packed into shared columns of up to max_vars variables
(basefold/pack.py): `security_of_commitment` takes the committed columns as they are.
`Security.query_conjectured` is the query phase's share alone, the figure queries are chosen for
(`PcsParams.for_security`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

P = 2013265921
EXT_FIELD_BITS = 4 * math.log2(P)
HASH_BITS = 128.0
MAX_DOMAIN_BITS = 27            # BabyBear's two-adicity: the largest codeword is 2^27


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


def field_error(*, rate_bits: int, num_vars: int, batch_size: int = 1, num_claims: int = 1, final_vars: int = 0,
                field_bits: float = EXT_FIELD_BITS) -> float:
    """The challenge-field terms of the union bound (module docstring) for columns of at most
    `num_vars` variables: point reduction, batching, folding, fold sumcheck."""
    field = 2.0 ** field_bits
    log_d = num_vars + rate_bits
    folds = max(0, num_vars - min(final_vars, num_vars))
    eps = 0.0
    if num_claims > 1:
        eps += (1 + 2 * num_vars) / field
    if batch_size > 1:
        eps += 2.0 ** log_d / field
    eps += sum(2.0 ** (log_d - j) for j in range(folds)) / field
    eps += 2 * folds / field
    return eps


def security_bits(*, rate_bits: int, num_queries: int, grinding_bits: int, num_vars: int, arity_bits: int = 1,
                  batch_size: int = 1, num_claims: int = 1, final_vars: int = 0,
                  field_bits: float = EXT_FIELD_BITS) -> Security:
    """Security of opening `batch_size` committed columns of up to `num_vars` variables (`num_claims`
    claims; more than one point adds the point reduction). `arity_bits` groups folds into committed
    layers and does not change the bound (every binary fold has its own challenge); it is accepted
    so callers can pass a parameter set whole. Splitting is not applied here: see `security_of`."""
    if not (rate_bits >= 1 and num_queries >= 1 and grinding_bits >= 0 and num_vars >= 0 and arity_bits >= 1
            and batch_size >= 1 and num_claims >= 1 and final_vars >= 0):
        raise ValueError("security_bits: parameters out of range")
    eps_field = field_error(rate_bits=rate_bits, num_vars=num_vars, batch_size=batch_size, num_claims=num_claims,
                            final_vars=final_vars, field_bits=field_bits)
    rho = 2.0 ** -rate_bits
    grind = 2.0 ** -grinding_bits
    q_conj = rho ** num_queries * grind
    q_proven = ((1 + rho) / 2) ** num_queries * grind
    return Security(conjectured=_bits(eps_field + q_conj), proven=_bits(eps_field + q_proven),
                    query_conjectured=_bits(q_conj), query_proven=_bits(q_proven), field=_bits(eps_field))


def max_vars_for(rate_bits: int, target_bits: float, margin_bits: float = 1.0,
                 field_bits: float = EXT_FIELD_BITS) -> int:
    """The largest column size (variables) whose field terms stay >= target_bits + margin_bits at this
    rate, counting batching and folding down to a constant. Raises ValueError if even one variable
    cannot reach it (the target needs a larger challenge field)."""
    best = -1
    for n in range(1, MAX_DOMAIN_BITS - rate_bits + 1):
        eps = field_error(rate_bits=rate_bits, num_vars=n, batch_size=2, num_claims=2, field_bits=field_bits)
        if _bits(eps) < target_bits + margin_bits:
            break
        best = n
    if best < 1:
        raise ValueError(f"a {target_bits}-bit target is out of reach over a {field_bits:.1f}-bit challenge field "
                         f"at rate 2^-{rate_bits}")
    return best


def split_shape(num_vars: int, max_vars: int, batch_size: int = 1, num_claims: int = 1) -> tuple[int, int, int]:
    """(column variables, columns, column claims) once polynomials of `num_vars` variables are split
    into 2^(num_vars - max_vars) chunks each (basefold/split.py)."""
    extra = max(0, num_vars - max_vars)
    return min(num_vars, max_vars), batch_size << extra, num_claims << extra


def security_of_commitment(params, commitment, num_claims: int = 1) -> Security:
    """Security of opening a Basefold commitment with `num_claims` claims under a `PcsParams`, for the
    columns it really commits: split polynomials as their chunks (their claims counted once per
    chunk, as in `security_of`), small ones as the packed columns that hold them (basefold/pack.py),
    which can be larger than any of them."""
    columns = commitment.layout.num_vars
    split = commitment.split
    extra = max(split.chunk_bits(k) for k in range(len(split.num_vars)))
    return security_bits(rate_bits=params.rate_bits, num_queries=params.num_queries,
                         grinding_bits=params.grinding_bits, num_vars=max(columns), arity_bits=params.arity_bits,
                         batch_size=len(columns), num_claims=num_claims << extra, final_vars=params.final_vars)


def security_of(params, num_vars: int, batch_size: int = 1, num_claims: int = 1) -> Security:
    """Security of opening `batch_size` polynomials of up to `num_vars` variables with `num_claims`
    claims under a `PcsParams` (what `dp verify` prints for each opening): polynomials above
    `params.max_vars` count as their chunks."""
    n, cols, claims = split_shape(num_vars, params.max_vars, batch_size, num_claims)
    return security_bits(rate_bits=params.rate_bits, num_queries=params.num_queries,
                         grinding_bits=params.grinding_bits, num_vars=n, arity_bits=params.arity_bits,
                         batch_size=cols, num_claims=claims, final_vars=params.final_vars)
