"""Smoke test of `dp bench sumcheck` (tiny sizes): records have the schema and sensible metrics."""

from deepprove_cli.bench import SUITES
from deepprove_cli.commands.bench import BenchOptions


def test_bench_sumcheck_smoke():
    import importlib

    module = importlib.import_module(SUITES["sumcheck"][0])
    records = module.run(BenchOptions(repeat=1, quick=True, log_sizes=[6]))
    assert [r.name for r in records] == ["prove_deg2", "prove_deg3", "prove_eq_ab_cd"]
    for r in records[:2]:
        j = r.to_json()
        assert j["suite"] == "sumcheck" and j["params"]["log_size"] == 6
        assert j["median_s"] > 0 and j["speedup"] > 0 and j["baseline"]
        assert j["metrics"]["proof_bytes"] == 16 * 6 * j["params"]["degree"]
        assert j["metrics"]["verify_s"] > 0
    assert records[2].speedup > 0 and records[2].params["log_size"] == 6
