import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field.reference import P
from deepprove_cli.lookup import reference as ref
from deepprove_cli.lookup.tables import (EVAL_MAX_LOG, HALF, Table, domain_table, function_table,
                                         range_table)


def _pt(rng, n):
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


def _ext(a):
    return tuple(int(v) for v in a)


def test_range_table_columns():
    t = range_table(3)
    assert t.name == "range3" and t.arity == 1 and t.size == 8 and not t.committed
    assert t.input_column().tolist() == list(range(8))
    assert t.columns()[0].tolist() == list(range(8))


@pytest.mark.parametrize("start", [0, -5, 1000])
def test_input_eval_matches_reference(rng, start):
    t = domain_table(start, 4)
    pt = _pt(rng, 4)
    assert _ext(t.eval_input(pt)) == ref.evaluate([(start + i) % P for i in range(16)], pt.tolist())


def test_function_table_outputs(rng):
    t = function_table("cube-ish", -4, 3, lambda x: (x * x * x, -x))
    assert t.arity == 3
    xs = list(range(-4, 4))
    assert t.outputs[0].tolist() == [x ** 3 for x in xs]
    assert t.output_columns()[1].tolist() == [(-x) % P for x in xs]
    pt = _pt(rng, 3)
    got = [_ext(v) for v in t.eval_outputs(pt)]
    assert got == [ref.evaluate([x ** 3 % P for x in xs], pt.tolist()), ref.evaluate([-x % P for x in xs], pt.tolist())]
    assert [v.tolist() for v in t.apply(np.array([-4, 3]))] == [[-64, 27], [4, -3]]
    with pytest.raises(InputError, match="outside the domain"):
        t.apply(np.array([4]))


def test_committed_default_by_size():
    small = Table("s", 0, 2, [np.arange(4)])
    assert not small.committed
    assert Table("s", 0, 2, [np.arange(4)], committed=True).committed
    big = Table("b", 0, EVAL_MAX_LOG + 1, [np.zeros(1 << (EVAL_MAX_LOG + 1), dtype=np.int64)])
    assert big.committed
    assert not Table("r", 0, EVAL_MAX_LOG + 1).committed  # a range table has nothing to commit


def test_digest_binds_everything():
    base = function_table("f", 0, 3, lambda x: x + 1)
    same = function_table("f", 0, 3, lambda x: x + 1)
    assert base.digest() == same.digest() and len(base.digest()) == 32
    others = [function_table("g", 0, 3, lambda x: x + 1), function_table("f", 1, 3, lambda x: x + 1),
              function_table("f", 0, 3, lambda x: x + 2), function_table("f", 0, 3, lambda x: x + 1, committed=True),
              Table("f", 0, 3)]
    assert len({base.digest()} | {o.digest() for o in others}) == 1 + len(others)


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="", start=0, log_size=2), "name"),
    (dict(name="x", start=0, log_size=25), "log_size"),
    (dict(name="x", start=HALF, log_size=1), "domain"),
    (dict(name="x", start=0, log_size=2, outputs=[np.arange(3)]), "output 0"),
    (dict(name="x", start=0, log_size=1, outputs=[np.array([0, HALF + 1])]), "outside"),
    (dict(name="x", start=0, log_size=1, outputs=[np.array([0.5, 1.0])]), "output 0"),
])
def test_bad_tables_rejected(kwargs, match):
    with pytest.raises(InputError, match=match):
        Table(**kwargs)


def test_outputs_are_read_only():
    t = function_table("f", 0, 2, lambda x: x)
    with pytest.raises(ValueError):
        t.outputs[0][0] = 5


def test_container_round_trip(tmp_path):
    from deepprove_cli.io import container

    t = function_table("gelu", -8, 4, lambda x: (x * 3, -x), committed=True)
    meta, specs = t.to_spec("tables/0")
    data = container.to_bytes(b"DPTEST\0\0", 1, {"table": meta}, specs)
    c = container.parse(data, "test")
    back = Table.from_spec(c.meta["table"], c, "tables/0")
    assert back.digest() == t.digest() and back.committed and back.arity == 3
    meta2 = dict(meta, digest="00" * 32)
    with pytest.raises(InputError, match="digest"):
        Table.from_spec(meta2, c, "tables/0")
    with pytest.raises(InputError, match="missing array"):
        Table.from_spec(dict(meta, outputs=3), c, "tables/0")
    with pytest.raises(InputError, match="incomplete"):
        Table.from_spec({"name": "x"}, c, "tables/0")
