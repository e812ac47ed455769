"""Tiny models quantized through `dp quantize` (so model.vk and model.dpc are written as users get them)."""

from __future__ import annotations

import json
import os

from tests.conftest import run_dp
from tests.graph.tiny_models import tiny_paths

# d_ff = 1024 makes the MLP matrices 2^16 elements: the rule commits them (the default tiny models
# have no array that big, so their key carries every array in clear and no commitment).
COMMITTED = {"d_ff": 1024}


def quantized(arch: str, directory: str, **overrides) -> tuple[str, dict]:
    """(dpq path, `dp quantize --json` summary) of a tiny model, quantized once per directory."""
    dpm, _ = tiny_paths(arch, directory, **overrides)
    dpq = os.path.join(directory, os.path.basename(dpm)[:-4] + ".cli.dpq")
    summary_path = dpq + ".json"
    if not os.path.exists(summary_path):
        r = run_dp("quantize", dpm, "-o", dpq, "--json")
        assert r.returncode == 0, r.stderr.decode()[-3000:]
        with open(summary_path, "w") as f:
            f.write(r.stdout.decode())
    with open(summary_path) as f:
        return dpq, json.load(f)
