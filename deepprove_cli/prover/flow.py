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
from collections.abc import Sequence

import numpy as np

from deepprove_cli.io.binary import Writer
from deepprove_cli.nodeproofs.claims import ClaimPool
from deepprove_cli.nodeproofs.statement import TRANSCRIPT_LABEL, absorb_weights
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


def _padded(plan, values, name: str):
    """The padded base table of a tensor (a new array unless its shape needs no padding)."""
    return plan.tensors[name].layout.table(values[name], name)


class _AdviceTables(Sequence):
    """The advice batch's polynomials: every committed tensor's padded table, built when the commit reads
    it (pcs.commit_shape's lazy sequence: `num_vars`), then the multiplicity columns. A streamed commit
    then holds a slab's worth of them, not the 3.9 GB of padded tables of 128 rows of SmolLM2."""

    def __init__(self, plan, values, extra):
        self.plan, self.values, self.extra = plan, values, list(extra)
        self.num_vars = [plan.tensors[n].layout.num_vars for n in plan.committed] + \
            [int(m.size).bit_length() - 1 for m in self.extra]

    def __len__(self) -> int:
        return len(self.num_vars)

    def __getitem__(self, i: int) -> np.ndarray:
        n = len(self.plan.committed)
        if not 0 <= i < len(self.num_vars):
            raise IndexError(i)
        return _padded(self.plan, self.values, self.plan.committed[i]) if i < n else self.extra[i - n]


def _multiplicities(plan, values) -> list:
    """One multiplicity column per table (validated: lookup.multiplicity.table_multiplicities), each
    lookup's padded columns built, counted and dropped in turn."""
    from deepprove_cli.lookup.multiplicity import table_multiplicities

    per_table: list[list[int]] = [[] for _ in plan.tables]
    for k, u in enumerate(plan.lookups):
        per_table[plan.table_index[u.table]].append(k)
    out = []
    for t, table in enumerate(plan.tables):
        cols = (plan.column_tables(k, {c: _padded(plan, values, c) for c in plan.lookups[k].columns})
                for k in per_table[t])
        out.append(table_multiplicities(table, cols, [f"lookup {k} ({plan.lookups[k].node})" for k in per_table[t]]))
    return out


class _LazyLookup:
    """A lookup of the plan whose columns are built when the lookup argument first reads them (and kept
    until it is done with them): the committed tensors' tables viewed in the advice batch's prover data
    (mapped from the file when spilled), the others padded from their values. So the lookup phase holds
    one GKR group's columns, not a padded copy of every looked-up tensor."""

    def __init__(self, plan, k: int, values: dict, data, poly: dict):
        self.plan, self.k, self.values, self.data, self.poly = plan, k, values, data, poly
        use = plan.lookups[k]
        self.table = plan.table_index[use.table]
        self._length = 1 << plan.tensors[use.columns[0]].layout.num_vars
        self._columns = None

    @property
    def shape(self):
        from deepprove_cli.lookup.layout import LookupShape

        return LookupShape(self.table, self._length)

    @property
    def columns(self) -> tuple:
        if self._columns is None:
            tables = {}
            for c in self.plan.lookups[self.k].columns:
                if c in self.poly:
                    tables[c] = self.data.table(self.poly[c])
                else:
                    tables[c] = _padded(self.plan, self.values, c)
            self._columns = self.plan.column_tables(self.k, tables)
        return self._columns


def _view_committed(plan, values: dict, data) -> None:
    """Every committed tensor's value becomes a view of its table in the advice batch's prover data (its
    padded table, sliced to the tensor's shape): the unpadded copy is freed, and a spilled batch's pages
    are resident only while read (the claim flow releases them as it drops each tensor)."""
    for i, name in enumerate(plan.committed):
        lay = plan.tensors[name].layout
        values[name] = data.table(i).reshape(lay.padded_shape)[tuple(slice(0, d) for d in lay.shape)]


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
            table = _padded(pool.plan, values, op.defines)
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
    from deepprove_cli.io.pages import release_file_pages
    from deepprove_cli.lookup import logup
    from deepprove_cli.lookup.layout import Lookup
    from deepprove_cli.pcs import open_batch
    from deepprove_cli.prover.spill import commit_advice

    phases, kinds = {}, {}
    say = progress or (lambda *a: None)
    tr = Transcript(TRANSCRIPT_LABEL)
    statement.absorb(tr)
    absorb_weights(tr, None if weights is None else weights[0])
    w = SectionWriter()
    t0 = time.perf_counter()
    if not plan.lookups:
        mult = []
    elif multiplicities is None:
        mult = _multiplicities(plan, values)
    else:   # a caller's own count (tests: a cheating prover) sees every lookup's columns at once
        mult = multiplicities(plan.tables, [
            Lookup(plan.table_index[u.table], plan.column_tables(k, {c: _padded(plan, values, c) for c in u.columns}))
            for k, u in enumerate(plan.lookups)])
    polys = _AdviceTables(plan, values, mult)
    stats = plan_stats(plan, [len(m) for m in mult])
    data = None
    if len(polys):
        say("commit", 0, 1)
        data = commit_advice(polys, statement.advice_pcs)
        data.commitment.absorb(tr)
        w.section("advice/root")
        w.digest(data.commitment.root)
    del polys  # built its tables on demand; the prover data holds what the lookups and opening read
    poly = {name: i for i, name in enumerate(plan.committed)}
    if data is not None:
        _view_committed(plan, values, data)
    lookups = [_LazyLookup(plan, k, values, data, poly) for k in range(len(plan.lookups))]
    phases["commit"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pool = ClaimPool(plan)
    if lookups:
        say("lookup", 0, 1)

        def done(k):  # a lookup's last read: its padded tables go, mapped file pages leave the resident set
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
            v = values.pop(name, None)
            if v is not None:
                release_file_pages(v)
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
