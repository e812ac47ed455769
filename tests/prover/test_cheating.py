"""A prover run on a corrupted witness must not produce an accepted proof: it fails at proving (the
honest checks) or, with those checks bypassed (a cheating prover: its own multiplicities, no greedy
check), at verification. The guard test also shows that the cheat passes without the guard."""

import copy

import numpy as np
import pytest

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.field.babybear import P, from_field
from deepprove_cli.nodeproofs.plan import plan_for
from deepprove_cli.nodeproofs.statement import Statement
from deepprove_cli.pcs import DEFAULT_PARAMS
from deepprove_cli.prover import prove_sequence
from deepprove_cli.prover.flow import prove_plan
from deepprove_cli.prover.witness import forward, to_field_values
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import greedy, mlp_model

PROMPT = [4, 7]


def lenient_multiplicities(tables, lookups):
    """Counts of the in-domain inputs only: what a cheater commits when a column leaves its table."""
    out = [np.zeros(t.size, np.int64) for t in tables]
    for lk in lookups:
        t = tables[lk.table]
        x = from_field(lk.columns[0]) - t.start
        ok = (x >= 0) & (x < t.size)
        np.add.at(out[lk.table], x[ok], 1)
    return [o.astype(np.uint32) for o in out]


def _plan(model, toks):
    key = key_from_model(model)
    st = Statement(key.model_id, tuple(toks[:len(PROMPT)]), tuple(toks[len(PROMPT):]), DEFAULT_PARAMS, None)
    return st, plan_for(key, st)


def cheated_greedy(model, n: int, tamper) -> list[int]:
    """The tokens a cheater's corrupted model would generate (so that the statement is consistent with its
    witness and only the relations can object)."""
    toks = list(PROMPT)
    for _ in range(n):
        _, plan = _plan(model, toks + [0])
        plan = copy.copy(plan)
        plan.nodes = [nl for nl in plan.nodes if nl.node.kind != "argmax"]
        vals, _ = forward(plan, model, tamper=tamper)
        toks.append(int(np.argmax(from_field(vals["logits"])[-1])))
    return toks


def cheat(model, toks, tamper=None):
    """(statement dict, proof bytes) from a prover that applies `tamper(op, new, values)` to its witness."""
    st, plan = _plan(model, toks)
    vals, _ = forward(plan, model, tamper=tamper or (lambda op, new, values: None))
    proof, *_ = prove_plan(plan, st, to_field_values(vals), None, multiplicities=lenient_multiplicities)
    return st.to_json(), proof


@pytest.fixture(scope="module")
def model():
    return mlp_model()


@pytest.fixture(scope="module")
def toks(model):
    return greedy(model, PROMPT, 3)


def test_cheating_prover_itself_is_complete(model, toks):
    """The cheating machinery with no tamper gives an accepted proof (so each rejection below is the cheat's)."""
    st, proof = cheat(model, toks)
    assert verify_sequence(key_from_model(model), st, proof).valid


def _rejected(model, toks, tamper, match=None):
    if toks is None:
        toks = cheated_greedy(model, 3, tamper)
    st, proof = cheat(model, toks, tamper)
    with pytest.raises(ProofInvalid, match=match):
        verify_sequence(key_from_model(model), st, proof)


def test_requant_rounded_the_other_way(model, toks):
    def tamper(op, new, values):
        if op.label == "split up_q.p.y":  # round(x m / 2^6) one lower, the remainder one 2^6 higher
            new["up_q.p.y"][1, 2] -= 1
            new["up_q.p.y.rem"][1, 2] += 1 << 6

    _rejected(model, None, tamper, "lookup argument")
    st, plan = _plan(model, cheated_greedy(model, 3, tamper))
    vals, _ = forward(plan, model, tamper=tamper)
    with pytest.raises(InputError, match="outside table"):  # the honest prover's own check
        prove_plan(plan, st, to_field_values(vals), None)


def test_lookup_output_off_by_one(model, toks):
    def tamper(op, new, values):
        if op.label == "lookup act":
            new["act"][0, 3] += 1

    _rejected(model, None, tamper, "lookup argument")


def test_residual_add_skipped(model, toks):
    def tamper(op, new, values):
        if op.label == "linear resid.pre_clamp":  # resid = clamp(embed), the branch dropped
            new["resid.pre_clamp"] = values["embed"].copy()

    _rejected(model, None, tamper, "node resid")


