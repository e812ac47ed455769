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
