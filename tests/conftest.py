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
