"""Trees cut at a cap and proven in sequential GKR groups (layout.TREE_LOG_CAP / GROUP_LOG_CAP): the
same statement, many groups; completeness, exact tree filling, and every group's messages bound."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import to_field
from deepprove_cli.field.reference import P
from deepprove_cli.lookup import layout as L
from deepprove_cli.lookup import logup, standalone
from deepprove_cli.lookup.layout import Layout, Lookup
from deepprove_cli.lookup.multiplicity import compute_multiplicities
from deepprove_cli.lookup.tables import function_table, range_table


@pytest.fixture
def small_caps(monkeypatch):
    monkeypatch.setattr(L, "TREE_LOG_CAP", 4)
    monkeypatch.setattr(L, "GROUP_LOG_CAP", 5)


def _instance(rng):
    tables = [range_table(4), function_table("neg", -4, 3, lambda x: -x)]
    x = rng.integers(-4, 4, size=9)
    lookups = [Lookup(0, (to_field(rng.integers(0, 16, size=n)),)) for n in (21, 3, 40, 7, 16)]
    lookups.append(Lookup(1, (to_field(x), to_field(-x))))
    return tables, lookups, compute_multiplicities(tables, lookups)


def test_layout_cuts_trees_at_the_cap_and_groups_them(small_caps, rng):
    tables, lookups, _ = _instance(rng)
    lay = Layout(tables, [lk.shape for lk in lookups])
    for tr in lay.trees:
        big = max(b.log_size for b in tr.blocks)
        assert tr.depth <= max(4, big, 1)
        assert sum(1 << b.log_size for b in tr.blocks) == 1 << tr.depth or tr.depth == 1  # filled exactly
        offsets = sorted((b.offset, b.log_size) for b in tr.blocks)
        assert all(o % (1 << k) == 0 for o, k in offsets)
    assert len(lay.groups) > 1
    assert lay.groups[0][0] == 0 and lay.groups[-1][1] == len(lay.trees)
    assert all(a < b and (i == 0 or lay.groups[i - 1][1] == a) for i, (a, b) in enumerate(lay.groups))
    for a, b in lay.groups:
        assert b - a == 1 or sum(1 << t.depth for t in lay.trees[a:b]) <= 1 << 5


def test_groups_prove_and_verify(small_caps, rng):
    tables, lookups, mult = _instance(rng)
    proof, _ = logup.prove(tables, lookups, mult, standalone._transcript(lookups, mult))
    assert len(proof.groups) > 1
    standalone.verify(tables, lookups, mult, proof)
    standalone.verify(tables, lookups, mult, proof.to_bytes())



def test_done_is_called_once_per_lookup_after_its_last_read(small_caps, rng):
    """`done(i)` comes once per lookup, after its group: overwriting the columns there (what a caller that
    frees them does) leaves the proof and its claims unchanged."""
    tables, lookups, mult = _instance(rng)
    keep = [Lookup(lk.table, tuple(c.copy() for c in lk.columns)) for lk in lookups]
    plain, plain_claims = logup.prove(tables, keep, mult, standalone._transcript(keep, mult))
    calls = []

    def done(i):
        calls.append(i)
        for c in lookups[i].columns:
            c[:] = 7   # garbage: any later read would change the proof

    proof, claims = logup.prove(tables, lookups, mult, standalone._transcript(keep, mult), done)
    assert sorted(calls) == list(range(len(lookups)))
    assert len(proof.groups) > 1
    assert proof.to_bytes() == plain.to_bytes()
    for a, b in zip(claims.lookups, plain_claims.lookups):
        assert (a.point == b.point).all() and (a.values == b.values).all()
    standalone.verify(tables, keep, mult, proof)

def test_a_value_outside_the_table_is_rejected_across_groups(small_caps, rng):
    tables, lookups, _ = _instance(rng)
    col = lookups[2].columns[0].copy()
    col[11] = 16  # 2^4: outside the 4-bit range
    lookups[2] = Lookup(0, (col,))
    counts = np.zeros(16, np.int64)
    for lk in lookups:
        if lk.table == 0:
            for v in lk.columns[0]:
                counts[int(v) % 16] += 1
    mult = [counts.astype(np.uint32), compute_multiplicities(tables, [lookups[-1]])[1]]
    proof, _ = logup.prove(tables, lookups, mult, standalone._transcript(lookups, mult))
    with pytest.raises(ProofInvalid):
        standalone.verify(tables, lookups, mult, proof)


def test_every_group_message_is_bound(small_caps, rng):
    tables, lookups, mult = _instance(rng)
    proof, _ = logup.prove(tables, lookups, mult, standalone._transcript(lookups, mult))
    for g in proof.groups:
        arrays = [g.roots] + [lp.rounds for lp in g.layers] + [lp.evals for lp in g.layers]
        for arr in arrays:
            flat = arr.reshape(-1)
            pos = flat.size // 2
            old = flat[pos]
            flat[pos] = (int(old) + 1) % P
            with pytest.raises(ProofInvalid):
                standalone.verify(tables, lookups, mult, proof)
            flat[pos] = old
    standalone.verify(tables, lookups, mult, proof)


def test_one_group_is_the_single_batch(rng):
    """Under the default caps a small argument is one group: the bytes of one batched GKR."""
    tables, lookups, mult = _instance(rng)
    proof, _ = logup.prove(tables, lookups, mult, standalone._transcript(lookups, mult))
    assert len(proof.groups) == 1
