"""Node kinds: integer evaluation against slow Python-int references of the relations in their
docstrings, advice consistency, accuracy against the float formulas, and bound refusal."""

import math

import numpy as np
import pytest

from deepprove_cli.graph.attention import Rope, Softmax, attention_mask
from deepprove_cli.graph.build import Builder
from deepprove_cli.graph.elementwise import Limbs, Requant
from deepprove_cli.graph.linear import Einsum, Embedding
from deepprove_cli.graph.node import EvalContext
from deepprove_cli.graph.program import BoundError, Graph
from deepprove_cli.model import float_ref as F
from deepprove_cli.model import intops
from deepprove_cli.model.qformat import QuantConfig
from deepprove_cli.model.qtables import TableSpec
from deepprove_cli.model.synthetic import tiny_config
from tests.model.test_quant_intops import ref_mul_shift


def builder() -> Builder:
    return Builder(tiny_config("llama", 300), {}, None, QuantConfig())


def input_node(b: Builder, name: str, x: np.ndarray, scale: float = 1.0) -> str:
    """An input tensor (rows selected by token id = row index)."""
    return b.add(Embedding(name, [], {"source": "tokens"}, {"table": b.array(name + ".t", x)}), scale)


def run(b: Builder, name: str, rows: int, advice: bool = False) -> dict:
    ctx = EvalContext.full(np.arange(rows), keep_advice=advice)
    return b.g.run(b.store, ctx, [name], keep_all=advice)


# --- Norm -----------------------------------------------------------------------------------------