def lenient_limbs(self, values):
    """A cheater's limbs of a range-checked value that may be out of range: the identity holds over the
    integers (the top limb takes the rest, possibly negative), so only the limbs' range checks object."""
    v = self.value(values)
    if self.bits <= 16 or self.direct:
        return {} if self.direct else {self.name: v}
    out, off = {}, 0
    for j, (limb, w) in enumerate(zip(self.limbs, self.widths)):
        last = j == len(self.widths) - 1
        out[limb.name] = (v >> off) if last else (v >> off) & ((1 << w) - 1)
        off += w
    return out


def test_non_argmax_token(model, toks, monkeypatch):
    from deepprove_cli.relations.ranges import RangeCheck

    bad = list(toks)
    logits = model.graph.run(model.store(), __import__("deepprove_cli.graph.node", fromlist=["x"]).EvalContext.full(
        bad[:-1]), ["logits"])["logits"]
    row = len(PROMPT)  # the second generated token: pick another index than the first max
    bad[row + 1] = int(np.argsort(logits[row])[-2])
    with pytest.raises(InputError, match="greedy choice"):
        prove_sequence(model, None, bad, len(PROMPT))
    monkeypatch.setattr(RangeCheck, "witness", lenient_limbs)
    _rejected(model, bad, None, "lookup argument")


def test_tied_maximum_must_be_the_first(toks, monkeypatch):
    """A later index tied with the maximum is not greedy's choice (margin >= 1 before the token): logits
    row V - 1 duplicates the chosen token's, and the cheater claims V - 1 for the last token."""
    from deepprove_cli.relations.ranges import RangeCheck

    tied = mlp_model()
    w = tied.arrays["logits.w"]
    assert toks[-1] != w.shape[0] - 1
    w[-1] = w[toks[-1]]
    assert greedy(tied, PROMPT, 3) == toks
    bad = toks[:-1] + [w.shape[0] - 1]
    monkeypatch.setattr(RangeCheck, "witness", lenient_limbs)
    _rejected(tied, bad, None, "lookup argument")


def test_fractional_limbs_need_the_guard(model, toks, monkeypatch):
    """Limbs of the last row's gate_q with hi +- 1/2 (remainders -+ 8): the down projection's weights are
    even, so the einsum sees integers, shifted by (W[:, k1] - W[:, k2]) / 2. Only the guard on hi (a range
    check) catches it: without it the same cheat verifies."""
    t = len(toks) - 2  # the last proven row: nothing after it depends on it
    w = np.asarray(model.arrays["down.w"], np.int64)
    half = (P + 1) // 2
    state = {}

    def tamper(op, new, values):
        if op.label == "split gate_l.hi":
            lo = new["gate_l.hi.rem"][t]
            k1, k2 = int(np.argmax(lo >= 8)), int(np.argmax(lo <= 7))
            assert lo[k1] >= 8 and lo[k2] <= 7
            state["hi"] = new["gate_l.hi"].copy()
            state["delta"] = (w[:, k1] - w[:, k2]) // 2
            new["gate_l.hi"][t, k1] += half       # hi + 1/2
            new["gate_l.hi"][t, k2] += P - half   # hi - 1/2
            new["gate_l.hi.rem"][t, k1] -= 8
            new["gate_l.hi.rem"][t, k2] += 8
            state["lo"] = new["gate_l.hi.rem"].copy()
        elif op.label == "einsum down":  # the einsum of the fractional limbs over the field: integers
            limbs = np.stack([state["hi"], state["lo"]], axis=1)
            down = np.einsum("tlk,ok->tlo", limbs, w)
            down[t, 0] += state["delta"]
            new["down"] = down

    # the statement's last token: the cheated logits' argmax (so only the relations can object)
    probe = {}

    def record(op, new, values):
        tamper(op, new, values)
        if op.label == "einsum logits":
            probe["logits"] = new["logits"].copy()

    cheat(model, toks, record)
    cheated = list(toks)
    cheated[-1] = int(np.argmax(probe["logits"][-1]))
    _rejected(model, cheated, tamper, "lookup argument")

    import deepprove_cli.nodeproofs.splits as splits

    real_guard = splits.guard
    monkeypatch.setattr(splits, "guard", lambda low, hi, *a, **k: None if hi == "gate_l.hi" else real_guard(low, hi, *a, **k))
    st, proof = cheat(model, cheated, tamper)
    assert verify_sequence(key_from_model(model), st, proof).valid
