"""CUDA twins of the codeword kernels under the simulator (NUMBA_ENABLE_CUDASIM=1 must be set before
numba.cuda is imported, so they run in a subprocess): the same bytes as the CPU kernels. Tiny sizes:
the simulator runs every GPU thread as a Python thread."""


import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.pcs.basefold import encoding as E
from deepprove_cli.pcs.basefold import kernels as K
from tests.conftest import run_cudasim


SCRIPT = r"""
import sys, warnings
import numpy as np
warnings.simplefilter("ignore", RuntimeWarning)
from numba import config, cuda
assert config.ENABLE_CUDASIM
from deepprove_cli.errors import InputError
from deepprove_cli.pcs.basefold import cuda as pc
inp = dict(np.load(sys.argv[2]))
out = {"fold": pc.fold(inp["cw"], inp["s"], inp["tw"]),
       "fold_dev": pc.fold(cuda.to_device(inp["cw"]), inp["s"], inp["tw"]).copy_to_host(),
       "combine": pc.combine_codewords(inp["cws"], inp["sel"], inp["coeffs"])}
try:
    pc.combine_codewords(inp["cws"], inp["sel"][:1], inp["coeffs"])
    out["error"] = np.array(["none"])
except InputError:
    out["error"] = np.array(["InputError"])
np.savez(sys.argv[1], **out)
"""


def test_cuda_twins_match_cpu(tmp_path):
    rng = np.random.default_rng(11)
    L = 5
    cw = rng.integers(0, P, size=(1 << L, 4), dtype=np.uint32)
    s = rng.integers(0, P, size=4, dtype=np.uint32)
    tw = np.array(E.fold_twiddles(L))
    cws = rng.integers(0, P, size=(3, 16), dtype=np.uint32)
    sel = np.array([2, 0], dtype=np.int64)
    coeffs = rng.integers(0, P, size=(2, 4), dtype=np.uint32)
    got = run_cudasim(SCRIPT, tmp_path, dict(cw=cw, s=s, tw=tw, cws=cws, sel=sel, coeffs=coeffs), timeout=600)
    want_fold = E.fold(cw, s, tw)
    assert np.array_equal(got["fold"], want_fold) and np.array_equal(got["fold_dev"].reshape(-1, 4), want_fold)
    want = np.zeros((16, 4), dtype=np.uint32)
    K.k_add_stack(cws.reshape(-1), 16, coeffs.reshape(-1), sel, want.reshape(-1))
    assert np.array_equal(got["combine"], want)
    assert got["error"][0] == "InputError"
