"""`dp bench pcs`: Basefold commit, open and verify, with the commit's lower bound timed beside it.

Cases (log sizes from --log-sizes, default 16,18,20,22,24; --quick: 10,12):

  2^n              one polynomial of 2^n evaluations (above max_vars it is committed as chunks);
  16x2^20          a batch opened at one point (--quick: 4x2^10);
  wide/...         a wide batch, 256x2^20 at rate 1/4 and at rate 1/2 (--quick: 32x2^8 at max_vars 8,
                   full columns as at full size): the shape of the model's weights, where the batch
                   tree's leaf width matters most;
  many-small/...   3000 polynomials of 2^6..2^16 (log-size n drawn with weight 2^(-(n-6)/4): 2^23.9
                   elements), 1 or 2 claims each at distinct points (--quick: 200 of 2^2..2^8): the
                   shape of a model run's advice, packed into shared columns (basefold/pack.py). Its
                   baseline, timed alternately in the same run, is ONE polynomial of about the same
                   total size (2^round(log2 total)) with 2 claims, what packing aims to cost. Before
                   packing (commit 792d050, measured once here, noisy 2-core box) the same case gave:
                   commit 0.75 s, open 2.2 s, verify 0.19 s, proof 1.94 MB (3000 columns, 1.74 MB of
                   it batch rows); packed (16 columns): commit 0.55 s, open 0.41 s, verify 0.09 s,
                   proof 144 KB, beside one 2^24 polynomial's 0.44 s, 0.42 s, 0.008 s, 145 KB;
  weights/...      SmolLM2-135M's weights (272 tensors, each padded per dimension to powers of two:
                   135M elements, 335M padded; --quick: the same layout at 1/64 of the width and 2
                   layers), random values: committed while written to a container (commit_stream),
                   memory-mapped back (ProverData.from_container) and opened at 2 points per tensor.
                   Its peak RSS counts the input tables (commit) and the mapped file's pages the
                   opening reads (clean page cache: the tables, and the pages around every query).

Per case:
  commit/...  ours vs the lower bound "ntt+merkle/...": the same kernels' LDE of the same columns
              plus the Merkle tree of the same rows, timed alternately with ours (speedup = bound /
              ours; target >= 1/1.5); wide cases skip the bound (its matrix would double the memory);
  open/...    prover time, proof size and its breakdown, security bits;
  verify/...  warm verification time of that proof.

Parameters: the defaults (pcs.DEFAULT_PARAMS) unless -p rate_bits=, arity_bits=, leaf_bits=,
max_vars=, queries=, grinding_bits=, final_vars=, target_bits= (then PcsParams.for_security picks
the queries); the wide cases take the rest of the parameters at their own two rates.
"""

from __future__ import annotations

import dataclasses

from deepprove_cli.bench.record import Record, Timing, measure, peak_rss_mb, record, reset_peak_rss
from deepprove_cli.errors import InputError

SUITE = "pcs"
_BIG = 20  # from 2^20 evaluations on, no untimed warm-up run (kernels are compiled by a small case first)
_KEYS = ("rate_bits", "arity_bits", "leaf_bits", "max_vars", "queries", "grinding_bits", "final_vars", "target_bits")


def _params(extra: dict, rate_bits: int | None = None):
    """The parameters from -p (at `rate_bits` if given: queries and max_vars follow the rate)."""
    from deepprove_cli.pcs import DEFAULT_PARAMS, PcsParams

    unknown = set(extra) - set(_KEYS)
    if unknown:
        raise InputError(f"dp bench pcs: unknown -p {', '.join(sorted(unknown))}", hint=f"one of {list(_KEYS)}")
    try:
        vals = {k: int(v) for k, v in extra.items()}
    except ValueError:
        raise InputError("dp bench pcs: -p values must be integers") from None
    if rate_bits is not None:
        vals["rate_bits"] = rate_bits
    if not vals:
        return DEFAULT_PARAMS
    base = {k: getattr(DEFAULT_PARAMS, k) for k in ("rate_bits", "arity_bits", "grinding_bits", "final_vars",
                                                      "leaf_bits")}
    base.update({k: v for k, v in vals.items() if k in base})
    try:
        if "queries" in vals:
            p = PcsParams(num_queries=vals["queries"], **base)
        else:
            p = PcsParams.for_security(vals.get("target_bits", 100), **base)
        return dataclasses.replace(p, max_vars=vals["max_vars"]) if "max_vars" in vals else p
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


