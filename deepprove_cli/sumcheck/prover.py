"""Sumcheck prover: orchestration of the round kernels and of the transcript (proof.py).

Per round: bind the previous challenge into every table (poly.multilinear's vectorized fold
kernels), then one evaluation pass over pairs of entries: product_kernels.py for the plain product of
2 or 3 tables, kernels.round_sums for anything else; kernels.round_values turns the sums into the
round's values in one call. The first round reads the caller's tables as they are (base tables stay
base: no extension arithmetic before a challenge exists); for a product of base tables round 1 does
not either (product_kernels.small_value_sums) and round 2 binds x_0 and x_1 in one pass.

Memory: tables are bound into two ping-pong flat buffers (2^(n-1) and 2^(n-2) entries per table, or a
quarter and an eighth after a small-value round) that hold the tables back to back, so a buffer prefix
is also the stacked layout the generic kernel reads. Nothing is allocated per round; a parallel fold
in place would race (fold i reads 2i, 2i + 1).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.poly.multilinear import fix_first_two_variables, fix_first_variable, is_ext
from deepprove_cli.sumcheck.kernels import round_sums, round_values, scaled_powers
from deepprove_cli.sumcheck.product_kernels import product_sums, small_value_sums
from deepprove_cli.sumcheck.problem import (SumcheckProblem, batch_coefficients, combine, eadd, emul, escale,
                                            final_value, to_ext)
from deepprove_cli.sumcheck.proof import (LABEL_ALPHA, LABEL_BATCH, LABEL_CHALLENGE, LABEL_CLAIM, LABEL_ROUND,
                                          SumcheckProof)

_EMPTY = np.empty(0, dtype=np.uint32)


def _flat_stack(tables: list[np.ndarray]) -> np.ndarray:
    if not tables:
        return _EMPTY
    if len(tables) == 1:
        return tables[0].reshape(-1)
    return np.concatenate([t.reshape(-1) for t in tables])


def _fits_product_kernels(problem: SumcheckProblem, degree: int) -> bool:
    """The plain product of 2 or 3 tables of one kind, each used once, proven at its own degree."""
    if len(problem.terms) != 1 or problem.num_vars == 0:
        return False
    f = problem.terms[0].factors
    kinds = {is_ext(t) for t in problem.tables}
    return len(f) == degree in (2, 3) and sorted(f) == list(range(len(problem.tables))) and len(kinds) == 1


class _Instance:
    """One problem being proven: its tables (in kernel order), remapped terms and fold buffers."""

    def __init__(self, problem: SumcheckProblem, degree: int, scale=None):
        self.problem = problem
        scale = to_ext(1) if scale is None else scale
        self.coeffs = np.stack([emul(scale, t.coeff) for t in problem.terms])  # (K, 4): what the round sums get
        self.n = problem.num_vars
        self.fast = _fits_product_kernels(problem, degree)
        if self.fast:
            self.order = list(problem.terms[0].factors)
        else:  # base tables first: the generic kernel's layout
            self.order = ([j for j, t in enumerate(problem.tables) if not is_ext(t)]
                          + [j for j, t in enumerate(problem.tables) if is_ext(t)])
        pos = {j: i for i, j in enumerate(self.order)}
        self.tptr = np.zeros(len(problem.terms) + 1, dtype=np.int64)
        idx = []
        for k, t in enumerate(problem.terms):
            idx.extend(pos[f] for f in t.factors)
            self.tptr[k + 1] = len(idx)
        self.tidx = np.array(idx, dtype=np.int64)
        self.tabs = [problem.tables[j] for j in self.order]
        self.stack = None  # the folded tables back to back (None before the first fold)
        self.size = 1 << self.n
        self.buffers = None
        self.ping = 0
        self.r0 = None  # the first challenge while a base product defers binding x_0 (small-value round 1)
        self.evals = None
        if self.n == 0:
            self.evals = np.stack([_lift(t[0]) for t in problem.tables])

    def _bind(self, rs) -> None:
        """Bind the next len(rs) variables: one, or two at once for base tables after a small-value round."""
        k, new = len(self.tabs), self.size >> len(rs)
        if self.buffers is None:
            self.buffers = [np.empty(k * new * 4, dtype=np.uint32), np.empty(k * max(1, new // 2) * 4, dtype=np.uint32)]
        flat = self.buffers[self.ping][:k * new * 4]
        self.ping ^= 1
        views = [flat[j * new * 4:(j + 1) * new * 4].reshape(new, 4) for j in range(k)]
        for t, v in zip(self.tabs, views):
            if len(rs) == 2:
                fix_first_two_variables(t, rs[0], rs[1], out=v)
            else:
                fix_first_variable(t, rs[0], out=v)
        self.tabs, self.stack, self.size = views, flat, new

    def round_poly(self, r_prev, npts: int) -> np.ndarray:
        """This round's values (npts, 4) at t = 0, 2, .., npts, after binding the previous variable to r_prev."""
        small = self.fast and not is_ext(self.tabs[0])
        if r_prev is not None:
            if small and self.r0 is None:  # round 1 on base values: x_0 stays unbound until round 2
                self.r0 = r_prev
                k = len(self.tabs)
                partial = small_value_sums([t.reshape(-1) for t in self.tabs])
                return round_values(partial, scaled_powers(_tuple(r_prev), k + 1, _tuple(self.coeffs[0])), npts, 1)
            self._bind([self.r0, r_prev] if small else [r_prev])
        return round_values(self._sums(npts, False), self.coeffs, npts, 4)

    def _sums(self, npts: int, with_one: bool) -> np.ndarray:
        """Per-chunk sums of the current round (kernels.round_values layout, width 4)."""
        if self.fast and not with_one:
            return product_sums([t.reshape(-1) for t in self.tabs], is_ext(self.tabs[0]))
        if self.stack is None:
            base = [t for t in self.tabs if not is_ext(t)]
            bs, es, kb = _flat_stack(base), _flat_stack([t for t in self.tabs if is_ext(t)]), len(base)
        else:
            bs, es, kb = _EMPTY, self.stack, 0
        return round_sums(bs, es, kb, len(self.tabs) - kb, self.size // 2, self.tptr, self.tidx, npts, with_one)

    def finish(self, r) -> np.ndarray:
        """Bind the last variable: T_j(point) for every table, in the problem's table order."""
        if self.r0 is not None and not is_ext(self.tabs[0]):  # two variables, the first still unbound
            vals = [fix_first_two_variables(t, self.r0, r)[0] for t in self.tabs]
        else:
            vals = [fix_first_variable(t, r)[0] for t in self.tabs]
        self.evals = np.empty((len(self.tabs), 4), dtype=np.uint32)
        self.evals[self.order] = np.stack(vals)
        self.tabs, self.stack, self.buffers = [], None, None
        return self.evals


def _tuple(r):
    return (np.uint32(r[0]), np.uint32(r[1]), np.uint32(r[2]), np.uint32(r[3]))


def _lift(v) -> np.ndarray:
    return to_ext(int(v)) if np.ndim(v) == 0 else np.asarray(v, dtype=np.uint32).copy()


def claimed_sum(problem: SumcheckProblem) -> np.ndarray:
    """The honest claim sum_x sum_k c_k prod T_j(x) (for callers and tests), (4,) ext."""
    inst = _Instance(problem, problem.degree)
    if problem.num_vars == 0:
        return final_value(problem.terms, inst.evals)
    g = round_values(inst._sums(2, True), inst.coeffs, 2, 4)  # g(0), g(1)
    return eadd(g[0], g[1])


def _run(instances, finals, n, degree, claim, transcript):
    """The rounds of a (possibly batched) sumcheck: returns (proof, point)."""
    transcript.absorb_ext(LABEL_CLAIM, to_ext(claim).reshape(1, 4))
    rounds = np.zeros((n, degree, 4), dtype=np.uint32)
    point = np.zeros((n, 4), dtype=np.uint32)
    r_prev = None
    for j in range(n):
        g = np.zeros((degree, 4), dtype=np.uint64)
        for inst, f in zip(instances, finals):
            if j < inst.n:
                g += inst.round_poly(r_prev, degree)
            else:
                if inst.evals is None:
                    inst.finish(r_prev)
                # a finished instance is constant in x_j..x_{n-1}: 2^(n-j-1) copies of its final value
                g += escale(emul(f, final_value(inst.problem.terms, inst.evals)), pow(2, n - j - 1, P))
        rounds[j] = g % np.uint64(P)
        transcript.absorb_ext(LABEL_ROUND, rounds[j])
        r_prev = np.asarray(transcript.challenge_ext(LABEL_CHALLENGE), dtype=np.uint32).reshape(4)
        point[j] = r_prev
    for inst in instances:
        if inst.evals is None:
            inst.finish(r_prev)
    return SumcheckProof(rounds), point


def prove(problem: SumcheckProblem, claim, transcript) -> tuple[SumcheckProof, np.ndarray, np.ndarray]:
    """Prove sum_x problem(x) = claim. Returns (proof, point r (n, 4), T_j(r) for every table (k, 4)).

    The claim is not checked here: a wrong one yields a proof that fails verification.
    """
    inst = _Instance(problem, problem.degree)
    proof, point = _run([inst], [to_ext(1)], problem.num_vars, problem.degree, claim, transcript)
    return proof, point, inst.evals


def prove_batch(problems: list[SumcheckProblem], claims, transcript) -> tuple[SumcheckProof, np.ndarray, list]:
    """Prove several claims in one sumcheck (problem.py: low-variable convention, alpha powers).

    Returns (proof, point over max n_i variables, [T_j(r[:n_i]) per problem]).
    """
    if len(problems) != len(claims) or not problems:
        raise ValueError("prove_batch: one claim per problem, at least one")
    if len(problems) == 1:
        proof, point, evals = prove(problems[0], claims[0], transcript)
        return proof, point, [evals]
    cl = [to_ext(c) for c in claims]
    transcript.absorb_ext(LABEL_BATCH, np.stack(cl))
    alpha = np.asarray(transcript.challenge_ext(LABEL_ALPHA), dtype=np.uint32).reshape(4)
    nv = [p.num_vars for p in problems]
    claim_coeffs, final_coeffs = batch_coefficients(alpha, nv)
    degree = max(p.degree for p in problems)
    instances = [_Instance(p, degree, escale(f, pow(2, max(nv) - p.num_vars, P))) for f, p in zip(final_coeffs, problems)]
    proof, point = _run(instances, final_coeffs, max(nv), degree, combine(claim_coeffs, cl), transcript)
    return proof, point, [inst.evals for inst in instances]
