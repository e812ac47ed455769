"""The float reference on tiny models, and its building blocks against slow, obviously correct loops."""

import dataclasses
import math

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.model import float_ops, llamacpp_numerics
from deepprove_cli.model.dpm import load_model
from deepprove_cli.model.float_ref import KVCache, forward, forward_step, greedy_generate, perplexity
from deepprove_cli.model.importer import import_gguf
from deepprove_cli.model.llamacpp_numerics import LlamaCppNumerics
from deepprove_cli.model.synthetic import make_tiny_gguf

ARCHS = ["gpt2", "llama", "gemma3"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """arch -> LoadedModel of a quantized tiny model (through the .dpm, as everything downstream reads it)."""
    d = tmp_path_factory.mktemp("float_ref")
    out = {}
    for arch in ARCHS:
        make_tiny_gguf(d / f"{arch}.gguf", arch, quantized=True, seed=3)
        import_gguf(str(d / f"{arch}.gguf"), str(d / f"{arch}.dpm"))
        out[arch] = load_model(str(d / f"{arch}.dpm"))
    return out


def tokens(rng, cfg, n):
    return rng.integers(0, cfg.n_vocab, size=n)


# --- building blocks vs loops ----------------------------------------------------------------------

def rope_loop(x, positions, n_rot, base, freq_scale, neox, factors=None):
    """ggml_rope_ext written out: pair i of each head turns by pos * freq_scale * base^(-2i/n_rot) / f_i."""
    out = x.astype(np.float64).copy()
    T, H, d = x.shape
    for t in range(T):
        for h in range(H):
            for i in range(n_rot // 2):
                theta = positions[t] * freq_scale * base ** (-2.0 * i / n_rot)
                if factors is not None:
                    theta /= factors[i]
                a, b = (i, i + n_rot // 2) if neox else (2 * i, 2 * i + 1)
                x0, x1 = float(x[t, h, a]), float(x[t, h, b])
                out[t, h, a] = x0 * math.cos(theta) - x1 * math.sin(theta)
                out[t, h, b] = x0 * math.sin(theta) + x1 * math.cos(theta)
    return out


@pytest.mark.parametrize("neox", [False, True])
def test_rope_matches_the_loop(rng, neox):
    x = rng.standard_normal((5, 3, 12)).astype(np.float32)
    pos = np.array([0, 1, 7, 100, 3000])
    factors = rng.uniform(1, 4, 4)
    for n_rot, f in ((12, None), (8, factors)):
        got = float_ops.rope(x, pos, n_rot, 10000.0, 0.5, neox, f)
        assert np.allclose(got, rope_loop(x, pos, n_rot, 10000.0, 0.5, neox, f), atol=1e-5)
    assert np.array_equal(float_ops.rope(x, np.zeros(5, dtype=int), 12, 1e4, 1.0, neox), x)


def attention_loop(q, k, v, allowed, scale, cap):
    T, H, d = q.shape
    kv = k.shape[0]
    out = np.zeros((T, H * d))
    for t in range(T):
        for h in range(H):
            g = h // (H // kv)
            s = [float(q[t, h] @ k[g, j]) * scale for j in range(k.shape[1])]
            s = [cap * math.tanh(x / cap) if cap else x for x in s]
            w = [math.exp(x) if allowed[t, j] else 0.0 for j, x in enumerate(s)]
            out[t, h * d:(h + 1) * d] = sum(wj * v[g, j] for j, wj in enumerate(w)) / sum(w)
    return out


@pytest.mark.parametrize("window,cap", [(None, None), (3, None), (None, 5.0)])
def test_attention_matches_the_loop(rng, window, cap):
    q = rng.standard_normal((6, 4, 8)).astype(np.float32)
    k = rng.standard_normal((2, 9, 8)).astype(np.float32)
    v = rng.standard_normal((2, 9, 8)).astype(np.float32)
    allowed = float_ops.causal_mask(np.arange(3, 9), np.arange(9), window)
    for t, qp in enumerate(range(3, 9)):
        for kp in range(9):
            assert allowed[t, kp] == (kp <= qp and (window is None or qp - kp < window))
    got = float_ops.attention(q, k, v, allowed, 0.3, cap)
    assert np.allclose(got, attention_loop(q, k, v, allowed, 0.3, cap), atol=1e-5)


def test_norms_and_activations_match_formulas(rng):
    x = rng.standard_normal((3, 16)).astype(np.float32) * 3
    w, b = rng.standard_normal(16).astype(np.float32), rng.standard_normal(16).astype(np.float32)
    for r in range(3):
        row = [float(v) for v in x[r]]
        ms = sum(v * v for v in row) / 16
        assert np.allclose(float_ops.rms_norm(x, w, 1e-5)[r], [v / math.sqrt(ms + 1e-5) * wi for v, wi in zip(row, w)],
                           rtol=1e-5)
        mu = sum(row) / 16
        var = sum((v - mu) ** 2 for v in row) / 16
        assert np.allclose(float_ops.layer_norm(x, w, b, 1e-5)[r],
                           [(v - mu) / math.sqrt(var + 1e-5) * wi + bi for v, wi, bi in zip(row, w, b)], rtol=1e-4,
                           atol=1e-5)
    xs = np.linspace(-8, 8, 101).astype(np.float32)
    gelu = [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))) for v in xs.tolist()]
    assert np.allclose(float_ops.gelu_tanh(xs), gelu, atol=1e-6)
    assert np.allclose(float_ops.silu(xs), [v / (1 + math.exp(-v)) for v in xs.tolist()], atol=1e-6)


