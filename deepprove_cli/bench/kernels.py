"""`dp bench kernels`: the foundation kernels (field, NTT, BLAKE3, Merkle, transcript) side by side
with their baselines, plus the cold-start costs (`dp --help`, kernel compile vs cached load)."""

from __future__ import annotations

from deepprove_cli.bench import coldstart
from deepprove_cli.bench.record import Record, Timing, record

SUITE = "kernels"


def _coldstart_cases(opts) -> list[Record]:
    helps = coldstart.measure_help(3 if opts.quick else max(3, opts.repeat))
    out = [record(SUITE, "cli_help_cold", Timing(helps, 0.0), params={"process": "python -m deepprove_cli --help"},
                  metrics={"target_s": 0.5})]
    first, second, bare = coldstart.measure_compile()
    out.append(record(SUITE, "kernels_first_run", Timing([first], 0.0),
                      params={"what": "fresh process, empty NUMBA_CACHE_DIR, every foundation kernel once"},
                      metrics={"compile_s": round(first, 3)}))
    out.append(record(SUITE, "kernels_cached_run", Timing([second], 0.0),
                      params={"what": "fresh process, warm NUMBA_CACHE_DIR, every foundation kernel once"},
                      metrics={"load_s": round(second, 3), "import_numba_s": round(bare, 3), "target_s": 2.0}))
    return out


def run(opts) -> list[Record]:
    from deepprove_cli.bench import kernels_field, kernels_hash

    records = []
    if opts.device == "cpu":
        records += _coldstart_cases(opts)
    records += kernels_field.cases(opts)
    records += kernels_hash.cases(opts)
    return records
