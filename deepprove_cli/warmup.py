"""Precompile the Numba kernels: run each area's code once on tiny inputs, so the kernels compile (or
load from the cache) with the argument types real use passes, and the cache in the package's
__pycache__ is written before anything else needs it.

    python -m deepprove_cli.warmup [--jobs N] [--only AREA,...] [--list] [--coverage]

The registry maps an area name to a callable: the area's public flows (prove, verify, commit, ...)
on tiny inputs, once as they are and once with the parallel-path thresholds lowered, so the
parallel drivers that only large inputs reach compile too. With --jobs N the areas are shared out
over N worker processes, costliest first: the compilations run in parallel and every worker writes
the same on-disk cache. `make test` runs it before pytest; bench/coldstart.py times the foundation
areas (first run vs cached).

Importing this module compiles nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import time
from collections.abc import Callable

REGISTRY: dict[str, Callable[[], None]] = {}
# Rough cold seconds per area (2-core box), only for sharing the areas out over the workers.
COST: dict[str, float] = {}


def warmup(area: str, cost: float):
    """Register `fn` as the warm-up of `area` (cost: its cold seconds, for scheduling)."""

    def register(fn):
        REGISTRY[area] = fn
        COST[area] = cost
        return fn

    return register


# Module attributes that choose between a serial kernel and its parallel driver by input size. The
# warm-ups run once with these lowered so that tiny inputs take the parallel paths as well.
THRESHOLDS = {
    "deepprove_cli.poly.flat": {"PARALLEL_MIN": 2, "CHUNK_MIN": 2},
    "deepprove_cli.pcs.basefold.kernels": {"MIN_CHUNK": 2},
    "deepprove_cli.relations.fold": {"PARALLEL_MIN": 2},
    "deepprove_cli.lookup.tree": {"MIN_CHUNK": 2},
    "deepprove_cli.lookup.layer_kernels": {"MIN_CHUNK": 2},
    "deepprove_cli.lookup.multiplicity": {"MIN_CHUNK": 2},
    "deepprove_cli.hash.lanes": {"PARALLEL_MIN_BLOCKS": 2},
}


@contextlib.contextmanager
def parallel_paths():
    """Lower every threshold of THRESHOLDS for the enclosed code; restored on exit."""
    saved = []
    try:
        for mod_name, attrs in THRESHOLDS.items():
            mod = importlib.import_module(mod_name)
            for name, value in attrs.items():
                saved.append((mod, name, getattr(mod, name)))
                setattr(mod, name, value)
        yield
    finally:
        for mod, name, value in reversed(saved):
            setattr(mod, name, value)


def both_paths(fn: Callable[[], None]) -> Callable[[], None]:
    """fn as it is, then again with the parallel paths forced."""

    def run():
        fn()
        with parallel_paths():
            fn()

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def _rng():
    import numpy as np

    return np.random.default_rng(0)


def _rand(rng, shape):
    import numpy as np

    from deepprove_cli.field.babybear import P

    return rng.integers(0, P, size=shape, dtype=np.uint32)


# ---------------------------------------------------------------------------------------------
# The areas


@warmup("field", cost=40)
@both_paths
def field() -> None:
    """Base and extension vector ops, batch inverses, inner products, NTTs and the LDE."""
    import numpy as np

    from deepprove_cli.field import ext4_vec, ntt, vec

    rng = _rng()
    a, b, c = (_rand(rng, 64) for _ in range(3))
    e, f = _rand(rng, (64, 4)), _rand(rng, (64, 4))
    s = _rand(rng, 4)
    vec.add(a, b)
    vec.sub(a, b)
    vec.mul(a, b)
    vec.neg(a)
    vec.scale(a, 7)
    vec.axpy(7, a, b)
    vec.mul_add(a, b, c)
    vec.pow_(a, 5)
    vec.batch_inv(a)
    vec.inner(a, b)
    vec.sum_(a)
    ext4_vec.mul(e, f)
    ext4_vec.square(e)
    ext4_vec.mul_base(e, a)
    ext4_vec.scale(e, s)
    ext4_vec.lift(a, s)
    ext4_vec.inner(e, f)
    ext4_vec.inner_base(e, a)
    ext4_vec.sum_(e)
    ext4_vec.batch_inv(e)
    for k in (3, 6, 14):  # the small, the blocked and the grouped (above ntt.LOG_BLOCK) transforms
        x = _rand(rng, 1 << k)
        ntt.intt(ntt.ntt(x))
        ntt.coset_intt(ntt.coset_ntt(x))
        ntt.intt(ntt.ntt(x, bit_reversed=True), bit_reversed=True)
        ntt.lde(x, 1)
        ntt.lde(x, 2, bit_reversed=False)
        work = np.zeros((2, 2 << k), dtype=np.uint32)   # the commit's in-place encoding (columns >= 2^16)
        work[:, :1 << k] = x
        ntt.lde_in_place(work, k, 1, shift=1)


@warmup("hash", cost=15)
@both_paths
def hash_() -> None:
    """BLAKE3 on byte strings of every size class, Merkle rows and trees, openings, grinding."""
    import numpy as np

    from deepprove_cli.hash import grind
    from deepprove_cli.hash.blake3 import blake3
    from deepprove_cli.hash.merkle import MerkleTree, verify_multi
    from deepprove_cli.hash.rows import compress_pairs, hash_rows
    from deepprove_cli.transcript import Transcript

    for n in (0, 10, 64, 1024, 3000, 9000):
        blake3(b"x" * n)
    rng = _rng()
    m = _rand(rng, (16, 12))
    compress_pairs(hash_rows(m))
    tree = MerkleTree.build(m)
    idx = [1, 5, 6]
    verify_multi(tree.root, 16, idx, m[idx], tree.open(idx))
    grind.nonce_ok(b"s" * 32, 4, grind.find_nonce(b"s" * 32, 4))
    t = Transcript(b"warmup")
    t.absorb_base(b"a", m.reshape(-1))
    t.absorb_ext(b"e", _rand(rng, (3, 4)))
    t.challenge_ext(b"c")
    t.challenge_exts(b"cs", 3)
    t.challenge_indices(b"q", 10, 8)
    t.check_grind(2, t.grind(2))
    np.asarray(t.challenge_bases(b"b", 3))


@warmup("poly", cost=25)
@both_paths
def poly() -> None:
    """eq tables and evaluations, multilinear folds and evaluations (base and ext tables), structured MLEs."""
    from deepprove_cli.poly import eq, multilinear as ml, structured

    rng = _rng()
    eq.eq_table(_rand(rng, (12, 4)))  # above the doubling-only size: the tensor kernels
    eq.eq_table(_rand(rng, 12))
    for n in (1, 3, 6):
        pt = _rand(rng, (n, 4))
        eq.eq_table(pt)
        eq.eq_eval(pt, _rand(rng, (n, 4)))
        eq.eq_table(_rand(rng, n))
        for t in (_rand(rng, 1 << n), _rand(rng, (1 << n, 4))):
            ml.evaluate(t, pt)
            ml.fix_first_variable(t, pt[0])
            ml.fix_last_variable(t, pt[0])
            ml.fix_first_variables(t, pt)
            ml.fix_last_variables(t, pt)
            if n >= 2 and t.ndim == 1:
                ml.fix_first_two_variables(t, pt[0], pt[1])
        ml.weighted_product_sum(eq.eq_table(pt), [_rand(rng, 1 << n), _rand(rng, (1 << n, 4))])
        structured.affine_eval(pt, 3, 2)
        structured.affine_table(n, 3, 2)
        structured.prefix_eval(pt, 1, 3, 2)
        structured.prefix_table(n, 1, 3, 2)


@warmup("sumcheck", cost=90)
@both_paths
def sumcheck() -> None:
    """The generic and product provers (base, ext, mixed tables; degree 1-3), batches, the eq prover, verifiers."""
    from deepprove_cli.sumcheck import prover, verifier
    from deepprove_cli.sumcheck.eq_prover import prove_eq
    from deepprove_cli.sumcheck.problem import SumcheckProblem
    from deepprove_cli.transcript import Transcript

    rng = _rng()
    n = 6

    def table(kind):
        return _rand(rng, (1 << n, 4) if kind == "e" else 1 << n)

    for kinds, terms in (("bb", None), ("bbb", None), ("ee", None), ("eee", None), ("be", None),
                         ("bee", None), ("b", None), ("e", None),
                         ("bbbb", [(1, [0, 1]), (3, [2, 3])]), ("eeb", [(1, [0, 1, 2]), (2, [1])])):
        problem = SumcheckProblem([table(k) for k in kinds], terms)
        claim = prover.claimed_sum(problem)
        proof, point, _ = prover.prove(problem, claim, Transcript(b"warmup"))
        verifier.verify(claim, n, problem.degree, proof, Transcript(b"warmup"))
        verifier.verify(claim, n, problem.degree, type(proof).from_bytes(proof.to_bytes(), n, problem.degree),
                        Transcript(b"warmup"))
    problems = [SumcheckProblem([table("b"), table("e")]), SumcheckProblem([table("e"), table("e")])]
    claims = [prover.claimed_sum(p) for p in problems]
    proof, _, _ = prover.prove_batch(problems, claims, Transcript(b"warmup"))
    verifier.verify_batch(claims, [n, n], 2, proof, Transcript(b"warmup"))
    r = _rand(rng, (n, 4))
    for kinds, terms in (("eeee", [(1, [0, 1]), (1, [2, 3])]), ("bbbb", [(1, [0, 1]), (1, [2, 3])]),
                         ("ebe", [(1, [0, 1, 2])]), ("e", None)):
        prove_eq(r, SumcheckProblem([table(k) for k in kinds], terms), 0, Transcript(b"warmup"))


@warmup("pcs", cost=70)
@both_paths
def pcs() -> None:
    """Basefold: commit batches of mixed sizes (split above max_vars, many small ones packed), open claims,
    verify (test and default parameters); the standalone codeword fold."""
    import dataclasses

    from deepprove_cli.pcs import DEFAULT_PARAMS, Claim, PcsParams, commit, open_batch, verify_opening
    from deepprove_cli.pcs.basefold import encoding
    from deepprove_cli.poly.multilinear import evaluate
    from deepprove_cli.transcript import Transcript

    rng = _rng()
    small = PcsParams(rate_bits=1, arity_bits=2, num_queries=12, grinding_bits=2, final_vars=2, leaf_bits=1)
    split = dataclasses.replace(small, max_vars=5)
    for params, sizes in ((small, (3, 5, 5, 8)), (DEFAULT_PARAMS, (4, 10, 13)),
                          (split, (8, 6, 4, 4, 3, 3, 2, 2, 1, 0))):
        polys = [_rand(rng, 1 << n) for n in sizes]
        spec = [(k, _rand(rng, (n, 4))) for k, n in enumerate(sizes)] + [(0, _rand(rng, (sizes[0], 4)))]
        claims = [Claim.of(k, pt, evaluate(polys[k], pt)) for k, pt in spec]
        data = commit(polys, params)
        proof = open_batch(data, claims, Transcript(b"warmup"), params)
        verify_opening(data.commitment, claims, proof, Transcript(b"warmup"), params)
    encoding.fold(_rand(rng, (64, 4)), _rand(rng, 4), encoding.fold_twiddles(6))
    encoding.to_windows(_rand(rng, (3, 64)), 2)


@warmup("lookup", cost=80)
@both_paths
def lookup() -> None:
    """logUp-GKR over range, function (two-column) and several tables; transparent and committed callers."""
    import numpy as np

    from deepprove_cli.field.babybear import to_field
    from deepprove_cli.lookup import standalone
    from deepprove_cli.lookup.layout import Lookup
    from deepprove_cli.lookup.tables import function_table, range_table

    rng = np.random.default_rng(0)
    rt = range_table(6)
    ft = function_table("warmup-sq", -16, 5, lambda x: (x * x) // 8)
    x = rng.integers(-16, 16, size=40)
    tables = [rt, ft]
    lookups = [Lookup(0, (to_field(rng.integers(0, 64, size=100)),)),
               Lookup(1, (to_field(x), to_field(ft.apply(x)[0]))),
               Lookup(0, (to_field(rng.integers(0, 64, size=7)),))]
    proof, mult, _ = standalone.prove(tables, lookups)
    standalone.verify(tables, lookups, mult, proof)
    cproof, _ = standalone.prove_committed(tables, lookups)
    standalone.verify_committed(tables, [lk.shape for lk in lookups], cproof)


@warmup("relations", cost=60)
@both_paths
def relations() -> None:
    """A tiny layer through the relations (Einsum, LinComb, Split, Argmax, claim reduction), a masked
    RowMax, DivRem, Select, and the public tensors' evaluations."""
    import numpy as np

    from deepprove_cli.relations import claims as cl
    from deepprove_cli.relations.argmax import Argmax, argmax_int
    from deepprove_cli.relations.claims import TensorClaim
    from deepprove_cli.relations.divrem import DivRem
    from deepprove_cli.relations.einsum import Einsum
    from deepprove_cli.relations.elementwise import LinComb
    from deepprove_cli.relations.layout import Operand, TensorLayout
    from deepprove_cli.relations.public import BandMask, OneHotRows, PrefixRows
    from deepprove_cli.relations.rowmax import RowMax
    from deepprove_cli.relations.select import Select
    from deepprove_cli.relations.split import Split, SplitSpec
    from deepprove_cli.poly.multilinear import evaluate
    from deepprove_cli.transcript import Transcript

    rng = np.random.default_rng(0)
    T, I, O = 3, 5, 6

    def claim(name, values):
        lay = TensorLayout(np.shape(values))
        pt = _rand(rng, (lay.num_vars, 4))
        return TensorClaim(name, pt, evaluate(lay.table(values), pt))

    X, W, b = (rng.integers(-8, 8, size=s) for s in ((T, I), (O, I), (O,)))
    mm = Einsum("ti,oi->to", Operand("X", (T, I)), Operand("W", (O, I)), "Y")
    bias = LinComb(Operand("Z", (T, O)), [(1, Operand("Y", (T, O))), (1, Operand("b", (O,)))])
    split = Split(Operand("Z", (T, O)), "H", SplitSpec(3, True))
    v = {"X": X, "W": W, "b": b}
    v["Y"] = mm.evaluate(X, W)
    v["Z"] = bias.evaluate(v)
    v.update(split.witness(v["Z"]))
    tokens = argmax_int(v["H"])
    am = Argmax(Operand("H", (T, O)), tokens, 10)
    v.update(am.witness(v["H"]))
    margin = claim("H.margin", v["H.margin"])

    for side in ("prove", "verify"):
        tr = Transcript(b"warmup")
        if side == "prove":
            p_am, c = am.prove(v, tr, margin)
            h_claims = [x for x in c if x.tensor == "H"]
            p_red, h = cl.prove_reduce(h_claims, Operand("H", (T, O)).layout.table(v["H"]), tr)
            p_split, c = split.prove(h, v, tr)
            p_bias, c2 = bias.prove(next(x for x in c if x.tensor == "Z"), v, tr)
            p_mm, _ = mm.prove(next(x for x in c2 if x.tensor == "Y"), v, tr)
        else:
            c = am.verify(p_am, tr, margin)
            h = cl.verify_reduce([x for x in c if x.tensor == "H"], p_red, tr)
            c = split.verify(h, p_split, tr)
            c2 = bias.verify(next(x for x in c if x.tensor == "Z"), p_bias, tr)
            mm.verify(next(x for x in c2 if x.tensor == "Y"), p_mm, tr)

    xs = rng.integers(-30, 30, size=(4, 8))
    rm = RowMax(Operand("x", (4, 8)), "m", 7, BandMask(4, 8, 1))
    vr = {"x": xs}
    vr.update(rm.witness(xs))
    proof, _ = rm.prove(vr, Transcript(b"warmup"))
    rm.verify(proof, Transcript(b"warmup"))

    a = rng.integers(0, 200, size=(3, 4))
    d = rng.integers(1, 20, size=3)
    dr = DivRem(Operand("a", (3, 4)), Operand("d", (3,)), "q", "r", 8)
    vd = {"a": a, "d": d}
    vd.update(dr.witness(a, d))
    proof, _ = dr.prove(vd, Transcript(b"warmup"))
    dr.verify(proof, Transcript(b"warmup"))

    emb = rng.integers(-5, 5, size=(10, 4))
    ids = np.array([3, 1, 7])
    sel = Select(Operand("E", (10, 4)), ids, "S")
    vs = {"E": emb, "S": emb[ids]}
    c = claim("S", vs["S"])
    proof, _ = sel.prove(c, vs, Transcript(b"warmup"))
    sel.verify(c, proof, Transcript(b"warmup"))

    for pub in (BandMask(5, 7), BandMask(5, 7, 2, 3), OneHotRows(ids, 10), PrefixRows(np.array([2, 0, 9]), 10)):
        pub.evaluate(_rand(rng, (pub.layout.num_vars, 4)))
        pub.table()


