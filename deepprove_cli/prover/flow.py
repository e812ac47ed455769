"""The proof of a planned sequence (nodeproofs.plan), given its witness:

1. the statement, then the weight commitment, absorbed first;
2. ONE Basefold commitment of every committed advice tensor and of every table's multiplicities
   (they depend on the witness only, so one batch holds both), absorbed;
3. ONE logUp-GKR argument over every lookup of every table; its claims go to the looked-up tensors;
4. the claim flow: nodes in reverse graph order, each node's ops in reverse, every op proving the
   (reduced) claims on the tensor it defines back to what it reads (nodeproofs.claims routes them);
5. one opening of the advice batch and one of the weight commitment.

Proof bytes: the advice root, the lookup proof, the node proofs, the openings, with named sections
for the size breakdown ("advice/root", "lookup", "node/<kind>", "opening/advice", "opening/weights").
"""

from __future__ import annotations

import time

from deepprove_cli.io.binary import Writer
from deepprove_cli.nodeproofs.claims import ClaimPool
from deepprove_cli.nodeproofs.statement import TRANSCRIPT_LABEL, absorb_weights
from deepprove_cli.relations.layout import TensorLayout
from deepprove_cli.transcript import Transcript


class SectionWriter(Writer):
    """A Writer that also remembers where each named section starts (`spans`)."""

    def __init__(self):
        super().__init__()
        self.marks: list[tuple[str, int]] = []

    def section(self, name: str) -> None:
        super().section(name)
        self.marks.append((name, len(self)))

    def spans(self) -> list[tuple[str, int, int]]:
        ends = [start for _, start in self.marks[1:]] + [len(self)]
        return [(name, start, end) for (name, start), end in zip(self.marks, ends)]


def _tables(plan, values):
    """Padded base tables, computed once per tensor."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = TensorLayout(plan.tensors[name].shape).table(values[name], name)
        return cache[name]

    return get


def _committed_views(plan, lookups, data) -> list:
    """The lookups with every unshifted column of a committed tensor replaced by its table in the advice
    batch's prover data (a view: mapped from the file when the batch was spilled), so that the padded copy
    made for the commit is freed rather than kept through the lookup argument."""
    from deepprove_cli.lookup.layout import Lookup

    poly = {name: i for i, name in enumerate(plan.committed)}
    out = []
    for k, lk in enumerate(lookups):
        use = plan.lookups[k]
        if plan.shifts[k] is None:
            cols = tuple(data.table(poly[c]) if c in poly else col for c, col in zip(use.columns, lk.columns))
            lk = Lookup(lk.table, cols)
        out.append(lk)
    return out


def prove_node(nl, pool: ClaimPool, values: dict, transcript, w: Writer) -> None:
    """One node's ops in reverse order (see the module docstring)."""
    from deepprove_cli.relations.claims import prove_reduce

    w.section(f"node/{nl.node.kind}")
    for op in reversed(nl.ops):
        if op.defines is None:
            if op.constraint:
                proof, claims = op.prove(None, values, transcript)
                proof.write(w)
                pool.add(claims)
            continue
        claims = pool.take(op.defines)
        if not claims:
            continue
        if len(claims) > op.each_claim_max:
            table = TensorLayout(pool.plan.tensors[op.defines].shape).table(values[op.defines], op.defines)
            proof, claim = prove_reduce(claims, table, transcript)
            proof.write(w)
            claims = [claim]
        new = []
        for claim in claims:
            proof, more = op.prove(claim, values, transcript)
            proof.write(w)
            new += more
        pool.add(new)


