"""Sumchecks over one tensor layout whose summand mixes witness tensors and public tables, and the
zero-check built on them (several constraints batched into one sumcheck).

`ProductSum` proves sum_x sum_k c_k prod_{f in term_k} F_f(x) = claim over a FULL layout (a shape),
where each factor F_f is
- a witness tensor (`Operand`) spanning some dimensions of the full shape and constant along the
  others (broadcast over padded positions too: its table is the operand's padded table repeated),
  so F_f(s) = T(s restricted to its dimensions): the prover sends that value and the verifier
  leaves a claim on T there;
- a public tensor (relations.public: masks, tables) spanning some dimensions, broadcast the same
  way, which the verifier evaluates at its part of the point;
- a public table over the whole layout the verifier evaluates itself (eq(tau, .) of a zero-check, eq
  over the row dimensions only): given as a table builder (prover) and an evaluator (verifier).
One sumcheck (degree = the longest term) runs over all of them; at its final point the verifier
rebuilds the summand from the sent and evaluated factors (`sumcheck.problem.final_value`). When every
term carries the same eq(tau, x) over the whole layout the prover is `sumcheck.eq_prover.prove_eq`
(no eq table, one degree less to sum; the same proof bytes), otherwise the generic prover.

Zero-check: constraints C_1..C_m that must vanish at every entry become ONE claim
sum_x eq(tau, x) sum_j lambda^j C_j(x) = 0 for a challenge point tau and a challenge lambda (drawn after
the caller absorbed the commitments): a nonzero C_j makes the left side a nonzero polynomial in
(tau, lambda), caught except with probability ~ (n + m) / |F|. Constraints on ROW sums (e.g. a
one-hot row sums to 1) batch into the same sumcheck with eq over the row dimensions only
(`ProductSum` is indifferent to which public factors a term uses). This is the batching every
relation with several constraints over one layout uses (rowmax: four constraints, one sumcheck).

What does not batch: a relation whose sumcheck starts from a point another relation's sumcheck ends
at (Einsum after Einsum along the graph) has to wait for it; claims on one tensor from several
relations are merged afterwards by `claims.reduce_claims`. Independent sumchecks of different sizes
in the same phase can share rounds with `sumcheck.prover.prove_batch` (low-variable convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.lookup import felt
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import Operand, TensorLayout, indicator_table
from deepprove_cli.relations.proof import ProofCursor, ProofShape, RelationProof
from deepprove_cli.relations.public import PublicTensor
from deepprove_cli.sumcheck.problem import check_final, final_value, make_terms


@dataclass(frozen=True)
class Public:
    """A factor the verifier evaluates: `table()` -> (2^n,) base or (2^n, 4) ext over the full layout
    (prover), `evaluate(point)` -> (4,) ext at a full-layout point (verifier)."""

    table: Callable[[], np.ndarray]
    evaluate: Callable[[np.ndarray], np.ndarray]
    eq_point: np.ndarray | None = None  # set when the factor is eq(eq_point, x) over the whole layout


def eq_factor(tau: np.ndarray) -> Public:
    """eq(tau, x) over the whole layout."""
    from deepprove_cli.poly.eq import eq_eval

    def table():
        from deepprove_cli.poly.eq import eq_table

        return eq_table(tau)

    return Public(table, lambda s: eq_eval(tau, s), tau)


def padding_factor(shape, low_vars: int = 0) -> Public:
    """1 on the padded entries of a tensor of `shape`, 0 on its real ones (1 - the real-entry indicator),
    constant along `low_vars` further lowest variables (per-row advice inside a wider layout). A
    zero-check term eq * pad * T states T = 0 on padding, where committed advice is otherwise free."""
    lay = TensorLayout(shape)

    def table():
        t = np.uint32(1) - indicator_table(shape)
        return np.repeat(t, 1 << low_vars) if low_vars else t

    return Public(table, lambda s: felt.sub(felt.ONE, lay.indicator_eval(s[low_vars:])))


def leading_eq_factor(tau_high: np.ndarray, low_vars: int) -> Public:
    """eq(tau_high, x_high) over the HIGH variables (the leading dimensions: rows), constant in the
    `low_vars` lowest ones."""
    from deepprove_cli.poly.eq import eq_eval

    def table():
        from deepprove_cli.poly.eq import eq_table

        return np.repeat(eq_table(tau_high), 1 << low_vars, axis=0)

    return Public(table, lambda s: eq_eval(tau_high, s[low_vars:]))


class ProductSum:
    """sum over a full layout of sum_k coeff_k prod of named factors (see the module docstring).

    factors: name -> Operand (with `dims`: which full dimensions it spans, default the trailing ones)
    or Public. terms: (coeff (int or ext), [factor names]).
    """

    def __init__(self, shape, factors: dict, terms, dims: dict | None = None, label: str = "product-sum"):
        self.layout = TensorLayout(shape)
        self.names = list(factors)
        self.factors = factors
        self.label = label
        self.dims = {}
        for name, f in factors.items():
            if isinstance(f, (Operand, PublicTensor)):
                d = (dims or {}).get(name, list(range(len(shape) - len(f.shape), len(shape))))
                if [self.layout.shape[i] for i in d] != list(f.shape) or sorted(d) != list(d):
                    raise InputError(f"{label}: factor {name} of shape {f.shape} does not span dimensions {d} "
                                     f"of {self.layout.shape}")
                self.dims[name] = list(d)
            elif not isinstance(f, Public):
                raise InputError(f"{label}: factor {name} must be an Operand, a PublicTensor or a Public")
        self.terms = make_terms([(c, [self.names.index(n) for n in fs]) for c, fs in terms])
        self.degree = max(len(t.factors) for t in self.terms)
        self.witnesses = [n for n in self.names if isinstance(factors[n], Operand)]

    @property
    def num_vars(self) -> int:
        return self.layout.num_vars

    def proof_shape(self) -> ProofShape:
        return ProofShape(((self.num_vars, self.degree),), len(self.witnesses))

    def _sub_point(self, name: str, s: np.ndarray) -> np.ndarray:
        parts = self.layout.split_point(s)
        return self.factors[name].layout.join_point([parts[i] for i in self.dims[name]])

    def _table(self, name: str, values: dict) -> np.ndarray:
        f = self.factors[name]
        if isinstance(f, Public):
            return f.table()
        if isinstance(f, PublicTensor):
            t = f.table()
        elif f.name not in values:
            raise InputError(f"{self.label}: no values for {f.name!r}")
        else:
            t = f.layout.table(values[f.name], f.name)
        t = t.reshape(f.layout.padded_shape)
        shape = [1] * len(self.layout.shape)
        for i, d in zip(self.dims[name], f.layout.padded_shape):
            shape[i] = d
        full = tuple(1 << v for v in self.layout.dim_vars)
        return np.ascontiguousarray(np.broadcast_to(t.reshape(shape), full)).reshape(-1)

    def _common_eq(self) -> str | None:
        """The factor that is eq over the whole layout and appears once in every term (with another
        factor beside it), if any."""
        for n in self.names:
            f = self.factors[n]
            if isinstance(f, Public) and f.eq_point is not None and all(
                    [self.names[i] for i in t.factors].count(n) == 1 and len(t.factors) > 1 for t in self.terms):
                return n
        return None

    def prove(self, claim, values: dict, proof: RelationProof, transcript) -> tuple[np.ndarray, list[TensorClaim]]:
        """Run the sumcheck for `claim`, send the witness factors' values; returns (point, claims)."""
        from deepprove_cli.sumcheck.problem import SumcheckProblem
        from deepprove_cli.sumcheck.prover import prove

        eq = self._common_eq()
        if eq is None:
            tables = [self._table(n, values) for n in self.names]
            sc, s, evals = prove(SumcheckProblem(tables, self.terms), claim, transcript)
        else:  # every term is eq(tau, x) * (...): the eq-weighted prover, same proof bytes, no eq table
            from deepprove_cli.sumcheck.eq_prover import prove_eq

            rest = [n for n in self.names if n != eq]
            terms = [(t.coeff, [rest.index(self.names[f]) for f in t.factors if self.names[f] != eq]) for t in self.terms]
            sc, s, g_evals = prove_eq(self.factors[eq].eq_point, SumcheckProblem([self._table(n, values) for n in rest],
                                                                              terms), claim, transcript)
            evals = {n: g_evals[rest.index(n)] for n in rest}
            evals = [evals.get(n) for n in self.names]
        proof.add_sumcheck(sc)
        mine = [evals[self.names.index(n)] for n in self.witnesses]
        sent = proof.send(transcript, f"relation/{self.label}/values",
                          np.stack(mine) if mine else np.zeros((0, 4), dtype=np.uint32))
        return s, [TensorClaim(self.factors[n].name, self._sub_point(n, s), v) for n, v in zip(self.witnesses, sent)]

    def verify(self, claim, cur: ProofCursor, transcript) -> tuple[np.ndarray, list[TensorClaim]]:
        s, expected = cur.sumcheck(claim, self.num_vars, self.degree, transcript)
        sent = cur.take(transcript, f"relation/{self.label}/values", len(self.witnesses))
        evals = np.zeros((len(self.names), 4), dtype=np.uint32)
        for n, v in zip(self.witnesses, sent):
            evals[self.names.index(n)] = v
        for i, n in enumerate(self.names):
            f = self.factors[n]
            if isinstance(f, Public):
                evals[i] = f.evaluate(s)
            elif isinstance(f, PublicTensor):
                evals[i] = f.evaluate(self._sub_point(n, s))
        check_final(expected, final_value(self.terms, evals), self.label)
        return s, [TensorClaim(self.factors[n].name, self._sub_point(n, s), v) for n, v in zip(self.witnesses, sent)]


def batch_constraints(constraints, lam, weight: str = "eq") -> list:
    """Terms of sum_j lam^j C_j with each product also multiplied by the factor `weight`.

    constraints: one list of (int coeff, [factor names]) per constraint, or (list, weight name) pairs
    to weight a constraint by another factor (e.g. row sums weighted by eq over the rows only).
    """
    out = []
    powers = felt.powers(lam, len(constraints))
    for lp, con in zip(powers, constraints):
        terms, w = con if isinstance(con, tuple) else (con, weight)
        for c, names in terms:
            out.append((felt.scale(lp, c), [w] + list(names)))
    return out
