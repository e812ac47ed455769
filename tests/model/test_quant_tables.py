"""Lookup tables: contents against their formulas, sharing, spec round trip."""

import math

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.model.qtables import TableSet, TableSpec, build


def test_clamp_and_pow2_and_eps():
    c = build(TableSpec("c", "clamp", -8, 4, {"cmin": -3, "cmax": 2}))
    assert c.tolist() == [max(-3, min(2, i)) for i in range(-8, 8)]
    p = build(TableSpec("p", "pow2", -2, 3, {"top": 3}))
    assert p.tolist() == [32, 16, 8, 4, 2, 1, 0, 0]  # floor(2^(3 - i)), 0 past the top
    e = build(TableSpec("e", "eps", -2, 3, {"segments": [[-2, 4, 1000.0, -2], [3, 2, 64.0, 1]], "cap": 5000}))
    assert e.tolist() == [5000, 4000, 1000, 250, 0, 16, 4, 0]


def test_exp_table():
    t = build(TableSpec("x", "exp", 0, 10, {"step": 2.0 ** -6, "frac": 12}))
    assert t[0] == 1 << 12  # the row max contributes exactly 2^frac (the softmax sum is >= 2^frac)
    assert np.all(np.diff(t) <= 0) and t[-1] == round(4096 * math.exp(-1023 / 64))
    i = np.arange(1024)
    assert np.abs(t - 4096 * np.exp(-i / 64)).max() <= 0.5


@pytest.mark.parametrize("kind", ["silu", "gelu"])
def test_activation_tables(kind):
    step = 2.0 ** -8
    t = build(TableSpec(kind, kind, -512, 10, {"step_in": step, "step_out": step}))
    x = np.arange(-512, 512) * step
    if kind == "silu":
        f = x / (1 + np.exp(-x))
    else:
        f = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    assert np.abs(t * step - f).max() <= step / 2 + 1e-12


def test_rsqrt_and_tanh():
    r = build(TableSpec("r", "rsqrt", 0, 8, {"frac": 20}))
    h = np.arange(256)
    assert np.abs(r - 2.0 ** 20 / np.sqrt(h + 0.5)).max() <= 0.5
    th = build(TableSpec("t", "tanh", -64, 7, {"cap": 2.0, "step_in": 0.125, "step_out": 2.0 ** -10}))
    x = np.arange(-64, 64) * 0.125
    assert np.abs(th * 2.0 ** -10 - 2.0 * np.tanh(x / 2.0)).max() <= 2.0 ** -11


def test_tableset_shares_identical_specs():
    ts = TableSet()
    a = ts.add(TableSpec("clamp4", "clamp", -16, 5, {"cmin": -4, "cmax": 3}))
    b = ts.add(TableSpec("clamp4", "clamp", -16, 5, {"cmin": -4, "cmax": 3}))
    c = ts.add(TableSpec("clamp4", "clamp", -16, 5, {"cmin": -2, "cmax": 1}))
    assert a == b and c != a and len(ts.specs) == 2
    ts.count(a, 10)
    ts.count(b, 5)
    assert ts.specs[a].lookups_per_token == 15
    values, lo = ts.get(c)
    assert lo == -16 and values.shape == (32,)


def test_spec_json_round_trip_and_validation():
    s = TableSpec("exp", "exp", 0, 14, {"step": 2.0 ** -10, "frac": 14}, 7)
    back = TableSpec.from_json(s.to_json(), "t")
    assert back == s
    with pytest.raises(InputError):
        TableSpec.from_json({"name": "x", "kind": "nope", "lo": 0, "log_size": 3, "params": {}}, "t")
    with pytest.raises(InputError):
        TableSpec.from_json({"name": "x", "kind": "exp", "lo": 0, "log_size": 40, "params": {}}, "t")
    with pytest.raises(ValueError):
        TableSet().add(TableSpec("big", "clamp", 0, 21, {"cmin": 0, "cmax": 1}))
