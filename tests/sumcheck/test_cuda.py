"""CUDA twins under the simulator (NUMBA_ENABLE_CUDASIM=1 must be set before numba.cuda is imported,
so they run in a subprocess): the same bytes as the CPU kernels and prover of this process. Tiny
sizes: the simulator runs every GPU thread as a Python thread."""

import os
import subprocess
import sys

import numpy as np
import pytest

from deepprove_cli.field.babybear import P
from deepprove_cli.poly.multilinear import fix_first_variable
from deepprove_cli.sumcheck import prover
from deepprove_cli.sumcheck.problem import SumcheckProblem
from tests.sumcheck.helpers import transcript

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = r"""
import sys, warnings
import numpy as np
warnings.simplefilter("ignore")
from numba import config, cuda
assert config.ENABLE_CUDASIM
from deepprove_cli.sumcheck import cuda as sc
from deepprove_cli.sumcheck.problem import SumcheckProblem
from deepprove_cli.transcript import Transcript
inp = dict(np.load(sys.argv[2]))
out = {}
r = inp["r"]
for name in ("b", "e"):
    t = inp[name]
    out["fold_" + name] = sc.fold_first(cuda.to_device(t.reshape(-1)), r, name == "e").copy_to_host()
for kinds in ("bb", "bbb", "ee", "eee"):
    tabs = [inp[k + str(i)] for i, k in enumerate(kinds)]
    out["round_" + kinds] = sc.product_round([cuda.to_device(t.reshape(-1)) for t in tabs], kinds[0] == "e")
    proof, point, evals = sc.prove_product(SumcheckProblem(tabs, [(3, range(len(tabs)))]), 0,
                                           Transcript(b"sumcheck-test:cuda"))
    out["proof_" + kinds], out["point_" + kinds], out["evals_" + kinds] = proof.round_evals, point, evals
np.savez(sys.argv[1], **out)
"""

N = 4


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    d = tmp_path_factory.mktemp("sumchecksim")
    rng = np.random.default_rng(99)
    inp = {"r": rng.integers(0, P, 4, dtype=np.uint32), "b": rng.integers(0, P, 1 << N, dtype=np.uint32),
           "e": rng.integers(0, P, (1 << N, 4), dtype=np.uint32)}
    for i in range(3):
        inp[f"b{i}"] = rng.integers(0, P, 1 << N, dtype=np.uint32)
        inp[f"e{i}"] = rng.integers(0, P, (1 << N, 4), dtype=np.uint32)
    inp["b0"][:2] = [P - 1, 0]
    np.savez(d / "in.npz", **inp)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(d / "out.npz"), str(d / "in.npz")], env=env,
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with np.load(d / "out.npz", allow_pickle=False) as z:
        return dict(z), inp


def test_fold_matches_cpu(sim):
    out, inp = sim
    for name in ("b", "e"):
        assert np.array_equal(out["fold_" + name].reshape(-1, 4), fix_first_variable(inp[name], inp["r"]))


@pytest.mark.parametrize("kinds", ["bb", "bbb", "ee", "eee"])
def test_round_and_prover_match_cpu(sim, kinds):
    from deepprove_cli.sumcheck.product_kernels import product_sums

    out, inp = sim
    tabs = [inp[k + str(i)] for i, k in enumerate(kinds)]
    cpu_round = product_sums([t.reshape(-1) for t in tabs], kinds[0] == "e").sum(axis=0) % np.uint64(P)
    assert np.array_equal(out["round_" + kinds].reshape(-1), cpu_round)
    prob = SumcheckProblem(tabs, [(3, range(len(tabs)))])
    proof, point, evals = prover.prove(prob, 0, transcript(b"cuda"))
    assert np.array_equal(out["proof_" + kinds], proof.round_evals)
    assert np.array_equal(out["point_" + kinds], point)
    assert np.array_equal(out["evals_" + kinds], evals)