def _lower_bound(polys, params):
    """The bound's work for these polynomials: LDE of their columns and the Merkle tree of the rows."""
    import numpy as np

    from deepprove_cli.field import ntt
    from deepprove_cli.hash.merkle import MerkleTree
    from deepprove_cli.pcs.basefold.encoding import encode, to_windows
    from deepprove_cli.pcs.basefold.layout import auto_leaf_bits
    from deepprove_cli.pcs.basefold.split import Split

    split = Split(tuple(p.size.bit_length() - 1 for p in polys), params.max_vars)
    stack = np.stack(split.column_tables(polys))
    log_w = min(params.leaf_bits or auto_leaf_bits(split.columns), split.columns[0] + params.rate_bits)
    rows = to_windows(encode(stack, params.rate_bits), log_w)
    rows = rows.reshape(rows.shape[0], -1)
    return lambda: (ntt.lde(stack, params.rate_bits, shift=1), MerkleTree.build(rows))


def _security_metrics(params, commitment, num_claims: int) -> dict:
    from deepprove_cli.pcs import security_of_commitment

    sec = security_of_commitment(params, commitment, num_claims)
    return {"security_bits": round(sec.conjectured, 2), "security_bits_proven": round(sec.proven, 2),
            "query_bits_conjectured": round(sec.query_conjectured, 2), "field_bits": round(sec.field, 2)}


