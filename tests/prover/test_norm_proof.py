"""Norm node proofs: every distinct Norm configuration of the tiny gpt2 (LayerNorm), llama (RMSNorm) and
gemma3 (pre / post norms without a clamp, per-head QK norms) graphs proven and verified on inputs within
their bounds whose rows span every scale (all-zero rows, single spikes); cheating provers that shift the
row exponent (also through a product that wraps around p), drop its pin, shift f or h, miscompute the
mean or round the other way are rejected."""

import numpy as np
import pytest

from deepprove_cli.field.babybear import P
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import greedy
from tests.prover.test_cheating import cheat, lenient_limbs
from tests.prover.test_rope_proof import PROMPT, _rejected, cheated_tokens, distinct_nodes, mini_model, tiny_model


def scaled_feed(qm, node, seed: int, spike: int | None = None) -> np.ndarray:
    """Rows of every scale within the input's bound: row i shifted right by a random amount, row 3 all
    zeros, row 4 one spike at the bound (row 1, the first prompt token: `spike` alone if given)."""
    src = qm.graph[node.inputs[0]]
    rows = max(int(np.prod(node.shape)), 8)
    rng = np.random.default_rng(seed)
    out = rng.integers(-src.bound, src.bound + 1, (rows,) + tuple(src.shape))
    flat = out.reshape(rows, -1, src.shape[-1])
    for i in range(rows):
        flat[i] >>= int(rng.integers(0, int(src.bound).bit_length() + 1))
    flat[3] = 0
    flat[4] = 0
    flat[4, :, 5] = -src.bound
    if spike is not None:
        flat[1] = 0
        flat[1, :, 7] = spike
    return out


@pytest.mark.parametrize("arch", ["gpt2", "llama", "gemma3"])
def test_real_norm_nodes(arch, tmp_path_factory):
    from deepprove_cli.prover import prove_sequence

    qm = tiny_model(arch, tmp_path_factory)
    seen = set()
    for i, node in enumerate(distinct_nodes(qm, "norm")):
        m = mini_model(qm, node, scaled_feed(qm, node, i))
        prompt = [3, 4, 1]  # the all-zero row, the spike row, a random one
        b = prove_sequence(m, None, greedy(m, prompt, 2), len(prompt))
        assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid, node.name
        assert b.stats["per_kind"]["norm"]["committed"] > 0
        seen.add((node.params["layer"], len(node.shape), "clamp" in node.tables, node.params["K"] > 0))
    want = {"gpt2": {(True, 1, True, True)}, "llama": {(False, 1, True, True), (False, 1, True, False)},
            "gemma3": {(False, 2, False, False), (False, 1, False, False), (False, 1, True, True)}}[arch]
    assert want <= seen, seen


# -- cheating provers (llama's ffn norm: a wide residual, e in [e_min, e_max] with e_min > -(A+1), K > 0) --

def _wide_norm(qm):
    return next(n for n in distinct_nodes(qm, "norm") if n.params["K"] > 0 and n.params["e_max"] - n.params["e_min"] >= 6)


def _wrapping_spike(node) -> tuple[int, int]:
    """(x, e') with x Q' = x 2^(K+E2-e') just above p, its residue V = x Q' - p putting floor(V / 2^(K+E2))
    at 2^(A-1) (inside x1's range, and outside the pin's half range), while the true exponent of x is
    well above e': the wrap attack on an exponent pinned by x1's range check alone."""
    p = node.params
    A, K, E2, e_min = p["A"], p["K"], p["E2"], p["e_min"]
    shift = K + E2 - e_min
    target = ((1 << (A - 1)) + 2) << (K + E2)
    V = target - (target + P) % (1 << shift)
    x = (P + V) >> shift
    assert x << shift == P + V and (V >> (K + E2)) >= 1 << (A - 1)
    return x, e_min


