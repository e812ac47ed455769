"""What a sumcheck proves: sum over x in {0,1}^n of sum_k c_k prod_{j in term_k} T_j(x) = claim.

`Term` (coefficient + factor indices) and `final_value` are shared by prover and verifier: after the
last round the verifier holds a point r and an expected value, obtains T_j(r) (from openings or from
later layers) and checks `final_value(terms, evals) == expected` (`check_final`). `SumcheckProblem`
adds the tables (prover side). The degree of a problem is its longest term.

Batching (`batch_coefficients`): claims over n_i <= n variables, instance i's tables live in the
LOW variables x_0..x_{n_i-1} and are constant in the others (repeated), so its sum over {0,1}^n is
2^(n - n_i) times its own claim. With a transcript challenge alpha the combined claim is
sum_i alpha^i 2^(n - n_i) claim_i, and its final value is sum_i alpha^i F_i(r_0..r_{n_i-1}): each
instance's point is the PREFIX of the common point (its tables stop folding after round n_i).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import P
from deepprove_cli.lookup import felt


def to_ext(v) -> np.ndarray:
    """A base scalar (any int) or a (4,) ext element as a canonical (4,) uint32 array."""
    if type(v) is np.ndarray and v.dtype == np.uint32 and v.shape == (4,):  # the common case, no reductions
        if max(v.tolist()) >= P:
            raise ValueError(f"expected a field element (int or canonical (4,) ext), got {v!r}")
        return v.copy()
    if isinstance(v, (int, np.integer)):
        return np.array([int(v) % P, 0, 0, 0], dtype=np.uint32)
    a = np.asarray(v)
    if a.shape == () or a.shape == (1,):
        return np.array([int(a.reshape(-1)[0]) % P, 0, 0, 0], dtype=np.uint32)
    if a.shape != (4,) or a.dtype.kind not in "ui" or int(a.min()) < 0 or int(a.max()) >= P:
        raise ValueError(f"expected a field element (int or canonical (4,) ext), got {a!r}")
    return a.astype(np.uint32)


def emul(a, b) -> np.ndarray:
    return felt.mul(a, b)


def eadd(a, b) -> np.ndarray:
    return felt.add(a, b)


def escale(a, s: int) -> np.ndarray:
    """a * s for a base scalar s (any int)."""
    return felt.scale(a, s)


@dataclass(frozen=True)
class Term:
    """c * prod_{j in factors} T_j; factors may repeat (squares); at least one factor."""

    coeff: np.ndarray
    factors: tuple[int, ...]

    @classmethod
    def of(cls, coeff, factors) -> "Term":
        fs = tuple(int(f) for f in factors)
        if not fs:
            raise ValueError("a sumcheck term needs at least one factor")
        return cls(to_ext(coeff), fs)


def make_terms(terms) -> list[Term]:
    """Terms from `Term`s or (coeff, factors) pairs."""
    out = []
    for t in terms:
        out.append(t if isinstance(t, Term) else Term.of(*t))
    if not out:
        raise ValueError("a sumcheck problem needs at least one term")
    return out


def degree_of(terms) -> int:
    return max(len(t.factors) for t in make_terms(terms))


def final_value(terms, evals) -> np.ndarray:
    """sum_k c_k prod_{j in term_k} evals[j]: the value the last round must match."""
    ev = np.asarray(evals, dtype=np.uint32).reshape(-1, 4)
    rows = ev.tolist()
    acc = felt.ZERO_I
    for t in make_terms(terms):
        if max(t.factors) >= ev.shape[0]:
            raise ValueError(f"term uses table {max(t.factors)}, only {ev.shape[0]} evaluations given")
        v = felt.ints(t.coeff)
        for f in t.factors:
            v = felt.mul_i(v, rows[f])
        acc = felt.add_i(acc, v)
    return felt.arr(acc)


def eq_final_value(r, point, terms, evals) -> np.ndarray:
    """eq(r, point) * sum_k c_k prod evals: the final value of a sum_x eq(r, x) G(x) claim
    (eq_prover.py); the verifier computes eq itself in O(n)."""
    from deepprove_cli.poly.eq import eq_eval

    return emul(eq_eval(r, point), final_value(terms, evals))


def check_final(expected, value, what: str = "sumcheck") -> None:
    """Raise ProofInvalid unless the value rebuilt from table evaluations equals the expected one."""
    if to_ext(expected).tolist() != to_ext(value).tolist():
        raise ProofInvalid(f"{what}: final evaluation does not match the last round")


def batch_coefficients(alpha, num_vars: list[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(claim coefficients alpha^i 2^(n - n_i), final coefficients alpha^i) for a batch; n = max n_i."""
    n = max(num_vars)
    finals, claims = [], []
    power = to_ext(1)
    for ni in num_vars:
        finals.append(power)
        claims.append(escale(power, pow(2, n - ni, P)))
        power = emul(power, alpha)
    return claims, finals


def combine(coeffs, values) -> np.ndarray:
    """sum_i coeffs[i] * values[i] (ext)."""
    acc = np.zeros(4, dtype=np.uint32)
    for c, v in zip(coeffs, values):
        acc = eadd(acc, emul(c, to_ext(v)))
    return acc


class SumcheckProblem:
    """Tables (base (2^n,) or ext (2^n, 4) uint32, all with n variables) and the terms over them.

    `SumcheckProblem(tables)` alone is the plain product of all tables.
    """

    def __init__(self, tables, terms=None):
        from deepprove_cli.poly.multilinear import num_vars_of

        self.tables = [t if t.flags.c_contiguous else np.ascontiguousarray(t) for t in tables]
        if not self.tables:
            raise ValueError("a sumcheck problem needs at least one table")
        ns = {num_vars_of(t) for t in self.tables}
        if len(ns) != 1:
            raise ValueError(f"all tables of one sumcheck need the same number of variables, got {sorted(ns)}")
        self.num_vars = ns.pop()
        self.terms = make_terms(terms if terms is not None else [(1, range(len(self.tables)))])
        for t in self.terms:
            if min(t.factors) < 0 or max(t.factors) >= len(self.tables):
                raise ValueError(f"term factor out of range: {t.factors} with {len(self.tables)} tables")
        self.degree = max(len(t.factors) for t in self.terms)

    def final_value(self, evals) -> np.ndarray:
        return final_value(self.terms, evals)
