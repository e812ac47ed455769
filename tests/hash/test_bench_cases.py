"""Smoke test of the hash cases of `dp bench kernels` (tiny sizes, one repeat)."""

import json

from deepprove_cli.bench.kernels_hash import cases
from deepprove_cli.commands.bench import BenchOptions


def test_cases_quick():
    records = cases(BenchOptions(repeat=1, quick=True))
    names = [r.name for r in records]
    for expected in ("blake3", "blake3_1thread", "hash_rows", "compress_pairs", "merkle_commit",
                     "merkle_open_verify", "transcript_round", "transcript_absorb", "transcript_grind"):
        assert expected in names
    for r in records:
        assert r.suite == "kernels" and r.median_s > 0
        json.dumps(r.to_json())
    b = next(r for r in records if r.name == "blake3_1thread")
    assert b.baseline == "blake3-rust-1thread" and b.speedup > 0 and b.unit == "B/s"
    assert next(r for r in records if r.name == "merkle_open_verify").metrics["proof_bytes"] > 0
