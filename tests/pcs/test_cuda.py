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


REDUCTION_SCRIPT = r"""
import sys, warnings
import numpy as np
warnings.simplefilter("ignore", RuntimeWarning)
from numba import config
assert config.ENABLE_CUDASIM
from deepprove_cli.pcs.basefold import cuda as pc
inp = dict(np.load(sys.argv[2]))
out = {"base": pc.claim_sums(inp["t"], inp["low"], inp["high"], int(inp["lo"]), int(inp["bit"])),
       "ext": pc.claim_sums(inp["te"], inp["low_e"], inp["high_e"], int(inp["lo_e"]), 0),
       "fold_low": pc.fold_low(inp["t"], inp["w"])}
np.savez(sys.argv[1], **out)
"""


def test_cuda_point_reduction_twins(tmp_path):
    """The point reduction's claim sums (base and extension tables) and many-variable bind."""
    from deepprove_cli.pcs.basefold.point_reduction import claim_sums, fold_low, weight_tables
    from deepprove_cli.poly.eq import eq_table

    rng = np.random.default_rng(12)
    t = rng.integers(0, P, size=1 << 5, dtype=np.uint32)
    te = rng.integers(0, P, size=(1 << 4, 4), dtype=np.uint32)
    prefix = rng.integers(0, P, size=(2, 4), dtype=np.uint32)
    suffixes = [rng.integers(0, P, size=(2, 4), dtype=np.uint32) for _ in range(2)]
    suffixes_e = [rng.integers(0, P, size=(3, 4), dtype=np.uint32) for _ in range(2)]
    low, high, lo = weight_tables(5, prefix, suffixes)
    low_e, high_e, lo_e = weight_tables(4, np.zeros((0, 4), np.uint32), suffixes_e)
    r = rng.integers(0, P, size=(2, 4), dtype=np.uint32)
    got = run_cudasim(REDUCTION_SCRIPT, tmp_path, dict(t=t, low=low, high=high, lo=lo, bit=2, te=te, low_e=low_e,
                                                      high_e=high_e, lo_e=lo_e, w=eq_table(r)), timeout=600)
    assert np.array_equal(got["base"], claim_sums(t, prefix, suffixes))
    assert np.array_equal(got["ext"], claim_sums(te, np.zeros((0, 4), np.uint32), suffixes_e))
    assert np.array_equal(got["fold_low"], fold_low(t, r))
