"""The builder on tiny models of every architecture: close to the float reference, bounded, stored and
reloaded exactly; an overflowing model is refused naming the op."""

import dataclasses

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.graph.program import BoundError
from deepprove_cli.model import float_ref as F
from deepprove_cli.model import intops
from deepprove_cli.model.dpm import load_model
from deepprove_cli.model.dpq import load_dpq, write_dpq
from deepprove_cli.model.infer import full_pass
from deepprove_cli.model.qformat import QuantConfig
from deepprove_cli.model.quantize import quantize_loaded
from deepprove_cli.model.tokenizer import Tokenizer
from tests.graph.tiny_models import ARCHS, PROMPT, tiny_paths, with_version


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tiny"))
    return {a: tiny_paths(a, d) for a in ARCHS}


@pytest.mark.parametrize("arch", ARCHS)
def test_integer_logits_track_the_float_reference(models, arch):
    dpm, dpq = models[arch]
    m, qm = load_model(dpm), load_dpq(dpq)
    ids = Tokenizer(m.tokenizer).encode(PROMPT)
    li = full_pass(qm, ids)[qm.graph.meta["logits"]] * qm.graph.meta["logit_scale"]
    lf = F.forward(m.config, m.weights, ids)
    assert np.corrcoef(li.ravel(), lf.ravel())[0, 1] > 0.9999
    assert (li.argmax(-1) == lf.argmax(-1)).mean() > 0.95
    ratio = F.perplexity(li, ids) / F.perplexity(lf, ids)
    assert abs(ratio - 1) < 0.01


@pytest.mark.parametrize("arch", ARCHS)
def test_every_intermediate_stays_in_its_bound(models, arch):
    _, dpq = models[arch]
    qm = load_dpq(dpq)
    res = full_pass(qm, list(range(3, 40)), keep_all=True)  # numpy relations with advice
    fast = full_pass(qm, list(range(3, 40)), [n.name for n in qm.graph.nodes])  # fused kernels
    for n in qm.graph.nodes:
        assert np.array_equal(res[n.name], fast[n.name]), n.name
        assert np.abs(res[n.name]).max() <= n.bound, n.name
        assert all(v <= intops.P_HALF for v in n.inter.values())
    assert qm.graph.summary()["margin_bits"] >= 0


def test_dpq_round_trip_and_digest(models, tmp_path):
    _, dpq = models["llama"]
    qm = load_dpq(dpq)
    assert qm.content_digest == qm.compute_digest()
    out = str(tmp_path / "copy.dpq")
    write_dpq(out, qm)
    qm2 = load_dpq(out)
    assert qm2.content_digest == qm.compute_digest() == qm2.compute_digest()
    ids = [5, 9, 200, 17]
    key = qm.graph.meta["logits"]
    assert np.array_equal(full_pass(qm, ids)[key], full_pass(qm2, ids)[key])
    qm2.arrays["blk.0.attn_q.w"] = qm2.arrays["blk.0.attn_q.w"].copy()
    qm2.arrays["blk.0.attn_q.w"][0, 0] += 1
    assert qm2.compute_digest() != qm.content_digest  # the digest covers the weights


def test_dpq_of_another_version_or_kind_is_refused(models, tmp_path):
    _, dpq = models["llama"]
    with pytest.raises(InputError, match="format version 99 is not supported"):
        load_dpq(with_version(dpq, tmp_path, 99))
    dpm, _ = models["llama"]
    with pytest.raises(InputError, match="not a DPQUANT file"):
        load_dpq(dpm)


def test_an_overflowing_model_is_refused_naming_the_op(models):
    dpm, _ = models["llama"]
    m = load_model(dpm)
    # a weight budget beyond the field: the first projection's accumulators could wrap
    with pytest.raises(BoundError, match=r"op blk\.0\.\w+\.acc \(einsum\): acc could reach \d+ > \(p-1\)/2"):
        quantize_loaded(m, PROMPT * 4, dataclasses.replace(QuantConfig(), acc_log2=31))


def test_tables_are_shared_and_counted(models):
    _, dpq = models["gemma3"]
    qm = load_dpq(dpq)
    kinds = [s.kind for s in qm.tables.specs.values()]
    assert kinds.count("exp") == 1 and kinds.count("gelu") == 1 and kinds.count("rsqrt") == 1
    for s in qm.tables.specs.values():
        assert s.size <= 1 << 20 and s.lookups_per_token > 0