@pytest.fixture(scope="module")
def llama_norm(tmp_path_factory):
    qm = tiny_model("llama", tmp_path_factory)
    node = _wide_norm(qm)
    x, _ = _wrapping_spike(node)
    m = mini_model(qm, node, scaled_feed(qm, node, 11, spike=x))
    return m, node, greedy(m, PROMPT, 3)


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Cheaters commit limbs of out-of-range values (only the range checks object)."""
    from deepprove_cli.relations.ranges import RangeCheck

    monkeypatch.setattr(RangeCheck, "witness", lenient_limbs)


def _set_row(name, row, value):
    def tamper(op, new, values):
        if name in new and row < len(new[name]):  # the cheater's tokens are found on shorter passes first
            new[name][row] = value(new[name][row], values)
    return tamper


def test_cheating_prover_is_complete(llama_norm):
    m, node, toks = llama_norm
    st, proof = cheat(m, toks, lambda op, new, values: None)
    assert verify_sequence(key_from_model(m), st, proof).valid


def test_exponent_lowered_through_a_wrapping_product(llama_norm, monkeypatch):
    """Row 0 (a spike x) claims e' < e: x Q' exceeds p and its residue lands inside x1's range and the
    pin, so every split, lookup and the pin accept. Only the bound |x| < 2^(A+e') rejects it: with that
    check removed from the lowering the same cheat verifies."""
    m, node, toks = llama_norm
    x, e_low = _wrapping_spike(node)
    n = node.name
    assert e_low < x.bit_length() - node.params["A"]  # the spike's true exponent

    def tamper(op, new, values):
        if f"{n}.exp" in new:
            new[f"{n}.exp"][0] = e_low
        if f"{n}.xq" in new:  # the field's product: x Q' - p
            v = new[f"{n}.xq"]
            v[0] = np.where(v[0] > (P - 1) // 2, v[0] - P, v[0])

    _rejected(m, tamper, "lookup argument")
    from deepprove_cli.nodeproofs.norm import NormProof

    monkeypatch.setattr(NormProof, "_bound", lambda self, *a: None)
    st, proof = cheat(m, cheated_tokens(m, 3, tamper), tamper)
    assert verify_sequence(key_from_model(m), st, proof).valid


def test_exponent_raised(llama_norm):
    """e + 1 with every later value recomputed from it: no entry is outside the half range any more."""
    m, node, toks = llama_norm
    _rejected(m, _set_row(f"{node.name}.exp", 1, lambda v, _: v + 1), "lookup argument")


def test_exponent_lowered(llama_norm):
    """e - 1 (no wrap): the bound and x1's range object."""
    m, node, toks = llama_norm
    _rejected(m, _set_row(f"{node.name}.exp", 1, lambda v, _: v - 1), "lookup argument")


def test_pin_dropped(llama_norm):
    """A row above e_min with no pin entry (flag 0, S all zero)."""
    m, node, toks = llama_norm
    n = node.name

    def tamper(op, new, values):
        if f"{n}.pin.flag" in new and len(new[f"{n}.pin.flag"]) > 1:
            new[f"{n}.pin.flag"][1] = 0
            new[f"{n}.pin.onehot"][1] = 0

    _rejected(m, tamper, "lookup argument")


def test_f_shifted(llama_norm):
    """f one step (2) higher with h = ss >> f recomputed: h < 2^14 although f > 0."""
    m, node, toks = llama_norm
    n = node.name

    def tamper(op, new, values):
        if f"{n}.ss.fh" in new and len(new[f"{n}.ss.fh"]) > 1:
            ss = values[f"{n}.ss"][1]
            new[f"{n}.ss.fh"][1] += 1
            new[f"{n}.ss.h"][1] = ss >> (2 * new[f"{n}.ss.fh"][1])

    _rejected(m, tamper, "lookup argument")


@pytest.mark.parametrize("delta", [-1, 1])
def test_h_off_by_one(llama_norm, delta):
    m, node, toks = llama_norm
    _rejected(m, _set_row(f"{node.name}.ss.h", 1, lambda v, _: v + delta), "lookup argument")


def test_z_rounded_the_other_way(llama_norm):
    m, node, toks = llama_norm
    n = node.name
    c = node.params["kz"] - node.params["sz"]

    def tamper(op, new, values):
        if f"{n}.z.lo" in new:
            new[f"{n}.z.lo"][1, 7] += 1
            new[f"{n}.z.lo.rem"][1, 7] -= 1 << (c + 7)

    _rejected(m, tamper, "lookup argument")


def test_x1_off_by_one(llama_norm):
    """x1 one lower, its remainder's top limb 2^(E2-sz) higher (out of its range)."""
    m, node, toks = llama_norm
    n = node.name
    p = node.params

    def tamper(op, new, values):
        if f"{n}.x1" in new:
            new[f"{n}.x1"][1, 7] -= 1
            new[f"{n}.x1.hi"][1, 7] += 1 << (p["E2"] - p["sz"])

    _rejected(m, tamper, "lookup argument")


def test_output_off_by_one(llama_norm):
    m, node, toks = llama_norm

    def tamper(op, new, values):
        if node.name in new:
            new[node.name][1, 3] += 1

    _rejected(m, tamper, f"node {node.name} ")


@pytest.mark.parametrize("delta", [-1, 1])
def test_layernorm_mean_quotient(tmp_path_factory, delta):
    """The mean's quotient one off, its remainder d higher / lower (outside [0, d))."""
    qm = tiny_model("gpt2", tmp_path_factory)
    node = distinct_nodes(qm, "norm")[-1]
    d = node.shape[-1]
    m = mini_model(qm, node, scaled_feed(qm, node, 5))
    _rejected(m, _set_row(f"{node.name}.mean.qh.rem", 1, lambda v, _: v - delta * d), "lookup argument")


@pytest.mark.parametrize("change, match", [({"q_off": 1}, "pow2 table"), ({"eps_off": 10 ** 6}, "eps table"),
                                           ({"sz": 12}, "limb cut"), ({"kz": 0}, "row shift"),
                                           ({"A": 20}, "comparisons")])
def test_unprovable_parameters_refused(llama_norm, change, match):
    """Parameters outside what the pins cover are refused when the proof is planned (prover and verifier)."""
    import copy

    from deepprove_cli.errors import InputError
    from deepprove_cli.nodeproofs.plan import plan_for
    from deepprove_cli.nodeproofs.statement import Statement
    from deepprove_cli.pcs import DEFAULT_PARAMS

    m, node, toks = llama_norm
    m = copy.copy(m)
    m.graph = copy.deepcopy(m.graph)
    p = m.graph[node.name].params
    p.update({k: p.get(k, 0) + v if k.endswith("_off") else v for k, v in change.items()})
    key = key_from_model(m)
    st = Statement(key.model_id, tuple(toks[:len(PROMPT)]), tuple(toks[len(PROMPT):]), DEFAULT_PARAMS, None)
    with pytest.raises(InputError, match=f"norm {node.name}: .*{match}"):
        plan_for(key, st)
