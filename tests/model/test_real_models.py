"""Opt-in (DP_REAL_MODELS=1): the real models, imported through `dp import`'s code, against llama.cpp.

shared/reference holds llama.cpp's prompt logits and 16 greedy tokens per prompt for SmolLM2-135M
(Q4_1) and Gemma-3 270M (Q4_K_M). llama.cpp's CPU matmuls round activations to 8 bits, so logits
differ by a few tenths and near-ties (gaps below ~0.25) can go either way; once a free-running
greedy continuation takes the other side of a tie, it continues differently. So we check:
- prompt logits: the same argmax, and small differences once each row's mean is removed (llama.cpp's
  rows carry an extra per-position offset of up to ~1, which softmax ignores);
- teacher-forced on llama.cpp's continuation: its token is our argmax, or within a near-tie of it;
- free-running greedy: it agrees with llama.cpp up to the first step, which must be a near-tie.
Run with -s to see the numbers.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from deepprove_cli.model.dpm import load_model
from deepprove_cli.model.float_ref import forward, greedy_generate
from deepprove_cli.model.importer import import_gguf
from deepprove_cli.model.llamacpp_numerics import LlamaCppNumerics
from deepprove_cli.model.sources import ensure_model
from tests.conftest import REAL_MODEL_MARKS, REFERENCE as CONFTEST_REFERENCE

REFERENCE = Path(CONFTEST_REFERENCE)
NEAR_TIE = 0.5  # logits: a reference token this close to our best counts as a tie decided by rounding

pytestmark = REAL_MODEL_MARKS


@pytest.fixture(scope="module", params=["smollm2", "gemma3"])
def real(request, tmp_path_factory):
    if not (REFERENCE / "llamacpp.json").is_file():
        pytest.skip(f"no llama.cpp reference outputs at {REFERENCE}")
    name = request.param
    out = tmp_path_factory.mktemp(name) / f"{name}.dpm"
    import_gguf(str(ensure_model(name)), str(out))
    ref = json.loads((REFERENCE / "llamacpp.json").read_text())[name]
    logits = np.load(REFERENCE / f"{name}_logits.npz")
    return name, load_model(str(out)), ref["prompts"], logits


def parity(cfg, weights, prompt, ref_logits, numerics) -> dict:
    toks, want = list(prompt["tokens"]), list(prompt["greedy_tokens"])
    n = len(toks)
    ours = forward(cfg, weights, toks + want, numerics=numerics)  # teacher-forced on llama.cpp's tokens
    P, L = ours[:n], ref_logits.astype(np.float32)
    centered = (P - P.mean(-1, keepdims=True)) - (L - L.mean(-1, keepdims=True))
    regret = [float(ours[n - 1 + j].max() - ours[n - 1 + j][t]) for j, t in enumerate(want)]
    free = greedy_generate(cfg, weights, toks, len(want), numerics=numerics)
    lead = next((j for j, (a, b) in enumerate(zip(free, want)) if a != b), len(want))
    return {
        "prompt_argmax": int((P.argmax(-1) == L.argmax(-1)).sum()), "positions": n,
        "max_abs_diff": float(np.abs(P - L).max()), "centered_max_diff": float(np.abs(centered).max()),
        "forced_agree": sum(r == 0.0 for r in regret), "max_regret": max(regret),
        "greedy_lead": lead, "regret_at_divergence": regret[lead] if lead < len(want) else 0.0,
    }


@pytest.mark.parametrize("mode", ["float", "llamacpp"])
def test_float_reference_matches_llama_cpp(real, mode):
    name, model, prompts, logits = real
    numerics = LlamaCppNumerics(model.weights.meta["tensor_types"]) if mode == "llamacpp" else None
    for p in prompts:
        m = parity(model.config, model.weights, p, logits[p["logits"]], numerics)
        print(f"\n{name} {mode:8s} {p['text'][:24]!r:28s} " + " ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items()))
        assert m["prompt_argmax"] >= m["positions"] - 1
        assert m["centered_max_diff"] < 2.0
        assert m["max_regret"] < NEAR_TIE and m["forced_agree"] >= 14
        assert m["regret_at_divergence"] < NEAR_TIE
