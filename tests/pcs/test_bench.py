"""`dp bench pcs` smoke test: the records' schema and the metrics the targets are read from."""

import json

import pytest

from deepprove_cli.commands.bench import BenchOptions
from deepprove_cli.errors import InputError

from ..conftest import run_dp


def test_run_records():
    from deepprove_cli.bench import pcs

    recs = pcs.run(BenchOptions(repeat=1, quick=True, log_sizes=[6], extra={"queries": "8", "grinding_bits": "1"}))
    names = [r.name for r in recs]
    cases = ["2^6", "4x2^10", "wide/32x2^8/rate1/4", "wide/32x2^8/rate1/2", "many-small/200x2^2..8",
             "weights/smollm2-tiny"]
    assert names == [f"{step}/{case}" for case in cases for step in ("commit", "open", "verify")]
    assert recs[6].params["rate_bits"] == 2 and recs[6].params["leaf_bits"] == 1  # wide: narrow leaves
    many = [r.to_json() for r in recs[12:15]]
    assert many[0]["params"]["polys"] == 200 and many[0]["params"]["columns"] < 4   # packed
    assert [r["baseline"] for r in many] == [f"{s}/one/2^{many[0]['params']['baseline_log_n']}"
                                             for s in ("commit", "open", "verify")]
    assert all(r["speedup"] > 0 and r["metrics"]["baseline_proof_bytes"] > 0 for r in many)
    assert many[1]["metrics"]["proof_bytes"] == sum(many[1]["metrics"]["size_breakdown"].values()) + 1
    weights = recs[-2].metrics
    assert recs[-2].params["tensors"] == 2 + 9 * 2 and weights["claims"] == 2 * recs[-2].params["tensors"]
    commit = recs[0].to_json()
    assert commit["baseline"] == "ntt+merkle/2^6" and commit["speedup"] > 0
    assert commit["metrics"]["ratio_vs_lower_bound"] > 0
    opened = recs[1].metrics
    assert opened["proof_bytes"] == sum(opened["size_breakdown"].values()) + 1
    assert 0 < opened["security_bits"] <= 128 and recs[2].metrics["verify_s"] > 0


def test_bad_parameters():
    from deepprove_cli.bench import pcs

    with pytest.raises(InputError, match="unknown"):
        pcs.run(BenchOptions(quick=True, extra={"nope": "1"}))
    with pytest.raises(InputError, match="integers"):
        pcs.run(BenchOptions(quick=True, extra={"queries": "x"}))


def test_cli_json():
    res = run_dp("bench", "pcs", "--json", "--quick", "--repeat", "1", "--log-sizes", "4",
                 "-p", "queries=4", "-p", "grinding_bits=0")
    assert res.returncode == 0, res.stderr.decode()
    recs = json.loads(res.stdout)
    assert {r["suite"] for r in recs} == {"pcs"} and len(recs) == 18
