"""The proof plan: kinds without a proof are refused by name, guards chosen by the split soundness rule,
lookup columns laid out on whole padded tables (with the padding shift where a table needs it)."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.nodeproofs.base import Lowering
from deepprove_cli.nodeproofs.plan import plan_for
from deepprove_cli.nodeproofs.splits import guard, split
from deepprove_cli.nodeproofs.statement import Statement
from deepprove_cli.pcs import DEFAULT_PARAMS
from deepprove_cli.relations.layout import Operand
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import shifted_model, greedy, mlp_model

PROMPT = [1, 2, 3]


def _plan(model, toks, n_prompt=3):
    key = key_from_model(model)
    st = Statement(key.model_id, tuple(toks[:n_prompt]), tuple(toks[n_prompt:]), DEFAULT_PARAMS, None)
    return plan_for(key, st)


@pytest.fixture(scope="module")
def plan():
    m = mlp_model()
    return _plan(m, greedy(m, PROMPT, 2))


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_kinds_without_a_proof_are_refused(arch, tmp_path_factory, monkeypatch):
    """A graph with a node kind this version cannot prove is refused by name (every kind of the shipped
    architectures is proven today: one is unregistered here to stand for a future kind)."""
    from deepprove_cli import nodeproofs  # noqa: F401 (registers the kinds)
    from deepprove_cli.model.dpq import load_dpq
    from deepprove_cli.nodeproofs.base import NODE_PROOFS
    from deepprove_cli.prover import prove_sequence
    from tests.graph.tiny_models import tiny_paths

    _, dpq = tiny_paths(arch, str(tmp_path_factory.getbasetemp()))
    qm = load_dpq(dpq)
    assert {n.kind for n in qm.graph.nodes} <= set(NODE_PROOFS)
    monkeypatch.delitem(NODE_PROOFS, "norm")
    with pytest.raises(InputError, match="node kind norm has no proof yet"):
        prove_sequence(qm, None, [1, 2, 3, 4], 3)


def _low(plan):
    low = Lowering(plan, plan.nodes[0].node)
    low.node = type(low.node)(name="probe", inputs=[])  # a fresh namespace for the probe's tensors
    return low


def _guards(low, hi):
    return [u.columns[0] for u in low.result.lookups if u.columns[0].startswith(hi + ".")]


def test_guard_choices(plan):
    low = _low(plan)
    shape = (4, 8)
    for name in ("a", "b", "c", "d", "e"):
        low.tensor(name, shape, "virtual")
    guard(low, "probe.a", shape, 1000, 0)  # no split: nothing to pin
    guard(low, "probe.b", shape, 1000, 12, known_width=(1 << 16) - 1)  # a 2^16 table domain pins it
    guard(low, "probe.c", shape, 1000, 6)  # hi + B in [0, 2^11): one derived column
    guard(low, "probe.d", shape, 17816, 15)  # one-sided would need 2^16 2^15 > p: both sides
    assert _guards(low, "probe.a") == _guards(low, "probe.b") == []
    assert _guards(low, "probe.c") == ["probe.c.bound"]
    assert _guards(low, "probe.d") == ["probe.d.above", "probe.d.below"]
    assert (2 * 17816 + 1) << 15 < P <= (1 << 16) << 15
    with pytest.raises(InputError, match="cannot be pinned"):
        guard(low, "probe.e", shape, 1 << 11, 20)


def test_wide_split_remainder_and_guard_in_limbs(plan):
    low = _low(plan)
    shape = (4, 8)
    x = low.tensor("x", shape, "virtual")
    hi, limbs = split(low, "hi", shape, [(1, Operand(x, shape))], 20, True, 500)
    assert limbs == ["probe.hi.rem0", "probe.hi.rem1"]
    widths = {u.columns[0]: u.table for u in low.result.lookups}
    assert widths["probe.hi.rem0"] == "range/16" and widths["probe.hi.rem1"] == "range/4"
    assert widths["probe.hi.bound"] == "range/10"


def test_plan_layout(plan):
    kinds = {t.kind for t in plan.tensors.values()}
    assert kinds == {"virtual", "committed"}  # every array of the hand model travels in clear
    assert [t.name for t in plan.tables] == sorted(t.name for t in plan.tables)
    assert {"model/gelu", "model/clamp_a", "range/16"} <= {t.name for t in plan.tables}
    # every looked-up column is the whole padded table of its tensor
    for u in plan.lookups:
        assert all(plan.tensors[c].shape == u.shape for c in u.columns)
    assert all(s is None for s in plan.shifts)  # these tables all hold (0, 0)


def test_padding_shift_for_tables_without_zero():
    """A function table whose T(0) != 0 reads padded entries as its first row (start, T(start))."""
    from deepprove_cli.prover import prove_sequence
    from deepprove_cli.verifier import verify_sequence

    m = shifted_model()
    toks = greedy(m, [1, 2], 2)
    plan = _plan(m, toks, 2)
    (k,) = [i for i, u in enumerate(plan.lookups) if u.table == "model/band"]
    assert plan.shifts[k] == (-64, 5)
    x = np.zeros(plan.lookups[k].shape, np.int64)
    cols = plan.column_tables(k, {c: plan.tensors[c].layout.table(x) for c in plan.lookups[k].columns})
    pad = plan.tensors[plan.lookups[k].columns[0]].layout.table(np.ones_like(x)) == 0
    assert pad.any() and np.all(cols[1][pad] == 5) and np.all(cols[1][~pad] == 0)
    b = prove_sequence(m, None, toks, 2)
    assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid
