"""`dp bench pcs`: Basefold commit, open and verify, with the commit's lower bound timed beside it.

Cases (log sizes from --log-sizes, default 16,18,20,22,24; --quick: 10,12): one polynomial of 2^n
evaluations, and a batch (16 x 2^20; --quick: 4 x 2^10) opened at one point. Per case:

  commit/...  ours vs the lower bound "ntt+merkle/...": the same kernels' LDE of the same total size
              plus the Merkle tree of the same matrix, timed alternately with ours (speedup =
              bound / ours; target >= 1/1.5);
  open/...    prover time, proof size and its breakdown, security bits;
  verify/...  warm verification time of that proof.

Parameters: the defaults (pcs.DEFAULT_PARAMS) unless -p rate_bits=, arity_bits=, queries=,
grinding_bits=, final_vars=, target_bits= (then PcsParams.for_security picks the queries).
"""

from __future__ import annotations

from deepprove_cli.bench.record import Record, Timing, measure, peak_rss_mb, record, reset_peak_rss
from deepprove_cli.errors import InputError

SUITE = "pcs"
_BIG = 20  # from 2^20 evaluations on, no untimed warm-up run (kernels are compiled by a small case first)


def _params(extra: dict):
    from deepprove_cli.pcs import DEFAULT_PARAMS, PcsParams

    keys = {"rate_bits", "arity_bits", "queries", "grinding_bits", "final_vars", "target_bits"}
    unknown = set(extra) - keys
    if unknown:
        raise InputError(f"dp bench pcs: unknown -p {', '.join(sorted(unknown))}", hint=f"one of {sorted(keys)}")
    try:
        vals = {k: int(v) for k, v in extra.items()}
    except ValueError:
        raise InputError("dp bench pcs: -p values must be integers") from None
    if not vals:
        return DEFAULT_PARAMS
    base = dict(rate_bits=DEFAULT_PARAMS.rate_bits, arity_bits=DEFAULT_PARAMS.arity_bits,
                grinding_bits=DEFAULT_PARAMS.grinding_bits, final_vars=DEFAULT_PARAMS.final_vars)
    base.update({k: v for k, v in vals.items() if k in base})
    try:
        if "queries" in vals:
            return PcsParams(num_queries=vals["queries"], **base)
        return PcsParams.for_security(vals.get("target_bits", 100), **base)
    except ValueError as e:
        raise InputError(f"dp bench pcs: {e}") from None


def _side_by_side(ours, bound, repeat: int, warmup: int) -> tuple[Timing, Timing]:
    """Time two functions alternately (ours, bound, ours, ...): on a shared machine a load change
    then hits both medians alike instead of one of them."""
    import time

    for _ in range(warmup):
        ours()
        bound()
    times: tuple[list, list] = ([], [])
    peak = 0.0
    for _ in range(max(1, repeat)):
        for fn, out in ((ours, times[0]), (bound, times[1])):
            reset_peak_rss()
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
            if fn is ours:
                peak = max(peak, peak_rss_mb())
    return Timing(times[0], peak), Timing(times[1], peak_rss_mb())


def _case(name: str, count: int, log_n: int, params, repeat: int, rng) -> list[Record]:
    import numpy as np

    from deepprove_cli.field import ntt
    from deepprove_cli.field.babybear import P
    from deepprove_cli.hash.merkle import MerkleTree
    from deepprove_cli.pcs import Claim, commit, open_batch, security_of, verify_opening
    from deepprove_cli.pcs.basefold.encoding import encode, to_windows
    from deepprove_cli.poly.multilinear import evaluate
    from deepprove_cli.transcript import Transcript

    polys = [rng.integers(0, P, size=1 << log_n, dtype=np.uint32) for _ in range(count)]
    z = rng.integers(0, P, size=(log_n, 4), dtype=np.uint32)
    claims = [Claim(k, z, evaluate(p, z)) for k, p in enumerate(polys)]
    warm = 0 if log_n >= _BIG else 1
    params_json = {"polys": count, "log_n": log_n, "rate_bits": params.rate_bits, "arity_bits": params.arity_bits,
                   "queries": params.num_queries, "grinding_bits": params.grinding_bits,
                   "final_vars": params.final_vars}
    elements = count << log_n

    # the lower bound: LDE of the same coefficients and the Merkle tree of the same rows
    stack = np.stack(polys)
    log_w = min(params.arity_bits, log_n + params.rate_bits)
    rows = to_windows(encode(stack, params.rate_bits), log_w)
    rows = rows.reshape(rows.shape[0], -1)
    box = {}
    ours, bound = _side_by_side(lambda: box.update(data=commit(polys, params)),
                                lambda: (ntt.lde(stack, params.rate_bits, shift=1), MerkleTree.build(rows)),
                                repeat, warm)
    rows = None  # free the bound's matrix before the opening
    data = box["data"]
    out = [record(SUITE, f"commit/{name}", ours, params=params_json, work=elements, unit="elem/s",
                  baseline_name=f"ntt+merkle/{name}", baseline=bound,
                  metrics={"ratio_vs_lower_bound": round(ours.median / bound.median, 3)})]

    t_open = measure(lambda: box.update(proof=open_batch(data, claims, Transcript(b"bench"), params)),
                     max(1, repeat // 2), warm)
    raw = box["proof"].to_bytes()
    sec = security_of(params, log_n, batch_size=count, num_claims=len(claims))
    metrics = {"proof_bytes": len(raw), "security_bits": round(sec.conjectured, 2),
               "security_bits_proven": round(sec.proven, 2), "query_bits_conjectured": round(sec.query_conjectured, 2),
               "field_bits": round(sec.field, 2), "size_breakdown": box["proof"].size_breakdown()}
    out.append(record(SUITE, f"open/{name}", t_open, params=params_json, work=elements, unit="elem/s",
                      metrics=metrics))
    del box["proof"]
    t_verify = measure(lambda: verify_opening(data.commitment, claims, raw, Transcript(b"bench"), params),
                       max(repeat, 5), 1)
    out.append(record(SUITE, f"verify/{name}", t_verify, params=params_json,
                      metrics={"proof_bytes": len(raw), "verify_s": round(t_verify.median, 5),
                               "security_bits": round(sec.conjectured, 2)}))
    return out


def run(opts) -> list[Record]:
    import numpy as np

    from deepprove_cli.console import info

    params = _params(opts.extra)
    if opts.log_sizes:
        sizes = opts.log_sizes
    else:
        sizes = [10, 12] if opts.quick else [16, 18, 20, 22, 24]
    for s in sizes:
        if not 0 <= s <= 27 - params.rate_bits:
            raise InputError(f"dp bench pcs: log size {s} out of range [0, {27 - params.rate_bits}]")
    batch = (4, 10) if opts.quick else (16, 20)
    rng = np.random.default_rng(2024)
    _case("warmup", 2, 8, params, 1, rng)  # compile every kernel before anything is timed
    records = []
    for s in sizes:
        info(f"pcs: 2^{s}")
        records += _case(f"2^{s}", 1, s, params, opts.repeat, rng)
    info(f"pcs: {batch[0]}x2^{batch[1]}")
    records += _case(f"{batch[0]}x2^{batch[1]}", batch[0], batch[1], params, opts.repeat, rng)
    return records
