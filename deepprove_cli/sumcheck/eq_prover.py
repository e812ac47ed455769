"""Prover for sum_x eq(r, x) G(x) = claim, G any sum of products (the claim every GKR layer and every
output-point Einsum reduces to), without an eq table among the factors ("Gruen" rounds).

Round j's polynomial factors as g_j(X) = eq(r_{<j}, s_{<j}) eq(r_j, X) h_j(X) with
h_j(X) = sum over the remaining x of eq(r_{>j}, x) G(s_{<j}, X, x), of degree deg G. So the prover
sums only G (one degree less than eq G) weighted by eq(r_{>j}, .) given as two sqrt-size tables
(eq_kernels.py), evaluates h at 0, 2, .., deg G, derives h(1) from the running claim, and never
builds, stores or folds the 2^n eq table. Measured against the generic prover with eq as a table:
fewer products per pair, no eq fold, 2^n * 16 bytes less memory.

The proof is an ordinary sumcheck proof of degree deg G + 1 (the same bytes the generic prover gives
for the product eq G): verify with `verifier.verify(claim, n, deg G + 1, ...)`, then check the
expected value against `problem.eq_final_value(r, point, terms, evals)`.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.poly.eq import as_point, eq_table
from deepprove_cli.poly.multilinear import is_ext
from deepprove_cli.sumcheck.eq_kernels import ab_cd_sums, generic_sums, gruen_values, next_claim
from deepprove_cli.sumcheck.kernels import round_values
from deepprove_cli.sumcheck.problem import SumcheckProblem, to_ext
from deepprove_cli.sumcheck.proof import LABEL_CHALLENGE, LABEL_CLAIM, LABEL_ROUND, SumcheckProof
from deepprove_cli.sumcheck.prover import _EMPTY, _flat_stack, _Instance, _tuple

_ONE = np.array([[1, 0, 0, 0]], dtype=np.uint32)


def _is_ab_cd(problem: SumcheckProblem) -> bool:
    """G = A B + C D over four distinct ext tables with unit coefficients (the GKR layer shape)."""
    t = problem.terms
    return (len(t) == 2 and all(len(x.factors) == 2 for x in t) and all(np.array_equal(x.coeff, _ONE[0]) for x in t)
            and sorted(t[0].factors + t[1].factors) == list(range(len(problem.tables))) == [0, 1, 2, 3]
            and all(is_ext(x) for x in problem.tables))


def _split_eq(rest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """eq(rest, .) as (low, high) flat tables: weight of pair i = high[i >> bL] * low[i mod 2^bL]."""
    bl = rest.shape[0] // 2
    return eq_table(rest[:bl]).reshape(-1), eq_table(rest[bl:]).reshape(-1)


def _h_values(inst: _Instance, ab_cd: bool, npts: int, with_one: bool, eql, eqh) -> np.ndarray:
    """h at t = 0, 2, .. (or 0, 1, ..): (npts, 4)."""
    if ab_cd and not with_one:
        pos = {j: i for i, j in enumerate(inst.order)}
        order = [pos[f] for t in inst.problem.terms for f in t.factors]
        partial = ab_cd_sums([inst.tabs[i].reshape(-1) for i in order], eql, eqh)
    else:
        if inst.stack is None:
            base = [t for t in inst.tabs if not is_ext(t)]
            bs, es, kb = _flat_stack(base), _flat_stack([t for t in inst.tabs if is_ext(t)]), len(base)
        else:
            bs, es, kb = _EMPTY, inst.stack, 0
        partial = generic_sums(bs, es, kb, len(inst.tabs) - kb, inst.size // 2, inst.tptr, inst.tidx, inst.coeffs,
                               npts, with_one, eql, eqh)
    return round_values(partial, _ONE, npts, 4)


def prove_eq(r, problem: SumcheckProblem, claim, transcript) -> tuple[SumcheckProof, np.ndarray, np.ndarray]:
    """Prove sum_x eq(r, x) G(x) = claim for G = `problem`. Returns (proof of degree deg G + 1, point s,
    G's table evaluations at s (k, 4))."""
    pt = as_point(r)
    n = problem.num_vars
    if pt.shape[0] != n:
        raise ValueError(f"prove_eq: point has {pt.shape[0]} coordinates, the tables {n} variables")
    dh = problem.degree
    inst = _Instance(problem, -1)  # generic layout and binding (no product fast path)
    ab_cd = _is_ab_cd(problem)
    claim = to_ext(claim)
    transcript.absorb_ext(LABEL_CLAIM, claim.reshape(1, 4))
    rounds = np.zeros((n, dh + 1, 4), dtype=np.uint32)
    point = np.zeros((n, 4), dtype=np.uint32)
    # Python ints, the form next_claim's results come back in: gruen_values / next_claim compile once
    cl, pacc = tuple(int(v) for v in claim), (1, 0, 0, 0)
    for j in range(n):
        if j:
            inst._bind([point[j - 1]])
        rj = _tuple(pt[j])
        with_one = not any(rj) or not any(pacc)  # h(1) cannot be derived: compute it
        eql, eqh = _split_eq(pt[j + 1:])
        hs = _h_values(inst, ab_cd, dh + 1 if with_one else dh, with_one, eql, eqh)
        rounds[j] = gruen_values(hs, with_one, cl, pacc, rj, dh)
        transcript.absorb_ext(LABEL_ROUND, rounds[j])
        point[j] = np.asarray(transcript.challenge_ext(LABEL_CHALLENGE), dtype=np.uint32).reshape(4)
        cl, pacc = next_claim(rounds[j], cl, _tuple(point[j]), pacc, rj)
    if n:
        inst.finish(point[n - 1])
    return SumcheckProof(rounds), point, inst.evals
