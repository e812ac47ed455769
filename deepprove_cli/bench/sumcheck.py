"""`dp bench sumcheck`: prover throughput for sum_x A(x) B(x) (degree 2) and sum_x A B C (degree 3)
over base tables of 2^n entries, against the direct evaluation of the same product at one random
extension point with the same kernels: build eq(r, .), then one weighted pass sum_x eq(r, x) A B
(`poly.eq.eq_table` + `poly.multilinear.weighted_product_sum`). speedup = baseline / ours, so the
target "prover within 3x of one evaluation" reads speedup >= 0.333.

Baseline and prover runs alternate (one of each per repetition) so that load from other processes
hits both alike. Metrics: proof bytes, verifier time, ns per table entry.

Also: `prove_eq_ab_cd`, the eq-weighted prover on sum_x eq(r, x)(A B + C D) (ext tables) against the
generic prover given eq(r, .) as a table (sizes up to 2^22); with `--device cuda`, the GPU product
prover against the CPU one.

Sizes: `--log-sizes` (default 16-24; `--quick`: 12,14).
"""

from __future__ import annotations

import numba
import numpy as np

from deepprove_cli.bench.record import Record, measure, measure_alternating, record

SUITE = "sumcheck"
P = 2013265921


def _product_case(n: int, degree: int, opts, rng) -> Record:
    from deepprove_cli.poly.eq import eq_table
    from deepprove_cli.poly.multilinear import weighted_product_sum
    from deepprove_cli.sumcheck import prover, verifier
    from deepprove_cli.sumcheck.problem import SumcheckProblem
    from deepprove_cli.transcript import Transcript

    tables = [rng.integers(0, P, 1 << n, dtype=np.uint32) for _ in range(degree)]
    r = rng.integers(0, P, (n, 4), dtype=np.uint32)
    problem = SumcheckProblem(tables)
    claim = prover.claimed_sum(problem)

    def baseline():
        return weighted_product_sum(eq_table(r), tables)

    def ours():
        return prover.prove(problem, claim, Transcript(b"bench"))

    base, mine = measure_alternating([baseline, ours], opts.repeat)
    proof, _, _ = ours()
    data = proof.to_bytes()
    verify = measure(lambda: verifier.verify(claim, n, degree, proof, Transcript(b"bench")), max(3, opts.repeat))
    metrics = {"proof_bytes": len(data), "verify_s": round(verify.median, 6),
               "ns_per_entry": round(mine.median / (1 << n) * 1e9, 2)}
    if degree == 2:
        metrics["target_speedup"] = round(1 / 3, 3)  # prover within 3x of one evaluation
    return record(SUITE, f"prove_deg{degree}", mine,
                  params={"log_size": n, "degree": degree, "tables": "base", "threads": numba.get_num_threads()},
                  work=1 << n, unit="entries/s", baseline_name="eq_table + weighted pass (one evaluation)",
                  baseline=base, metrics=metrics)


def _eq_case(n: int, opts, rng) -> Record:
    """sum_x eq(r, x) (A B + C D) over ext tables (a fraction-tree layer's shape): the eq-weighted
    prover against the generic prover given eq(r, .) as a fifth table (same proof bytes)."""
    from deepprove_cli.poly.eq import eq_table
    from deepprove_cli.sumcheck import prover
    from deepprove_cli.sumcheck.eq_prover import prove_eq
    from deepprove_cli.sumcheck.problem import SumcheckProblem
    from deepprove_cli.transcript import Transcript

    tables = [rng.integers(0, P, (1 << n, 4), dtype=np.uint32) for _ in range(4)]
    r = rng.integers(0, P, (n, 4), dtype=np.uint32)
    g = SumcheckProblem(tables, [(1, [0, 1]), (1, [2, 3])])

    def baseline():
        full = SumcheckProblem([eq_table(r)] + tables, [(1, [0, 1, 2]), (1, [0, 3, 4])])
        return prover.prove(full, 0, Transcript(b"bench"))

    base, mine = measure_alternating([baseline, lambda: prove_eq(r, g, 0, Transcript(b"bench"))], opts.repeat)
    return record(SUITE, "prove_eq_ab_cd", mine,
                  params={"log_size": n, "degree": 3, "tables": "ext", "threads": numba.get_num_threads()},
                  work=1 << n, unit="entries/s", baseline_name="generic prover, eq(r, .) as a table", baseline=base,
                  metrics={"ns_per_entry": round(mine.median / (1 << n) * 1e9, 2)})


def _cuda_case(n: int, degree: int, opts, rng) -> Record:
    """The device-resident product prover (transfers included) against the CPU prover."""
    from deepprove_cli.sumcheck import cuda as sc
    from deepprove_cli.sumcheck import prover
    from deepprove_cli.sumcheck.problem import SumcheckProblem
    from deepprove_cli.transcript import Transcript

    problem = SumcheckProblem([rng.integers(0, P, 1 << n, dtype=np.uint32) for _ in range(degree)])
    base, mine = measure_alternating([lambda: prover.prove(problem, 0, Transcript(b"bench")),
                             lambda: sc.prove_product(problem, 0, Transcript(b"bench"))], opts.repeat)
    return record(SUITE, f"prove_deg{degree}_cuda", mine, params={"log_size": n, "degree": degree, "device": "cuda"},
                  work=1 << n, unit="entries/s", baseline_name="CPU prover", baseline=base)


def run(opts) -> list[Record]:
    rng = np.random.default_rng(2024)
    sizes = opts.log_sizes or ([12, 14] if opts.quick else [16, 18, 20, 22, 24])
    records = []
    for n in sizes:
        for degree in (2, 3):
            records.append(_product_case(n, degree, opts, rng))
            if opts.device == "cuda":
                records.append(_cuda_case(n, degree, opts, rng))
    for n in sizes:
        if n <= 22:  # the baseline builds and folds a 2^n eq table among five ext tables
            records.append(_eq_case(n, opts, rng))
    return records
