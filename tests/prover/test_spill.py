"""prover.spill: an advice batch committed through a temporary file gives the same commitment and the
same openings as one committed in RAM, and leaves no file behind."""

import os

import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.pcs import DEFAULT_PARAMS, commit, open_batch
from deepprove_cli.prover import spill
from deepprove_cli.transcript import Transcript


def test_spilled_commitment_and_opening_equal_in_memory(rng, tmp_path, monkeypatch):
    monkeypatch.setenv("DP_TMPDIR", str(tmp_path))
    polys = [rng.integers(0, P, size=1 << n, dtype=np.uint32) for n in (3, 9, 6, 12, 1, 9)]
    ram = commit(polys, DEFAULT_PARAMS)
    disk = spill.commit_advice(polys, DEFAULT_PARAMS, spill_elements=1)
    assert disk.commitment.root == ram.commitment.root
    assert list(tmp_path.iterdir()) == []          # unlinked at once, mapped until dropped
    claims = [ram.claim(k, rng.integers(0, P, size=(int(p.size).bit_length() - 1, 4), dtype=np.uint32))
              for k, p in enumerate(polys)]
    a = open_batch(ram, claims, Transcript(b"spill-test"), DEFAULT_PARAMS).to_bytes()
    b = open_batch(disk, claims, Transcript(b"spill-test"), DEFAULT_PARAMS).to_bytes()
    assert a == b


def test_below_the_threshold_stays_in_memory(rng, tmp_path, monkeypatch):
    monkeypatch.setenv("DP_TMPDIR", str(tmp_path))
    polys = [rng.integers(0, P, size=1 << 5, dtype=np.uint32)]
    data = spill.commit_advice(polys, DEFAULT_PARAMS)
    assert data.commitment.root == commit(polys, DEFAULT_PARAMS).commitment.root
    assert os.listdir(tmp_path) == []


def test_the_stream_is_freed_without_the_cyclic_collector(rng, tmp_path, monkeypatch):
    """The packed columns must not outlive the commit (a cycle would keep them until a full gc pass)."""
    import gc
    import weakref

    from deepprove_cli.pcs.basefold import persist

    monkeypatch.setenv("DP_TMPDIR", str(tmp_path))
    made = []
    real = persist.commit_stream

    def spy(*a, **k):
        s = real(*a, **k)
        made.append(weakref.ref(s))
        return s

    monkeypatch.setattr("deepprove_cli.pcs.basefold.persist.commit_stream", spy)
    polys = [rng.integers(0, P, size=1 << n, dtype=np.uint32) for n in (4, 7)]
    gc.disable()
    try:
        spill.commit_advice(polys, DEFAULT_PARAMS, spill_elements=1)
        assert made and made[0]() is None
    finally:
        gc.enable()