def _case(name: str, count: int, log_n: int, params, repeat: int, rng, bound: bool = True) -> list[Record]:
    import numpy as np

    from deepprove_cli.field.babybear import P
    from deepprove_cli.pcs import Claim, commit, open_batch, verify_opening
    from deepprove_cli.poly.multilinear import evaluate
    from deepprove_cli.transcript import Transcript

    polys = [rng.integers(0, P, size=1 << log_n, dtype=np.uint32) for _ in range(count)]
    z = rng.integers(0, P, size=(log_n, 4), dtype=np.uint32)
    claims = [Claim(k, z, evaluate(p, z)) for k, p in enumerate(polys)]
    warm = 0 if log_n >= _BIG else 1
    params_json = {"polys": count, "log_n": log_n, "rate_bits": params.rate_bits, "arity_bits": params.arity_bits,
                   "leaf_bits": params.leaf_bits, "max_vars": params.max_vars, "queries": params.num_queries,
                   "grinding_bits": params.grinding_bits, "final_vars": params.final_vars}
    elements = count << log_n

    box = {}
    if bound:
        ours, low = _side_by_side(lambda: box.update(data=commit(polys, params)), _lower_bound(polys, params),
                                  repeat, warm)
        out = [record(SUITE, f"commit/{name}", ours, params=params_json, work=elements, unit="elem/s",
                      baseline_name=f"ntt+merkle/{name}", baseline=low,
                      metrics={"ratio_vs_lower_bound": round(ours.median / low.median, 3)})]
    else:
        ours = measure(lambda: box.update(data=commit(polys, params)), repeat, warm)
        out = [record(SUITE, f"commit/{name}", ours, params=params_json, work=elements, unit="elem/s")]
    data = box["data"]
    params_json["leaf_bits"] = data.layout.leaf_bits  # the one the commitment chose if left open

    t_open = measure(lambda: box.update(proof=open_batch(data, claims, Transcript(b"bench"), params)),
                     max(1, repeat // 2), warm)
    raw = box["proof"].to_bytes()
    sec = _security_metrics(params, data.commitment, len(claims))
    metrics = {"proof_bytes": len(raw), **sec, "size_breakdown": box["proof"].size_breakdown()}
    out.append(record(SUITE, f"open/{name}", t_open, params=params_json, work=elements, unit="elem/s",
                      metrics=metrics))
    del box["proof"]
    t_verify = measure(lambda: verify_opening(data.commitment, claims, raw, Transcript(b"bench"), params),
                       max(repeat, 5), 1)
    out.append(record(SUITE, f"verify/{name}", t_verify, params=params_json,
                      metrics={"proof_bytes": len(raw), "verify_s": round(t_verify.median, 5),
                               "security_bits": sec["security_bits"]}))
    return out


def many_small_sizes(rng, count: int, lo: int, hi: int):
    """`count` log-sizes in [lo, hi], n drawn with weight 2^(-(n - lo)/4) (3000 of 6..16: ~2^24 elements)."""
    import numpy as np

    n = np.arange(lo, hi + 1)
    w = 2.0 ** (-(n - lo) / 4)
    return [int(v) for v in rng.choice(n, size=count, p=w / w.sum())]


def _random_claims(rng, polys, counts):
    """counts[k] claims on polynomial k, each at its own random point, with the true values."""
    import numpy as np

    from deepprove_cli.field.babybear import P
    from deepprove_cli.pcs import Claim
    from deepprove_cli.poly.multilinear import evaluate

    out = []
    for k, (p, c) in enumerate(zip(polys, counts)):
        for _ in range(c):
            z = rng.integers(0, P, size=(p.size.bit_length() - 1, 4), dtype=np.uint32)
            out.append(Claim(k, z, evaluate(p, z)))
    return out


def _many_small_case(name: str, count: int, lo: int, hi: int, params, repeat: int, rng) -> list[Record]:
    """Many small polynomials (packed), each step timed alternately with one polynomial of the same total size."""
    import math

    import numpy as np

    from deepprove_cli.field.babybear import P
    from deepprove_cli.pcs import commit, open_batch, verify_opening
    from deepprove_cli.transcript import Transcript

    sizes = many_small_sizes(rng, count, lo, hi)
    polys = [rng.integers(0, P, size=1 << n, dtype=np.uint32) for n in sizes]
    claims = _random_claims(rng, polys, [1 + k % 2 for k in range(count)])
    elements = sum(p.size for p in polys)
    log_one = round(math.log2(elements))
    one = [rng.integers(0, P, size=1 << log_one, dtype=np.uint32)]
    one_claims = _random_claims(rng, one, [2])
    ours, base = {}, {}
    params_json = {"polys": count, "log_sizes": [lo, hi], "elements": elements, "claims": len(claims),
                   "baseline_log_n": log_one, "rate_bits": params.rate_bits, "max_vars": params.max_vars,
                   "queries": params.num_queries}
    base_name = f"one/2^{log_one}"

    def steps(box, ps, cl):
        return (lambda: box.update(data=commit(ps, params)),
                lambda: box.update(proof=open_batch(box["data"], cl, Transcript(b"bench"), params)),
                lambda: verify_opening(box["data"].commitment, cl, box["raw"], Transcript(b"bench"), params))

    mine, theirs = steps(ours, polys, claims), steps(base, one, one_claims)
    times = []
    for a, b in zip(mine, theirs):
        times.append(_side_by_side(a, b, repeat, 1))
        for box in (ours, base):
            if "proof" in box:
                box["raw"] = box["proof"].to_bytes()
    data, raw = ours["data"], ours["raw"]
    params_json["columns"] = len(data.layout.num_vars)
    params_json["leaf_bits"] = data.layout.leaf_bits
    sec = _security_metrics(params, data.commitment, len(claims))
    out = []
    for step, (t_ours, t_base) in zip(("commit", "open", "verify"), times):
        metrics = {"proof_bytes": len(raw), "baseline_proof_bytes": len(base["raw"])}
        if step == "open":
            metrics |= sec | {"size_breakdown": ours["proof"].size_breakdown()}
        if step == "verify":
            metrics |= {"verify_s": round(t_ours.median, 5), "security_bits": sec["security_bits"]}
        out.append(record(SUITE, f"{step}/{name}", t_ours, params=params_json,
                          work=elements if step != "verify" else None, unit="elem/s" if step != "verify" else None,
                          baseline_name=f"{step}/{base_name}", baseline=t_base, metrics=metrics))
    return out


SMOLLM2 = dict(vocab=49152, hidden=576, inter=1536, layers=30, kv=192)


def weight_shapes(vocab: int, hidden: int, inter: int, layers: int, kv: int) -> list[tuple[int, ...]]:
    """The weight tensors of a llama-architecture model (SmolLM2's layout, tied embeddings)."""
    per_layer = [(hidden,), (hidden, hidden), (kv, hidden), (kv, hidden), (hidden, hidden), (hidden,),
                 (inter, hidden), (inter, hidden), (hidden, inter)]
    return [(vocab, hidden)] + per_layer * layers + [(hidden,)]


def _padded_table(shape, rng):
    """Random values in the tensor's entries, zeros in the per-dimension padding (row-major)."""
    import numpy as np

    from deepprove_cli.field.babybear import P

    padded = tuple(1 << (d - 1).bit_length() for d in shape)
    out = np.zeros(padded, dtype=np.uint32)
    out[tuple(slice(0, d) for d in shape)] = rng.integers(0, P, size=shape, dtype=np.uint32)
    return out.reshape(-1)


def _weights_case(name: str, model: dict, params, rng) -> list[Record]:
    import os
    import tempfile

    import numpy as np

    from deepprove_cli.field.babybear import P
    from deepprove_cli.io import container
    from deepprove_cli.pcs import ProverData, commit_stream, open_batch, verify_opening
    from deepprove_cli.transcript import Transcript

    shapes = weight_shapes(**model)
    polys = [_padded_table(s, rng) for s in shapes]
    real = sum(int(np.prod(s)) for s in shapes)
    padded = sum(p.size for p in polys)
    params_json = {"tensors": len(polys), "elements": real, "padded_elements": padded, "rate_bits": params.rate_bits,
                   "queries": params.num_queries, "max_vars": params.max_vars}
    kind = b"DPBENCH\0"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "weights.bin")
        box = {}

        def write():
            box["stream"] = commit_stream(polys, params, prefix="w/")
            container.write(path, kind, 1, {"w": box["stream"].meta}, box["stream"].specs)

        t_commit = measure(write, 1, 0)
        size = os.path.getsize(path)
        data = ProverData.from_container(box["stream"].meta, container.read(path, kind))
        assert data.commitment == box["stream"].commitment
        params_json["leaf_bits"] = data.layout.leaf_bits
        out = [record(SUITE, f"commit/{name}", t_commit, params=params_json, work=padded, unit="elem/s",
                      metrics={"file_bytes": size, "tables_mb": round(4 * padded / 2 ** 20, 1),
                               "columns": len(data.layout.num_vars)})]
        claims = [data.claim(k, rng.integers(0, P, size=(p.size.bit_length() - 1, 4), dtype=np.uint32))
                  for k, p in enumerate(polys) for _ in range(2)]
        t_open = measure(lambda: box.update(proof=open_batch(data, claims, Transcript(b"bench"), params)), 1, 0)
        raw = box["proof"].to_bytes()
        sec = _security_metrics(params, data.commitment, len(claims))["security_bits"]
        out.append(record(SUITE, f"open/{name}", t_open, params=params_json, work=padded, unit="elem/s",
                          metrics={"proof_bytes": len(raw), "claims": len(claims), "security_bits": sec,
                                   "size_breakdown": box["proof"].size_breakdown()}))
        t_verify = measure(lambda: verify_opening(data.commitment, claims, raw, Transcript(b"bench"), params), 3, 1)
        out.append(record(SUITE, f"verify/{name}", t_verify, params=params_json,
                          metrics={"proof_bytes": len(raw), "verify_s": round(t_verify.median, 5),
                                   "security_bits": sec}))
        del data, box
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
        if not 0 <= s <= 30:
            raise InputError(f"dp bench pcs: log size {s} out of range [0, 30]")
    batch = (4, 10) if opts.quick else (16, 20)
    wide = (32, 8) if opts.quick else (256, 20)
    rng = np.random.default_rng(2024)
    _case("warmup", 2, 8, params, 1, rng)  # compile every kernel before anything is timed
    records = []
    for s in sizes:
        info(f"pcs: 2^{s}")
        records += _case(f"2^{s}", 1, s, params, opts.repeat, rng)
    info(f"pcs: {batch[0]}x2^{batch[1]}")
    records += _case(f"{batch[0]}x2^{batch[1]}", batch[0], batch[1], params, opts.repeat, rng)
    for rate in (2, 1):
        info(f"pcs: wide {wide[0]}x2^{wide[1]} at rate 1/{1 << rate}")
        p = _params(opts.extra, rate)
        p = dataclasses.replace(p, max_vars=min(p.max_vars, wide[1])) if opts.quick else p
        records += _case(f"wide/{wide[0]}x2^{wide[1]}/rate1/{1 << rate}", wide[0], wide[1], p,
                         min(opts.repeat, 2), rng, bound=False)
    many = (200, 2, 8) if opts.quick else (3000, 6, 16)
    info(f"pcs: many small, {many[0]} of 2^{many[1]}..2^{many[2]}")
    records += _many_small_case(f"many-small/{many[0]}x2^{many[1]}..{many[2]}", *many, params,
                                min(opts.repeat, 3), rng)
    model = {k: max(1, v // 64) for k, v in SMOLLM2.items() if k != "layers"} | {"layers": 2} if opts.quick \
        else SMOLLM2
    info("pcs: SmolLM2-135M-shaped weights" + (" (1/64 width, 2 layers)" if opts.quick else ""))
    records += _weights_case("weights/smollm2" + ("-tiny" if opts.quick else ""), model, params, rng)
    return records
