"""A slow, obviously correct sumcheck prover on Python ints (tests only).

Round j's values are computed straight from the definition g_j(t) = sum over the remaining cube of
the summand with x_j = t (tables bound by `fix_first_variable` at the integer t). A batch is proven
as ONE sumcheck over max n_i variables whose smaller tables are tiled (repeated over the high
variables) and whose terms carry alpha^i: the definition of the batching convention of problem.py.
The fast prover must produce the same bytes.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.field.reference import ext_add, ext_mul
from deepprove_cli.poly.reference import ZERO, as_ext, fix_first_variable
from deepprove_cli.sumcheck.problem import batch_coefficients, combine
from deepprove_cli.sumcheck.proof import LABEL_ALPHA, LABEL_BATCH, LABEL_CHALLENGE, LABEL_CLAIM, LABEL_ROUND


def _rows(table: np.ndarray) -> list:
    return [as_ext(int(v)) for v in table] if table.ndim == 1 else [tuple(int(x) for x in row) for row in table]


def _summand_sum(tables, terms) -> tuple:
    acc = ZERO
    for x in range(len(tables[0])):
        for coeff, factors in terms:
            v = coeff
            for f in factors:
                v = ext_mul(v, tables[f][x])
            acc = ext_add(acc, v)
    return acc


def prove_lists(tables, terms, claim, transcript, degree: int):
    """Sumcheck over list tables (entries 4-tuples); terms are (coeff 4-tuple, factors).

    Returns (round values (n, degree, 4) array, point (n, 4) array, final table values list).
    """
    n = len(tables[0]).bit_length() - 1
    transcript.absorb_ext(LABEL_CLAIM, np.array([claim], dtype=np.uint32))
    rounds, point = [], []
    for _ in range(n):
        sent = []
        for t in [0] + list(range(2, degree + 1)):
            sent.append(_summand_sum([fix_first_variable(tb, t) for tb in tables], terms))
        sent = np.array(sent, dtype=np.uint32)
        rounds.append(sent)
        transcript.absorb_ext(LABEL_ROUND, sent)
        r = tuple(int(v) for v in np.asarray(transcript.challenge_ext(LABEL_CHALLENGE)).reshape(4))
        point.append(r)
        tables = [fix_first_variable(tb, r) for tb in tables]
    return (np.array(rounds, dtype=np.uint32).reshape(n, degree, 4), np.array(point, dtype=np.uint32).reshape(n, 4),
            [tb[0] for tb in tables])


def prove(problem, claim, transcript):
    """Reference twin of `prover.prove`: (round values, point, final evaluations (k, 4))."""
    terms = [(tuple(int(v) for v in t.coeff), t.factors) for t in problem.terms]
    rounds, point, finals = prove_lists([_rows(t) for t in problem.tables], terms,
                                        tuple(int(v) for v in claim), transcript, problem.degree)
    return rounds, point, np.array(finals, dtype=np.uint32).reshape(-1, 4)


def prove_batch(problems, claims, transcript):
    """Reference twin of `prover.prove_batch`: (round values, point, final evaluations per problem)."""
    if len(problems) == 1:
        rounds, point, finals = prove(problems[0], claims[0], transcript)
        return rounds, point, [finals]
    n = max(p.num_vars for p in problems)
    degree = max(p.degree for p in problems)
    transcript.absorb_ext(LABEL_BATCH, np.array([np.asarray(c, dtype=np.uint32) for c in claims]))
    alpha = np.asarray(transcript.challenge_ext(LABEL_ALPHA), dtype=np.uint32).reshape(4)
    claim_coeffs, final_coeffs = batch_coefficients(alpha, [p.num_vars for p in problems])
    tables, terms, offsets = [], [], []
    for p, f in zip(problems, final_coeffs):
        offsets.append(len(tables))
        for t in p.tables:
            rows = _rows(t)
            tables.append(rows * (1 << (n - p.num_vars)))  # tiled: constant in the high variables
        for t in p.terms:
            c = ext_mul(tuple(int(v) for v in f), tuple(int(v) for v in t.coeff))
            terms.append((c, tuple(offsets[-1] + j for j in t.factors)))
    claim = tuple(int(v) for v in combine(claim_coeffs, claims))
    rounds, point, finals = prove_lists(tables, terms, claim, transcript, degree)
    per = [np.array(finals[o:o + len(p.tables)], dtype=np.uint32).reshape(-1, 4) for o, p in zip(offsets, problems)]
    return rounds, point, per


def claimed_sum(problem) -> np.ndarray:
    """The honest claim, by definition."""
    terms = [(tuple(int(v) for v in t.coeff), t.factors) for t in problem.terms]
    return np.array(_summand_sum([_rows(t) for t in problem.tables], terms), dtype=np.uint32)