# ---------------------------------------------------------------------------------------------
# Running


def run_areas(names: list[str]) -> dict[str, float]:
    """Run the named warm-ups in this process; seconds each."""
    times = {}
    for name in names:
        t0 = time.perf_counter()
        REGISTRY[name]()
        times[name] = time.perf_counter() - t0
    return times


def partition(names: list[str], jobs: int) -> list[list[str]]:
    """Areas shared out over `jobs` groups, costliest first onto the least loaded group."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(jobs, len(names))))]
    load = [0.0] * len(groups)
    for n in sorted(names, key=lambda n: -COST.get(n, 0)):
        k = load.index(min(load))
        groups[k].append(n)
        load[k] += COST.get(n, 0)
    return groups


def run(names: list[str] | None = None, jobs: int = 1, log=None) -> dict[str, float]:
    """Run the warm-ups (all by default), in `jobs` processes; seconds per area (per group with jobs > 1)."""
    names = list(names or REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        from deepprove_cli.errors import InputError

        raise InputError(f"unknown warm-up area(s): {', '.join(unknown)}", hint=f"choose from {', '.join(REGISTRY)}")
    groups = partition(names, jobs)
    if len(groups) == 1:
        times = {}
        for n in groups[0]:
            times.update(run_areas([n]))
            if log:
                log(n, times[n])
        return times
    import subprocess

    # One worker process per group (each keeps what it compiled for its next area); they share the cache.
    t0 = time.perf_counter()
    procs = {",".join(g): subprocess.Popen([sys.executable, "-m", "deepprove_cli.warmup", "--quiet", "--only", ",".join(g)])
             for g in groups}
    times, failed = {}, []
    for g, p in procs.items():
        if p.wait() != 0:
            failed.append(g)
        times[g] = time.perf_counter() - t0
        if log:
            log(g, times[g])
    if failed:
        from deepprove_cli.errors import DpError

        raise DpError(f"warm-up failed in: {'; '.join(failed)}")
    return times


PACKAGES = ("field", "hash", "poly", "sumcheck", "pcs", "lookup", "relations")
# Kernels no warm-up needs: what only the tests' references call.
NOT_WARMED = {"deepprove_cli.field.ext4.ext_pow": "field.reference (tests) only",
              "deepprove_cli.pcs.basefold.verifier_kernels.eq_eval": "no caller in the package (tests only)"}


def kernel_modules() -> list:
    """Every module of the warm-up's packages, imported (the CUDA modules left out: no CPU kernels)."""
    import pkgutil

    mods = [importlib.import_module("deepprove_cli.transcript")]
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(f"deepprove_cli.{pkg_name}")
        mods.append(pkg)
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if "cuda" not in info.name.rsplit(".", 1)[-1]:
                mods.append(importlib.import_module(info.name))
    return mods


