"""`dp bench lookup` smoke test: tiny sizes, the record schema, a baseline timed in the same run."""
from deepprove_cli.bench import SUITES
from deepprove_cli.commands.bench import BenchOptions


def test_bench_lookup_small():
    import importlib

    module = importlib.import_module(SUITES["lookup"][0])
    records = module.run(BenchOptions(repeat=1, log_sizes=[10], extra={"table": "6"}))
    names = [r.name for r in records]
    assert names == ["prove_2^10x2^6", "verify_2^10x2^6"]
    prove = records[0].to_json()
    assert prove["suite"] == "lookup" and prove["unit"] == "lookups/s" and prove["throughput"] > 0
    assert prove["baseline"] and prove["speedup"] > 0 and prove["metrics"]["proof_bytes"] > 0
    assert prove["params"]["lookups"] == 1024 and prove["params"]["tables"] == [64]
