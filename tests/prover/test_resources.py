"""prover.resources: a proof that certainly does not fit is refused before its witness, with numbers."""

import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.prover import prove_sequence, resources
from tests.prover.hand_models import greedy, mlp_model


@pytest.fixture(scope="module")
def model_and_tokens():
    model = mlp_model()
    return model, greedy(model, [1, 2, 3], 3)


def test_a_proof_that_fits_is_attempted(model_and_tokens):
    model, toks = model_and_tokens
    assert prove_sequence(model, None, toks, 3).proof_bytes


def test_too_little_memory_is_refused_before_the_witness(model_and_tokens, monkeypatch):
    from deepprove_cli.prover import witness

    model, toks = model_and_tokens
    real_forward = witness.forward
    monkeypatch.setattr(resources, "available_memory", lambda: 1000)
    monkeypatch.setattr(witness, "forward", lambda *a, **k: pytest.fail("the witness ran before the check"))
    with pytest.raises(InputError, match=r"needs at least 0\.\d GB of memory for its witness alone \(6 tokens\)"):
        prove_sequence(model, None, toks, 3)
    monkeypatch.setattr(witness, "forward", real_forward)
    monkeypatch.setenv("DP_SKIP_RESOURCE_CHECK", "1")   # still "1000 bytes available": attempted anyway
    assert prove_sequence(model, None, toks, 3).proof_bytes


def test_too_little_disk_for_the_spill_file_is_refused(model_and_tokens, monkeypatch, tmp_path):
    model, toks = model_and_tokens
    monkeypatch.setattr("deepprove_cli.prover.spill.SPILL_ELEMENTS", 1)
    monkeypatch.setenv("DP_TMPDIR", str(tmp_path))
    monkeypatch.setattr(resources, "available_disk", lambda d: 10)
    with pytest.raises(InputError, match="temporary file to .* which has 0.0 GB free") as e:
        prove_sequence(model, None, toks, 3)
    assert "DP_TMPDIR" in e.value.hint
    monkeypatch.setenv("DP_SKIP_RESOURCE_CHECK", "1")
    assert prove_sequence(model, None, toks, 3).proof_bytes


def test_the_bounds_count_what_they_say():
    """witness_bytes: 4 bytes per entry of every non-weight tensor; spill_bytes: padded tables plus
    codewords at the rate, 0 below the threshold."""
    from types import SimpleNamespace

    from deepprove_cli.pcs import DEFAULT_PARAMS
    from deepprove_cli.prover import spill

    info = lambda shape, kind: SimpleNamespace(shape=shape, kind=kind,  # noqa: E731
                                               layout=SimpleNamespace(num_vars=sum((d - 1).bit_length() for d in shape)))
    plan = SimpleNamespace(tensors={"a": info((3, 5), "committed"), "b": info((4,), "virtual"),
                                    "w:x": info((100, 100), "weight")}, committed=["a"])
    assert resources.witness_bytes(plan) == 4 * (15 + 4)
    assert resources.spill_bytes(plan, DEFAULT_PARAMS) == 0
    old = spill.SPILL_ELEMENTS
    spill.SPILL_ELEMENTS = 1
    try:
        assert resources.spill_bytes(plan, DEFAULT_PARAMS) == 4 * 32 * (1 + (1 << DEFAULT_PARAMS.rate_bits))
    finally:
        spill.SPILL_ELEMENTS = old