def prove_plan(plan, statement, values: dict, weights=None, *, progress=None, multiplicities=None):
    """(proof bytes, sizes, spans, timings, stats) for field `values` of every tensor (consumed: each
    node's tensors are dropped once its claims are proven). `weights` = (Commitment,
    ProverData, names) or None; `multiplicities(tables, lookups)` defaults to the validating count."""
    from deepprove_cli.lookup import logup
    from deepprove_cli.lookup.layout import Lookup
    from deepprove_cli.lookup.multiplicity import compute_multiplicities
    from deepprove_cli.pcs import open_batch
    from deepprove_cli.prover.memory import release_file_pages
    from deepprove_cli.prover.spill import commit_advice

    phases, kinds = {}, {}
    say = progress or (lambda *a: None)
    tr = Transcript(TRANSCRIPT_LABEL)
    statement.absorb(tr)
    absorb_weights(tr, None if weights is None else weights[0])
    w = SectionWriter()
    t0 = time.perf_counter()
    get = _tables(plan, values)
    lookups = [Lookup(plan.table_index[u.table], plan.column_tables(k, {c: get(c) for c in u.columns}))
               for k, u in enumerate(plan.lookups)]
    mult = (multiplicities or compute_multiplicities)(plan.tables, lookups) if lookups else []
    polys = [get(n) for n in plan.committed] + list(mult)
    stats = plan_stats(plan, [len(m) for m in mult])
    del get
    data = None
    if polys:
        say("commit", 0, 1)
        data = commit_advice(polys, statement.advice_pcs)
        data.commitment.absorb(tr)
        w.section("advice/root")
        w.digest(data.commitment.root)
    del polys  # the padded tables: the prover data holds what the opening reads
    if data is not None:
        lookups = _committed_views(plan, lookups, data)
    phases["commit"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pool = ClaimPool(plan)
    if lookups:
        say("lookup", 0, 1)

        def done(k):  # a lookup's last read: its own padded tables go, mapped file pages leave RSS
            for col in lookups[k].columns:
                release_file_pages(col)
            lookups[k] = None

        lproof, lclaims = logup.prove(plan.tables, lookups, mult, tr, done)
        w.section("lookup")
        w.raw(lproof.to_bytes())
        for k, cl in enumerate(lclaims.lookups):
            pool.add(plan.column_claims(k, cl.point, cl.values))
        for t, cl in enumerate(lclaims.multiplicities):
            pool.add_multiplicity(t, cl.point, cl.values[0])
    del lookups, mult
    phases["lookup"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    n = len(plan.nodes)
    owned: dict[str, list[str]] = {}
    for info in plan.tensors.values():
        owned.setdefault(info.node, []).append(info.name)
    for i, nl in enumerate(reversed(plan.nodes)):
        t1 = time.perf_counter()
        prove_node(nl, pool, values, tr, w)
        for name in owned.get(nl.node.name, ()):  # read only by this node's ops and its consumers (done)
            values.pop(name, None)
        kinds[nl.node.kind] = kinds.get(nl.node.kind, 0.0) + time.perf_counter() - t1
        say("claims", i + 1, n)
    pool.finish()
    phases["claims"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say("openings", 0, 1)
    if data is not None:
        w.section("opening/advice")
        w.raw(open_batch(data, pool.advice_claims(), tr, statement.advice_pcs).to_bytes())
        data = None  # unmaps a spilled batch's pages before the weights' opening maps theirs
    wclaims = pool.weight_claims(list(weights[2]) if weights is not None else [])
    if wclaims:
        w.section("opening/weights")
        w.raw(open_batch(weights[1], wclaims, tr, statement.weight_pcs).to_bytes())
    phases["openings"] = time.perf_counter() - t0
    return w.getvalue(), w.sizes(), w.spans(), {"phases": phases, "node_kinds": kinds}, stats


def plan_stats(plan, table_sizes) -> dict:
    """What the proof commits and looks up, in padded elements, in total and per node kind."""
    per_kind: dict[str, dict] = {}
    kind_of = {nl.node.name: nl.node.kind for nl in plan.nodes}

    def add(node: str, key: str, n: int):
        d = per_kind.setdefault(kind_of.get(node, "tables"), {"committed": 0, "lookup_rows": 0})
        d[key] += n

    for name in plan.committed:
        info = plan.tensors[name]
        add(info.node, "committed", 1 << info.layout.num_vars)
    for u in plan.lookups:
        add(u.node, "lookup_rows", 1 << plan.tensors[u.columns[0]].layout.num_vars)
    return {"committed_polys": len(plan.committed) + len(table_sizes),
            "committed_elements": sum(d["committed"] for d in per_kind.values()) + sum(table_sizes),
            "lookup_rows": sum(d["lookup_rows"] for d in per_kind.values()),
            "tables": {t.name: t.size for t in plan.tables}, "per_kind": per_kind}
