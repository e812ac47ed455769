"""`dp bench lookup`: the logUp-GKR argument (prover, verifier, proof size) and the verifier's table
evaluations.

Prover cases time what an honest prover does for a lookup: the multiplicities, then the argument
(fraction trees + batched GKR + leaf evaluations). The baseline, timed alternately in the same run,
is the witness cost of naive logUp without GKR: the same multiplicities plus one batch inversion of
alpha - w_i over the looked-up rows (what a committed-inverses logUp must compute before it can
even commit): speedup = baseline / ours.

Cases (default): 2^20 lookups into a 2^16 range table, 2^16 into a 2^8 range table, 2^18 tuple
lookups (x, f(x)) into a 2^12 function table, and four tables batched in one argument; then the
MLE of a function table's output column at a point (the verifier's default for tables up to
2^20 rows), and the first case as a complete succinct argument (Basefold commitment to the witness,
the argument, the opening of its claims: standalone.prove_committed). `--quick`: small sizes. `--log-sizes 16,20`: log2 of the lookups into a range table of
2^`table` rows (`-p table=16`).
"""

from __future__ import annotations

import numba
import numpy as np

from deepprove_cli.bench.record import Record, measure, measure_alternating, record


SUITE = "lookup"
P = 2013265921


def _range_case(rng, log_n: int, log_t: int):
    from deepprove_cli.field.babybear import to_field
    from deepprove_cli.lookup.layout import Lookup
    from deepprove_cli.lookup.tables import range_table

    return [range_table(log_t)], [Lookup(0, (to_field(rng.integers(0, 1 << log_t, size=1 << log_n)),))]


def _function_case(rng, log_n: int, log_t: int):
    from deepprove_cli.field.babybear import to_field
    from deepprove_cli.lookup.layout import Lookup
    from deepprove_cli.lookup.tables import function_table

    half = 1 << (log_t - 1)
    t = function_table(f"gelu{log_t}", -half, log_t,
                       lambda x: np.round(x / (1 + np.exp(-1.702 * x / 256))).astype(np.int64))
    x = rng.integers(-half, half, size=1 << log_n)
    return [t], [Lookup(0, (to_field(x), to_field(t.apply(x)[0])))]


def _multi_case(rng, log_n: int, log_t: int):
    tables, lookups = [], []
    for k in range(4):
        tabs, lks = (_range_case if k % 2 == 0 else _function_case)(rng, log_n - 2, log_t - k)
        tables += tabs
        lookups += [type(lk)(k, lk.columns) for lk in lks]
    return tables, lookups


def _baseline(tables, lookups, alpha, beta):
    """Multiplicities + q_i = alpha - (x_i + beta y_i ...) + batch inversion over every looked-up row."""
    from deepprove_cli.field import ext4_vec
    from deepprove_cli.lookup.multiplicity import compute_multiplicities
    from deepprove_cli.lookup.tree import alpha_minus_scaled

    def run():
        compute_multiplicities(tables, lookups)
        for lk in lookups:
            q = np.empty((lk.columns[0].shape[0], 4), dtype=np.uint32)
            coeff = (np.uint32(1), np.uint32(0), np.uint32(0), np.uint32(0))
            for c, col in enumerate(lk.columns):
                alpha_minus_scaled(q.reshape(-1), col, coeff, alpha, c == 0)
                coeff = tuple(np.uint32(v) for v in beta)
            ext4_vec.batch_inv(q, check=False)

    return run


