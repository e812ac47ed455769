"""logUp-GKR under attack on random shapes: several tables (ranges, shifted domains, tuple tables with
outputs evaluated or committed, one-row tables), lookups of every awkward length (1, 2^k, 2^k + 1,
many into one table, so trees of several depths with one-leaf padding). For each shape the honest
argument verifies, and a witness with one tuple outside its table is rejected whatever the
multiplicities say: counted as if it were a neighbouring row, ignored, or cancelled by a negative
(p - 1) multiplicity somewhere else.
"""

import numpy as np
import pytest

from deepprove_cli.field.babybear import to_field
from deepprove_cli.field.reference import P
from deepprove_cli.lookup.layout import Lookup
from deepprove_cli.lookup.multiplicity import compute_multiplicities
from deepprove_cli.lookup.tables import Table, function_table, range_table
from tests.adversarial.helpers import lookup_accepts

TRIALS = 16


def _random_tables(rng):
    out = [range_table(int(rng.integers(0, 5)))]
    for i in range(int(rng.integers(1, 3))):
        start, log = int(rng.integers(-20, 5)), int(rng.integers(0, 4))
        k = int(rng.integers(0, 3))
        fns = [lambda x, a=int(rng.integers(-3, 4)), b=int(rng.integers(-9, 9)): a * x * x + b for _ in range(k)]
        out.append(function_table(f"f{i}", start, log, lambda x, fns=fns: tuple(f(x) for f in fns),
                                  committed=bool(rng.integers(2))) if k else Table(f"dom{i}", start, log))
    return out


def _random_lookups(rng, tables):
    lookups = []
    for t, tab in enumerate(tables):
        for _ in range(int(rng.integers(1, 4))):
            n = int(rng.choice([1, 2, 3, 4, 5, 8, 9, 16, 17]))
            x = rng.integers(tab.start, tab.start + tab.size, size=n)
            lookups.append(Lookup(t, (to_field(x), *(to_field(o) for o in tab.apply(x)))))
    return lookups


def _outside(rng, tab: Table, lk: Lookup, row: int) -> tuple[Lookup, int]:
    """A copy of lk with one row made a tuple outside the table; returns it and the table row it
    'pretends' to be (the row of its input when inside the domain, else the nearest one)."""
    cols = [c.copy() for c in lk.columns]
    x = (int(cols[0][row]) + P // 2) % P - P // 2  # signed
    if len(cols) > 1 and rng.random() < 0.5:
        cols[1][row] = (int(cols[1][row]) + 1) % P       # right input, wrong output
        pretend = x - tab.start
    else:
        x_bad = tab.start + tab.size if rng.random() < 0.5 else tab.start - 1
        cols[0][row] = x_bad % P                          # input outside the domain
        pretend = min(max(x_bad - tab.start, 0), tab.size - 1)
    return Lookup(lk.table, tuple(cols)), pretend


@pytest.mark.parametrize("seed", range(TRIALS))
def test_random_shapes_reject_a_tuple_outside_the_table(seed):
    rng = np.random.default_rng(2000 + seed)
    tables = _random_tables(rng)
    lookups = _random_lookups(rng, tables)
    mult = compute_multiplicities(tables, lookups)
    assert lookup_accepts(tables, lookups, mult)

    i = int(rng.integers(len(lookups)))
    t = lookups[i].table
    row = int(rng.integers(lookups[i].columns[0].size))
    bad, pretend = _outside(rng, tables[t], lookups[i], row)
    cheat = list(lookups)
    cheat[i] = bad
    # the honest row's count moved to the pretended row, the bad row ignored, or cancelled by -1
    real = int(lookups[i].columns[0][row])
    real_row = ((real + P // 2) % P - P // 2) - tables[t].start
    variants = []
    m = [x.copy() for x in mult]
    m[t][real_row] -= 1
    variants.append(m)
    m2 = [x.copy() for x in m]
    m2[t][pretend] += 1
    variants.append(m2)
    m3 = [x.copy() for x in m2]
    m3[t][(pretend + 1) % tables[t].size] = (int(m3[t][(pretend + 1) % tables[t].size]) + P - 1) % P
    variants.append(m3)
    for v in variants:
        assert not lookup_accepts(tables, cheat, v)


def test_lookup_counts_that_could_wrap_are_refused():
    """Multiplicities are field elements, so logUp is sound only with fewer than p lookups per table
    (a count of p would vanish): the public shapes alone decide it, before any proof is read."""
    from deepprove_cli.errors import InputError
    from deepprove_cli.lookup.layout import Layout, LookupShape

    half = 1 << 30
    Layout([range_table(4)], [LookupShape(0, half), LookupShape(0, P - half - 1)])
    with pytest.raises(InputError, match="fewer than p"):
        Layout([range_table(4)], [LookupShape(0, half), LookupShape(0, P - half)])


def test_multiplicities_of_two_same_size_tables_swapped():
    tables = [range_table(3, "a"), Table("b", -4, 3)]
    lookups = [Lookup(0, (to_field(np.array([0, 1, 1, 7])),)), Lookup(1, (to_field(np.array([-4, 3, 3])),))]
    mult = compute_multiplicities(tables, lookups)
    assert lookup_accepts(tables, lookups, mult)
    assert not lookup_accepts(tables, lookups, [mult[1], mult[0]])