def test_perplexity_matches_the_definition(rng):
    logits = rng.standard_normal((7, 11)).astype(np.float32) * 2
    toks = rng.integers(0, 11, 7)
    nll = []
    for t in range(2, 6):
        z = sum(math.exp(float(v)) for v in logits[t])
        nll.append(-(float(logits[t, toks[t + 1]]) - math.log(z)))
    assert perplexity(logits, toks, first=2) == pytest.approx(math.exp(sum(nll) / len(nll)), rel=1e-9)
    assert perplexity(np.zeros((5, 50)), toks[:5]) == pytest.approx(50.0)
    with pytest.raises(ValueError):
        perplexity(logits, toks[:3])


# --- llama.cpp rounding vs loops -------------------------------------------------------------------

def f16(v: float) -> float:
    return float(np.float16(v))


def test_q8_rounding_matches_the_loop(rng):
    x = (rng.standard_normal((2, 64)) * rng.uniform(0.01, 10)).astype(np.float32)
    x[1, 32:] = 0.0  # an all-zero block
    got = llamacpp_numerics.q8_round(x)
    for r in range(2):
        for blk in range(2):
            vals = [float(v) for v in x[r, blk * 32:(blk + 1) * 32]]
            amax = max(abs(v) for v in vals)
            for j, v in enumerate(vals):
                q = round(v * float(np.float32(127) / np.float32(amax))) if amax else 0  # round: half to even
                assert got[r, blk * 32 + j] == pytest.approx(q * f16(amax / 127), rel=1e-6, abs=0)


def test_q8_k_rounding_matches_the_loop(rng):
    x = rng.standard_normal((1, 256)).astype(np.float32)
    got = llamacpp_numerics.q8_k_round(x)
    vals = [float(v) for v in x[0]]
    mx = max(vals, key=abs)
    iscale = float(np.float32(-127) / np.float32(mx))
    for j, v in enumerate(vals):
        q = min(127, round(float(np.float32(v) * np.float32(iscale))))
        assert got[0, j] == pytest.approx(q / iscale, rel=1e-6)


def test_q4_1_block_sum_correction(rng):
    """With Q8_1 activations a Q4_1 dot adds min * float16(block sum): the correction matches the loop."""
    w = rng.standard_normal((3, 64)).astype(np.float32)
    w -= w.reshape(3, 2, 32).min(-1).repeat(32, axis=1) - 0.5  # block minima 0.5: some element per block
    x = rng.standard_normal((2, 64)).astype(np.float32)
    num = LlamaCppNumerics({"w": "Q4_1"})
    got = num.linear(x, w, "w")
    for t in range(2):
        for r in range(3):
            acc = 0.0
            for blk in range(2):
                xs = x[t, blk * 32:(blk + 1) * 32]
                amax = float(np.abs(xs).max())
                q = [round(float(v * np.float32(127 / np.float32(amax)))) for v in xs]
                d = amax / 127
                m = float(w[r, blk * 32:(blk + 1) * 32].min())
                acc += sum((float(w[r, blk * 32 + j]) - m) * qj * f16(d) for j, qj in enumerate(q))
                acc += m * f16(d * sum(q))
            assert got[t, r] == pytest.approx(acc, rel=1e-4, abs=1e-4)