def _prove_case(name: str, build, rng, log_n: int, log_t: int, opts) -> list[Record]:
    from deepprove_cli.lookup import logup, verifier
    from deepprove_cli.lookup.multiplicity import compute_multiplicities
    from deepprove_cli.transcript import Transcript

    tables, lookups = build(rng, log_n, log_t)
    n = sum(lk.columns[0].shape[0] for lk in lookups)
    alpha = tuple(np.uint32(v) for v in rng.integers(0, P, 4))
    beta = tuple(np.uint32(v) for v in rng.integers(0, P, 4))

    def ours():
        mult = compute_multiplicities(tables, lookups)
        return logup.prove(tables, lookups, mult, Transcript(b"bench-lookup"))

    base, mine = measure_alternating([_baseline(tables, lookups, alpha, beta), ours], opts.repeat)
    proof, _ = ours()
    data = proof.to_bytes()
    shapes = [lk.shape for lk in lookups]
    ver = measure(lambda: verifier.verify(tables, shapes, data, Transcript(b"bench-lookup")), max(3, opts.repeat))
    params = {"lookups": n, "tables": [t.size for t in tables], "arity": [t.arity for t in tables],
              "threads": numba.get_num_threads()}
    metrics = {"proof_bytes": len(data), "verify_s": round(ver.median, 6), "proof_components": proof.sizes(),
               "ns_per_lookup": round(mine.median / n * 1e9, 2)}
    return [record(SUITE, f"prove_{name}", mine, params=params, work=n, unit="lookups/s",
                   baseline_name="multiplicities + batch inversion (naive logUp witness)", baseline=base,
                   metrics=metrics),
            record(SUITE, f"verify_{name}", ver, params=params, metrics={"proof_bytes": len(data)})]


def _committed_case(name: str, rng, log_n: int, log_t: int, opts) -> Record:
    """The whole succinct argument: Basefold commitment to the witness, the argument, the opening."""
    from deepprove_cli.lookup import standalone

    tables, lookups = _range_case(rng, log_n, log_t)
    shapes = [lk.shape for lk in lookups]
    timing = measure(lambda: standalone.prove_committed(tables, lookups), max(1, opts.repeat // 2))
    proof, _ = standalone.prove_committed(tables, lookups)
    ver = measure(lambda: standalone.verify_committed(tables, shapes, proof), max(3, opts.repeat))
    sizes = proof.sizes()
    return record(SUITE, f"committed_{name}", timing, params={"lookups": 1 << log_n, "tables": [1 << log_t]},
                  work=1 << log_n, unit="lookups/s",
                  metrics={"proof_bytes": sum(sizes.values()), "proof_components": sizes, "verify_s": round(ver.median, 6),
                           "note": "multiplicities + Basefold commit + argument + opening"})


def _table_eval_case(rng, log_t: int, opts) -> Record:
    from deepprove_cli.lookup.tables import function_table

    t = function_table(f"table{log_t}", 0, log_t, lambda x: (x * 7919) % 65521)
    pt = rng.integers(0, P, (log_t, 4), dtype=np.uint32)
    t.output_columns()
    timing = measure(lambda: t.eval_outputs(pt), max(3, opts.repeat))
    return record(SUITE, f"table_eval_2^{log_t}", timing, params={"log_size": log_t}, work=1 << log_t,
                  unit="rows/s", metrics={"note": "verifier's evaluate mode for one output column"})


def run(opts) -> list[Record]:
    rng = np.random.default_rng(2025)
    log_t = int(opts.extra.get("table", 16))
    if opts.log_sizes:
        return [r for n in opts.log_sizes for r in _prove_case(f"2^{n}x2^{log_t}", _range_case, rng, n, log_t, opts)]
    if opts.quick:
        cases = [("range_2^14x2^8", _range_case, 14, 8), ("fn_2^12x2^8", _function_case, 12, 8),
                 ("multi4_2^12", _multi_case, 12, 8)]
        evals = [12]
    else:
        cases = [("range_2^20x2^16", _range_case, 20, 16), ("range_2^16x2^8", _range_case, 16, 8),
                 ("fn_2^18x2^12", _function_case, 18, 12), ("multi4_2^18", _multi_case, 18, 12)]
        evals = [16, 20]
    out = []
    for name, build, n, t in cases:
        out += _prove_case(name, build, rng, n, t, opts)
    big = cases[0]
    out.append(_committed_case(big[0], rng, big[2], big[3], opts))
    out += [_table_eval_case(rng, k, opts) for k in evals]
    return out
