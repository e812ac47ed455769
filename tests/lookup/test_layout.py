import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field.reference import P
from deepprove_cli.lookup import reference as ref
from deepprove_cli.lookup.layout import Layout, LookupShape, eq_index
from deepprove_cli.lookup.tables import range_table


def _layout(table_logs, lengths):
    tables = [range_table(k) for k in table_logs]
    return Layout(tables, [LookupShape(t, n) for t, n in lengths])


@pytest.mark.parametrize("table_logs, lengths", [
    ([4], [(0, 1)]),
    ([0], [(0, 1)]),
    ([1], [(0, 1)]),
    ([16], [(0, 1 << 20)]),
    ([3, 5], [(0, 3), (1, 100), (0, 17), (1, 1), (1, 2), (0, 8)]),
    ([2], [(0, n) for n in range(1, 30)]),
])
def test_trees_tile_the_blocks(table_logs, lengths):
    lay = _layout(table_logs, lengths)
    seen = set()
    for t in range(len(table_logs)):
        trees = [lay.trees[i] for i in lay.tables_trees()[t]]
        total = sum(1 << b.log_size for tr in trees for b in tr.blocks)
        sizes = [sum(1 << b.log_size for b in tr.blocks) for tr in trees]
        # binary expansion of the total, largest first; a 1-leaf tree gets depth 1
        assert sizes == [1 << k for k in range(total.bit_length() - 1, -1, -1) if total >> k & 1]
        for tr in trees:
            assert tr.depth == max(1, sum(1 << b.log_size for b in tr.blocks).bit_length() - 1)
            end = 0
            for b in tr.blocks:
                assert b.offset == end and b.offset % (1 << b.log_size) == 0
                assert b.length <= 1 << b.log_size
                end += 1 << b.log_size
                seen.add(b.source if b.source >= 0 else ("table", t))
    assert seen == set(range(len(lengths))) | {("table", t) for t in range(len(table_logs))}
    for i, (t, n) in enumerate(lengths):
        tree, block = lay.block_tree[i]
        assert lay.trees[tree].table == t and block.length == n and 1 << block.log_size >= n
    assert lay.depth == max(tr.depth for tr in lay.trees)


def test_bench_shape_has_no_padding_tree():
    lay = _layout([16], [(0, 1 << 20)])
    assert [tr.depth for tr in lay.trees] == [20, 16]
    assert lay.num_leaves() == (1 << 20) + (1 << 16)


def test_active_trees():
    lay = _layout([3], [(0, 16), (0, 2)])
    depths = [tr.depth for tr in lay.trees]
    assert depths == [4, 3, 1]  # 16 + 8 + 2 leaves
    for k in range(1, lay.depth):
        assert lay.active(k) == [i for i, d in enumerate(depths) if d > k]


@pytest.mark.parametrize("table_logs, lengths, match", [
    ([4], [], "no lookups"),
    ([4, 4], [(0, 3)], "table 1 has no lookups"),
    ([4], [(1, 3)], "out of range"),
    ([4], [(0, 0)], "length"),
    ([], [], "at least one table"),
])
def test_bad_shapes(table_logs, lengths, match):
    with pytest.raises(InputError, match=match):
        _layout(table_logs, lengths)


def test_too_many_lookups():
    with pytest.raises(InputError, match="fewer than p"):
        _layout([4], [(0, P // 2), (0, P // 2 + 2)])


def test_eq_index(rng):
    pt = rng.integers(0, P, size=(4, 4), dtype=np.uint32)
    table = ref.poly_ref.eq_table(pt.tolist())
    for i in (0, 5, 15):
        assert tuple(int(v) for v in eq_index(pt, i)) == table[i]