# --- the model ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("arch", ARCHS)
def test_forward_shape_and_causality(models, rng, arch):
    cfg, w, _ = models[arch]
    toks = tokens(rng, cfg, 12)
    logits = forward(cfg, w, toks)
    assert logits.shape == (12, cfg.n_vocab) and logits.dtype == np.float32 and np.isfinite(logits).all()
    assert logits.std() > 0.05  # not a constant function
    changed = toks.copy()
    changed[7:] = (changed[7:] + 1) % cfg.n_vocab
    other = forward(cfg, w, changed)
    assert np.array_equal(other[:7], logits[:7])
    assert not np.allclose(other[7:], logits[7:])


@pytest.mark.parametrize("numerics", [False, True])
@pytest.mark.parametrize("arch", ARCHS)
def test_incremental_equals_full(models, rng, arch, numerics):
    cfg, w, _ = models[arch]
    num = LlamaCppNumerics(w.meta["tensor_types"]) if numerics else None
    toks = tokens(rng, cfg, 10)
    full = forward(cfg, w, toks, numerics=num)
    cache = KVCache.empty(cfg)
    parts = [forward_step(cfg, w, toks[:4], cache, num)] + [forward_step(cfg, w, [t], cache, num) for t in toks[4:]]
    assert cache.n_past == 10 and cache.keys[0].shape == (cfg.n_kv_head, 10, cfg.head_dim)
    assert np.allclose(np.concatenate(parts), full, atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("arch", ARCHS)
def test_greedy_is_the_argmax_of_the_full_pass(models, rng, arch):
    cfg, w, _ = models[arch]
    prompt = tokens(rng, cfg, 4)
    out = greedy_generate(cfg, w, prompt, 6)
    assert len(out) == 6
    logits = forward(cfg, w, np.concatenate([prompt, out]))
    assert list(logits[3:-1].argmax(-1)) == out


def test_llamacpp_numerics_change_little(models, rng):
    cfg, w, _ = models["gemma3"]
    toks = tokens(rng, cfg, 8)
    plain = forward(cfg, w, toks)
    rounded = forward(cfg, w, toks, numerics=LlamaCppNumerics(w.meta["tensor_types"]))
    assert not np.array_equal(plain, rounded)
    assert np.abs(plain - rounded).max() < 0.05 * np.abs(plain).max()


def test_sliding_window_limits_what_local_layers_see(tmp_path, rng):
    """Two local layers with window 4: position t sees tokens back to t - 6 and no further."""
    cfg = make_tiny_gguf(tmp_path / "g.gguf", "gemma3", n_layer=2, local_layers=(0, 1), sliding_window=4)
    import_gguf(str(tmp_path / "g.gguf"), str(tmp_path / "g.dpm"))
    cfg, w, _ = load_model(str(tmp_path / "g.dpm"))
    toks = tokens(rng, cfg, 12)
    changed = toks.copy()
    changed[0] = (changed[0] + 1) % cfg.n_vocab
    a, b = forward(cfg, w, toks), forward(cfg, w, changed)
    assert not np.allclose(a[6], b[6])
    assert np.array_equal(a[7:], b[7:])
    glob = dataclasses.replace(cfg, local_layers=())
    assert not np.allclose(forward(glob, w, toks)[7:], forward(glob, w, changed)[7:])


def test_bad_tokens_and_overlong_sequences(models):
    cfg, w, _ = models["gpt2"]
    with pytest.raises(InputError, match="out of range"):
        forward(cfg, w, [0, cfg.n_vocab])
    with pytest.raises(InputError, match="context"):
        forward(cfg, w, np.zeros(cfg.n_ctx + 1, dtype=int))
