"""CUDA twins under the simulator (NUMBA_ENABLE_CUDASIM=1 must be set before numba.cuda is imported,
so they run in a subprocess) against the CPU kernels of this process, on tiny sizes."""

import numpy as np
import pytest

from deepprove_cli.field.babybear import P
from deepprove_cli.lookup import layer_kernels as K
from deepprove_cli.lookup import tree
from tests.conftest import run_cudasim


SCRIPT = r"""
import sys, warnings
import numpy as np
warnings.simplefilter("ignore", RuntimeWarning)
from numba import config
assert config.ENABLE_CUDASIM
from deepprove_cli.lookup import cuda as lc
i = dict(np.load(sys.argv[2]))
out = {}
out["lp"], out["lq"] = lc.layer_from_ext(i["p"], i["q"])
out["bp"], out["bq"] = lc.layer_from_base(i["pb"], i["wb"], i["alpha"])
out["r0"] = lc.round_ext(i["a0"][:32], i["a1"][:32], i["b0"][:32], i["b1"][:32], i["eq"])
out["rf"], dst = lc.round_fold_ext(i["a0"], i["a1"], i["b0"], i["b1"], i["r"], i["eq"])
for k, d in enumerate(dst):
    out[f"d{k}"] = d
np.savez(sys.argv[1], **out)
"""


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    d = tmp_path_factory.mktemp("lookupsim")
    rng = np.random.default_rng(5)
    pairs = 4
    inp = {"p": rng.integers(0, P, 32, dtype=np.uint32), "q": rng.integers(0, P, 32, dtype=np.uint32),
           "pb": rng.integers(0, P, 16, dtype=np.uint32), "wb": rng.integers(0, P, 16, dtype=np.uint32),
           "alpha": rng.integers(0, P, 4, dtype=np.uint32), "r": rng.integers(0, P, 4, dtype=np.uint32),
           "eq": rng.integers(0, P, 4 * pairs, dtype=np.uint32)}
    for name in ("a0", "a1", "b0", "b1"):
        inp[name] = rng.integers(0, P, 16 * pairs, dtype=np.uint32)  # 4 * pairs ext entries
    inp["pb"][:3] = [0, 1, P - 1]
    return run_cudasim(SCRIPT, d, inp), inp


def _t(e):
    return tuple(np.uint32(v) for v in e)


def test_layers_match_cpu(sim):
    out, i = sim
    op, oq = np.empty(16, np.uint32), np.empty(16, np.uint32)
    tree.layer_from_ext(i["p"], i["q"], op, oq)
    assert (out["lp"] == op).all() and (out["lq"] == oq).all()
    op, oq = np.empty(32, np.uint32), np.empty(32, np.uint32)
    tree.layer_from_base(i["pb"], i["wb"], _t(i["alpha"]), op, oq)
    assert (out["bp"] == op).all() and (out["bq"] == oq).all()


def test_rounds_match_cpu(sim):
    out, i = sim
    tabs = [i[n] for n in ("a0", "a1", "b0", "b1")]
    want0 = K.sum_partial(K.round_ext(*[t[:32] for t in tabs], i["eq"]))
    assert (K.sum_partial(out["r0"]) == want0).all()
    dst = [np.empty(32, np.uint32) for _ in range(4)]
    want = K.sum_partial(K.round_fold_ext(*tabs, _t(i["r"]), *dst, i["eq"]))
    assert (K.sum_partial(out["rf"]) == want).all()
    for k in range(4):
        assert (out[f"d{k}"] == dst[k]).all()