def ref_norm(node, store, x_rows: list[list[int]]) -> list[list[int]]:
    """The Norm relations row by row with Python ints (module docstring of graph.norm)."""
    p = node.params
    eps_v, eps_lo = store.table(node.tables["eps"])
    r_v, r_lo = store.table(node.tables["rsqrt"])
    m = [int(v) for v in store[node.arrays["m"]]]
    beta = [int(v) for v in store[node.arrays["beta"]]] if "beta" in node.arrays else [0] * len(m)
    out = []
    for x in x_rows:
        d = len(x)
        if p["layer"]:
            mu = sum(x) // d
            x = [v - mu for v in x]
        A, E2 = p["A"], p["E2"]
        e = p["e_min"]
        while not all(-(2 ** A) <= (v // 2 ** e if e >= 0 else v * 2 ** -e) < 2 ** A for v in x):
            e += 1
        x2 = [(v * 2 ** (E2 - e)) if E2 >= e else v // 2 ** (e - E2) for v in x]
        x1 = [v // 2 ** E2 for v in x2]
        ss = sum(v * v for v in x1) + int(eps_v[e - eps_lo])
        f = 0
        while ss >= 2 ** (16 + f):
            f += 2
        r = int(r_v[(ss >> f) - r_lo])
        z = [ref_mul_shift(v, r, p["kz"] + f // 2, p["sz"]) for v in x2]
        out.append([ref_mul_shift(zi, mi, p["ko"], p["so"]) + bi for zi, mi, bi in zip(z, m, beta)])
    return out


@pytest.mark.parametrize("layer", [False, True])
def test_norm_matches_reference_and_float(rng, layer):
    b = builder()
    d = 48
    x = rng.standard_normal((12, d)) * np.array([[1.0]] * 6 + [[1e3]] * 3 + [[1e-3]] * 3)
    x[4, 7] = 300.0  # a massive activation in one row
    xs = float(np.abs(x).max()) / (1 << 24)
    xi = np.rint(x / xs).astype(np.int64)
    xi[11] = 0  # an all-zero row
    w = rng.uniform(0.3, 3.0, d)
    bias = rng.standard_normal(d) * 0.1 if layer else None
    inp = input_node(b, "x", xi, xs)
    out_scale = np.full(d, 4.0 * math.sqrt(d) / (1 << 19))
    n = b.norm("n", inp, w, bias, out_scale, None, layer=layer)
    y = run(b, n, 12)[n]
    assert y.tolist() == ref_norm(b.g[n], b.store, xi.tolist())
    real = y * np.asarray(b.scale[n])
    ref = (F.layer_norm(xi * xs, w, bias, 1e-5) if layer else F.rms_norm(xi * xs, w, 1e-5))
    err = np.sqrt(((real - ref) ** 2).sum(-1)) / np.maximum(np.sqrt((ref ** 2).sum(-1)), 1e-9)
    # LayerNorm's mean has the input's resolution: rows only a few units wide (9, 10) are coarse
    assert err[:9].max() < 2e-3 and err[9:11].max() < (0.25 if layer else 2e-3)
    assert np.abs(real[11] - ref[11]).max() < 1e-3
    assert np.abs(y).max() <= b.g[n].bound
    assert (np.sqrt((y.astype(np.float64) ** 2).sum(-1)) <= b.g[n].l2).all()


def test_norm_advice_satisfies_its_relations(rng):
    b = builder()
    xi = rng.integers(-(1 << 22), 1 << 22, size=(5, 32)) >> rng.integers(0, 20, size=(5, 1))
    inp = input_node(b, "x", xi)
    n = b.norm("n", inp, np.ones(32), None, np.full(32, 1e-3), None)
    res = run(b, n, 5, advice=True)
    p = b.g[n].params
    adv = {k.split(".", 1)[1]: v for k, v in res.items() if k.startswith(n + ".")}
    lo = adv["x2_lo"]
    assert np.all((lo >= 0) & (lo < (1 << p["K"])))  # x * Q = x2 2^K + lo
    assert np.all(xi * adv["q"][:, None] == (adv["x2"] << p["K"]) + lo)
    x1 = adv["x1"]
    assert np.all((x1 >= -(1 << p["A"])) & (x1 < (1 << p["A"])))
    half = 1 << (p["A"] - 1)
    pinned = ((x1 < -half) | (x1 >= half)).any(axis=1)
    assert np.all(pinned | (adv["e"] == p["e_min"]))  # e - 1 would not do
    assert np.all((adv["ss_rem"] >= 0) & (adv["ss_rem"] < (1 << adv["f"])))
    assert np.all((adv["h"] < 1 << 16) & ((adv["f"] == 0) | (adv["h"] >= 1 << 14)))


# --- Requant --------------------------------------------------------------------------------------

@pytest.mark.parametrize("limbs", [False, True])
def test_requant_matches_reference(rng, limbs):
    b = builder()
    x = rng.integers(-(1 << 28), 1 << 28, size=(6, 10))
    inp = input_node(b, "x", x)
    m = rng.integers(-(1 << 13), 1 << 13, size=10)
    if limbs:
        lb = b.add(Limbs("l", [inp], {"shift": 14}), 1.0)
        node = Requant("r", [lb], {"k": 20, "s": 15, "s_hi": 0, "limb_shift": 14}, {"m": b.array("m", m)})
        name = b.add(node, 1.0)
        hi, lo = x >> 14, x & ((1 << 14) - 1)
        want = [[ref_mul_shift(int(h), int(mm), 6, 0) + ref_mul_shift(int(lw), int(mm), 20, 15)
                 for h, lw, mm in zip(hr, lr, m)] for hr, lr in zip(hi, lo)]
    else:
        name = b.add(Requant("r", [inp], {"k": 20, "s": 15}, {"m": b.array("m", m)}), 1.0)
        want = [[ref_mul_shift(int(v), int(mm), 20, 15) for v, mm in zip(row, m)] for row in x]
    got = run(b, name, 6)[name]
    assert got.tolist() == want
    assert np.abs(got - x * m / 2.0 ** 20).max() <= 2.0
    assert np.abs(got).max() <= b.g[name].bound


def test_requant_soft_clamp_bounds_out_of_range_values(rng):
    b = builder()
    x = np.concatenate([rng.integers(-1000, 1000, size=50), [1 << 27, -(1 << 27)]])[None, :]
    inp = input_node(b, "x", x)
    node = b.clamp(Requant("r", [inp], {"k": 0, "s": 0, "m": 1}), 12)
    name = b.add(node, 1.0)
    y = run(b, name, 1)[name]
    assert np.array_equal(y[0, :50], x[0, :50])  # identity in range
    assert np.abs(y).max() < 1 << 12 and b.g[name].bound < 1 << 12


# --- Rope -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("neox", [False, True])
def test_rope_matches_reference_and_float(rng, neox):
    b = builder()
    T, H, D = 7, 2, 16
    x = rng.integers(-2000, 2000, size=(T, H * D))
    inp = input_node(b, "x", x)
    r = b.add(Elementwise_reshape(inp, (H, D)), 1.0)
    cos, sin = b.rope_tables(10000.0, 1.0, None)
    name = b.add(Rope("rope", [r], {"n_rot": D, "neox": neox, "frac": 14}, {"cos": cos, "sin": sin}), 1.0)
    got = run(b, name, T)[name]
    c, s = b.store[cos], b.store[sin]
    xr = x.reshape(T, H, D)
    pairs = [(i, i + D // 2) for i in range(D // 2)] if neox else [(2 * i, 2 * i + 1) for i in range(D // 2)]
    for t in range(T):
        for h in range(H):
            for j, (a, bb) in enumerate(pairs):
                u, v = int(xr[t, h, a]), int(xr[t, h, bb])
                assert got[t, h, a] == (u * int(c[t, j]) - v * int(s[t, j]) + (1 << 13)) >> 14
                assert got[t, h, bb] == (u * int(s[t, j]) + v * int(c[t, j]) + (1 << 13)) >> 14
    ref = F.rope(xr.astype(np.float64), np.arange(T), D, 10000.0, 1.0, neox)
    assert np.abs(got - ref).max() <= 1.5


def Elementwise_reshape(inp, shape):
    from deepprove_cli.graph.elementwise import Reshape

    return Reshape(inp + ".r", [inp], {"shape": list(shape)})


# --- Softmax --------------------------------------------------------------------------------------

def ref_softmax(node, store, scores: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The Softmax relations row by row with Python ints (graph.attention.Softmax's docstring)."""
    p = node.params
    cv, clo = store.table(node.tables["clamp"])
    ev, elo = store.table(node.tables["exp"])
    j, B, Fp = p["clamp_j"], p["sum_bits"], p["frac_p"]
    out = np.zeros_like(scores)
    S = scores.shape[-1]
    for t in range(scores.shape[0]):
        for idx in np.ndindex(*scores.shape[1:-1]):
            row = [ref_mul_shift(int(v), p["m"], p["k"], p["s"]) for v in scores[(t, *idx)]]
            allowed = [s <= positions[t] and (p["window"] is None or positions[t] - s < p["window"]) for s in range(S)]
            mx = max(u for u, a in zip(row, allowed) if a)
            e = []
            for u, a in zip(row, allowed):
                if a:
                    d = mx - u
                    dc = int(cv[(d >> j) - clo]) * 2 ** j + d % 2 ** j
                    e.append(int(ev[dc - elo]))
                else:
                    e.append(0)
            tot = sum(e)
            f = tot.bit_length() - B
            s_h = tot // 2 ** f
            assert 2 ** (B - 1) <= s_h < 2 ** B and 0 <= f <= Fp
            out[(t, *idx)] = [(2 * v * 2 ** (Fp - f) + s_h) // (2 * s_h) for v in e]
    return out


def softmax_node(b: Builder, inp: str, window, max_keys: int = 64, j: int = 9) -> Softmax:
    """A Softmax with the quantizer's tables (exp table top lowered for max_keys)."""
    from deepprove_cli.graph.build import SOFTMAX_SUM_BITS, softmax_exp_one, softmax_pow2_spec

    tables = {"exp": b.table(TableSpec("exp", "exp", 0, 14, {"step": 2.0 ** -10, "frac": 14,
                                                             "one": softmax_exp_one(14, 14, max_keys)})),
              "clamp": b.table(TableSpec("dclamp", "clamp", 0, 16, {"cmin": 0, "cmax": (1 << (14 - j)) - 1})),
              "pow2": b.table(softmax_pow2_spec(14))}
    return Softmax("sm", [inp], {"m": 3, "k": 12, "s": 0, "window": window, "clamp_j": j, "frac_p": 14,
                                 "max_keys": max_keys, "sum_bits": SOFTMAX_SUM_BITS}, {}, tables)


@pytest.mark.parametrize("window", [None, 3])
def test_softmax_matches_reference_and_float(rng, window):
    b = builder()
    T = 6
    scores = rng.integers(-(1 << 20), 1 << 20, size=(T, 2, T))
    scores[1, 0, :2] = 5000  # a tie for the max
    inp = input_node(b, "s", scores.reshape(T, -1))
    sr = b.add(Elementwise_reshape(inp, (2, T)), 1.0)
    sm = softmax_node(b, sr, window)
    name = b.add(sm, 2.0 ** -14)
    got = run(b, name, T)[name]
    assert np.array_equal(got, ref_softmax(b.g[name], b.store, scores, np.arange(T)))
    res = run(b, name, T, advice=True)  # the numpy relations (the prover's path) give the same integers
    assert np.array_equal(res[name], got)
    assert np.array_equal(res[name + ".sum_hi"] << res[name + ".sum_exp"], res[name + ".sum"] - res[name + ".sum_lo"])
    real = scores * 3 / 2.0 ** 12 * 2.0 ** -10
    allowed = attention_mask(np.arange(T), T, window)[:, None, :]
    want = np.exp(np.where(allowed, real, -np.inf) - np.where(allowed, real, -np.inf).max(-1, keepdims=True))
    want /= want.sum(-1, keepdims=True)
    assert np.abs(got / 2.0 ** 14 - want).max() < 2e-3
    assert (got.sum(-1) <= sm.row_sum_bound()).all()


@pytest.mark.parametrize("spread", [0, 40])
def test_softmax_long_rows_use_the_widest_normalization_shift(rng, spread):
    """One query at position 4095 over 4096 keys (equal scores: the largest row sum, f = Fp): kernel,
    numpy relations and reference agree, and the sum of the row stays within row_sum_bound."""
    b = builder()
    inp = input_node(b, "s", np.zeros((1, 8), np.int64))
    sm = softmax_node(b, inp, None, max_keys=4096)
    b.g.add(sm, b.store)
    assert b.store.table(sm.tables["exp"])[0][0] == (1 << 14) - 1
    s = rng.integers(-spread, spread + 1, size=(1, 2, 4096)) << 10
    ctx = EvalContext(np.zeros(1, np.int64), np.array([4095]))
    fast = sm.eval([s], b.store, ctx)["out"]
    ctx.keep_advice = True
    res = sm.eval([s], b.store, ctx)
    assert np.array_equal(fast, res["out"])
    if spread == 0:
        assert (res["sum_exp"] == 14).all() and (fast == 4).all()
    assert np.array_equal(fast, ref_softmax(sm, b.store, s, np.array([4095])))
    assert (fast.sum(-1) <= sm.row_sum_bound()).all()


def test_softmax_refuses_rows_it_cannot_normalize():
    """max_keys beyond what the exp table's top value allows (the shift f would exceed Fp) is refused."""
    from deepprove_cli.graph.build import softmax_exp_one

    b = builder()
    inp = input_node(b, "s", np.zeros((1, 8), np.int64))
    sm = softmax_node(b, inp, None, max_keys=64)
    sm.params["max_keys"] = 4096  # the table was made for 64 keys: 4096 2^14 needs f = 15
    with pytest.raises(BoundError, match="op sm .*normalize"):
        b.g.add(sm, b.store)
    with pytest.raises(BoundError, match="too many"):
        softmax_exp_one(14, 14, 1 << 16)


# --- Einsum ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("rows", [3, 80])  # the few-rows weight kernel and the BLAS path
def test_einsum_adds_its_bias_on_every_path(rng, rows):
    b = builder()
    x = rng.integers(-100, 100, size=(rows, 16))
    w = rng.integers(-50, 50, size=(5, 16)).astype(np.int16)
    bias = rng.integers(-1000, 1000, size=5)
    inp = input_node(b, "x", x)
    y = b.add(Einsum("proj", [inp], {"spec": "tk,ok->to"}, {"w": b.array("w", w), "bias": b.array("bias", bias)}), 1.0)
    assert np.array_equal(run(b, y, rows)[y], x @ w.T.astype(np.int64) + bias)


# --- bounds ---------------------------------------------------------------------------------------

def test_graph_refuses_an_overflowing_einsum_naming_it():
    b = builder()
    inp = input_node(b, "x", np.full((1, 64), 1 << 12))
    w = np.full((8, 64), 1 << 15, dtype=np.int32)  # 64 * 2^12 * 2^15 = 2^33 > (p-1)/2
    with pytest.raises(BoundError, match=r"op proj \(einsum\).*acc could reach"):
        b.add(Einsum("proj", [inp], {"spec": "tk,ok->to"}, {"w": b.array("w", w)}), 1.0)
    assert "proj" not in b.g.by_name


def test_graph_refuses_a_lookup_outside_its_domain():
    b = builder()
    inp = input_node(b, "x", np.array([[1 << 20]]))
    from deepprove_cli.graph.elementwise import Lookup

    t = b.table(TableSpec("silu", "silu", -(1 << 15), 16, {"step_in": 2.0 ** -8, "step_out": 2.0 ** -8}))
    with pytest.raises(BoundError, match="op act"):
        b.add(Lookup("act", [inp], {}, {}, {"table": t}), 1.0)


def test_graph_json_round_trip(rng):
    b = builder()
    inp = input_node(b, "x", rng.integers(-100, 100, size=(4, 16)))
    n = b.norm("n", inp, np.ones(16), None, np.full(16, 1e-3), 12)
    g2 = Graph.from_json(b.g.to_json(), "test")
    ctx = EvalContext.full(np.arange(4))
    assert np.array_equal(g2.run(b.store, ctx, [n])[n], b.g.run(b.store, ctx, [n])[n])
    assert g2[n].bound == b.g[n].bound and g2[n].l2 == b.g[n].l2
    assert intops.P_HALF > max(v for node in g2.nodes for v in node.inter.values())
