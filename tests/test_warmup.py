"""deepprove_cli.warmup: the registry reaches every CPU kernel of the foundation packages, and a second
process loads them all from the cache (compiles nothing)."""

import json
import subprocess
import sys

import pytest

from deepprove_cli import warmup
from tests.conftest import REPO


def _run(*args, timeout=1800):
    r = subprocess.run([sys.executable, "-m", "deepprove_cli.warmup", *args], capture_output=True, text=True,
                       cwd=REPO, timeout=timeout)
    return r


def test_every_kernel_reached_and_loaded_from_the_cache_by_a_second_process():
    first = _run("--jobs", "2", "--quiet")  # after `make test`'s warm-up: loads only (seconds)
    assert first.returncode == 0, first.stderr[-3000:]
    second = _run("--coverage")
    assert second.returncode == 0, second.stderr[-3000:]
    cov = json.loads(second.stdout.strip().splitlines()[-1])
    assert cov["kernels"] > 100
    assert cov["unreached"] == [], "kernels no warm-up reaches: call them from their area's warm-up"
    assert cov["compiled"] == 0, "kernels compiled again in a second process: their cache does not hold"
    assert cov["loaded"] > 50


def test_partition_balances_costliest_first():
    names = list(warmup.REGISTRY)
    groups = warmup.partition(names, 2)
    assert sorted(n for g in groups for n in g) == sorted(names)
    loads = [sum(warmup.COST[n] for n in g) for g in groups]
    assert max(loads) - min(loads) <= max(warmup.COST.values())
    assert warmup.partition(names, 1) == [sorted(names, key=lambda n: -warmup.COST[n])]
    assert len(warmup.partition(names[:2], 8)) == 2


def test_parallel_paths_restores_the_thresholds():
    import importlib

    before = {(m, a): getattr(importlib.import_module(m), a) for m, attrs in warmup.THRESHOLDS.items() for a in attrs}
    with pytest.raises(RuntimeError):
        with warmup.parallel_paths():
            assert all(getattr(importlib.import_module(m), a) == warmup.THRESHOLDS[m][a] for m, a in before)
            raise RuntimeError
    assert {k: getattr(importlib.import_module(k[0]), k[1]) for k in before} == before


def test_unknown_area_is_an_input_error():
    r = _run("--only", "field,nosuch", timeout=120)
    assert r.returncode == 2 and "nosuch" in r.stderr and "Traceback" not in r.stderr
