"""Smoke test of the field cases of `dp bench kernels`: tiny sizes, schema only (no timing asserts)."""

import json

from deepprove_cli.bench import kernels_field
from deepprove_cli.commands.bench import BenchOptions

KEYS = {"suite", "name", "params", "median_s", "throughput", "unit", "baseline", "speedup", "peak_rss_mb", "metrics"}


def test_cases_schema():
    recs = kernels_field.cases(BenchOptions(repeat=1, quick=True, log_sizes=[4, 6]))
    names = [r.name for r in recs]
    for expected in ("field_mul", "field_inner", "batch_inv", "ext4_mul", "ntt", "ntt_bitrev", "lde_rate_half"):
        assert expected in names
    assert names.count("ntt") == 2  # one per requested log size
    for r in recs:
        j = r.to_json()
        assert set(j) == KEYS and j["suite"] == "kernels"
        assert j["median_s"] > 0
        json.dumps(j)
        if j["baseline"] is not None:
            assert j["speedup"] is not None  # rounded: tiny sizes may show 0.0
    mul = recs[names.index("field_mul")]
    assert mul.unit == "elem/s" and mul.metrics["GB_per_s"] > 0
    assert [r.params["log_n"] for r in recs if r.name == "ntt"] == [4, 6]


def test_one_thread_variants_when_parallel():
    import numba

    recs = kernels_field.cases(BenchOptions(repeat=1, quick=True, log_sizes=[5]))
    names = {r.name: r for r in recs}
    if numba.get_num_threads() > 1:
        assert names["ntt_1thread"].params["threads"] == 1
        assert names["field_mul_1thread"].params["threads"] == 1
    assert numba.get_num_threads() == names["ntt"].params["threads"]  # restored after the 1-thread runs