def dispatchers() -> dict:
    """qualified name -> numba CPU dispatcher, for every @njit defined in kernel_modules()."""
    from numba.core.registry import CPUDispatcher

    found = {}
    for mod in kernel_modules():
        for value in vars(mod).values():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == mod.__name__:
                found[f"{mod.__name__}.{value.py_func.__qualname__}"] = value
    return found


def _callees(d) -> list:
    """The dispatchers a kernel's body names (globals and closure cells): compiled with it, loaded with it."""
    from numba.core.registry import CPUDispatcher

    fn = d.py_func
    names = set(fn.__code__.co_names)
    for const in fn.__code__.co_consts:  # nested comprehensions and lambdas
        if hasattr(const, "co_names"):
            names |= set(const.co_names)
    values = [fn.__globals__.get(n) for n in names]
    values += [c.cell_contents for c in (fn.__closure__ or ())]
    return [v for v in values if isinstance(v, CPUDispatcher)]


def coverage() -> dict:
    """After the warm-ups ran in this process: which kernels they reached and how they got them.

    A kernel is reached when it has a compiled signature, or when a reached kernel calls it (a callee
    compiles into its caller and loads from the cache with it). Returns {"kernels", "unreached"
    (names), "compiled", "loaded" (signatures this process compiled / loaded from the cache)}."""
    found = dispatchers()
    reached = {id(d) for d in found.values() if d.signatures}
    stack = [d for d in found.values() if d.signatures]
    while stack:
        for callee in _callees(stack.pop()):
            if id(callee) not in reached:
                reached.add(id(callee))
                stack.append(callee)
    unreached = sorted(n for n, d in found.items() if id(d) not in reached and n not in NOT_WARMED
                       and d.targetoptions.get("inline") != "always")
    compiled = sum(sum(d._cache_misses.values()) for d in found.values())
    loaded = sum(sum(d._cache_hits.values()) for d in found.values())
    return {"kernels": len(found), "unreached": unreached, "compiled": compiled, "loaded": loaded}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deepprove_cli.warmup", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--only", help="comma-separated areas (default: all)")
    ap.add_argument("--list", action="store_true", help="list the areas and exit")
    ap.add_argument("--quiet", "-q", action="store_true")
    ap.add_argument("--coverage", action="store_true",
                    help="run every area in this process, then print coverage() as JSON (for tests)")
    a = ap.parse_args(argv)
    if a.coverage:
        import json

        run_areas(list(REGISTRY))
        print(json.dumps(coverage()))
        return 0
    if a.list:
        for n, fn in REGISTRY.items():
            print(f"{n:10s} {(fn.__doc__ or '').strip().splitlines()[0]}")
        return 0
    names = [n.strip() for n in a.only.split(",")] if a.only else None
    t0 = time.perf_counter()

    def log(n, s):
        if not a.quiet:
            print(f"warmup {n:10s} {s:6.1f} s", flush=True)

    from deepprove_cli.errors import DpError

    try:
        run(names, a.jobs, log)
    except DpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not a.quiet:
        print(f"warmup total {time.perf_counter() - t0:.1f} s (jobs {a.jobs}, load average {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
