"""CUDA twins under the simulator (NUMBA_ENABLE_CUDASIM=1 must be set before numba.cuda is imported,
so they run in a subprocess): the same bytes as the CPU kernels of this process. Sizes are tiny
(the simulator runs every GPU thread as a Python thread); LOG_SEGMENT is lowered so that both the
per-layer kernel and the shared-memory kernel of the NTT run."""


import numpy as np
import pytest

from deepprove_cli.field import ext4_vec, ntt, vec
from deepprove_cli.field.babybear import P
from tests.conftest import run_cudasim


SCRIPT = r"""
import sys, warnings
import numpy as np
warnings.simplefilter("ignore", RuntimeWarning)
from numba import config, cuda
assert config.ENABLE_CUDASIM
from deepprove_cli.errors import InputError
from deepprove_cli.field import cuda as fc, ntt_cuda as gc
inp = dict(np.load(sys.argv[2]))
a, b, s, ea, eb, x = inp["a"], inp["b"], inp["s"], inp["ea"], inp["eb"], inp["x"]
out = {
    "add": fc.add(a, b), "sub": fc.sub(a, b), "neg": fc.neg(a), "mul": fc.mul(a, b),
    "scale": fc.scale(a, int(s[0])), "ext_mul": fc.ext_mul(ea, eb), "ext_mul_base": fc.ext_mul_base(ea, s),
    "mul_dev": fc.mul(cuda.to_device(a), cuda.to_device(b)).copy_to_host(),
}
for lg in (0, 3):
    y = x[:, : 1 << lg].copy()
    out[f"ntt{lg}"] = gc.ntt(y)
    out[f"lde{lg}"] = gc.lde(y, 2)
gc.LOG_SEGMENT = 3  # 2^6 rows: three per-layer launches, then the shared-memory kernel
out["ntt"] = gc.ntt(x)
out["ntt_br"] = gc.ntt(x, bit_reversed=True)
out["intt"] = gc.intt(x)
out["coset_ntt"] = gc.coset_ntt(x, 7)
out["coset_intt_br"] = gc.coset_intt(x, 7, bit_reversed=True)
out["lde"] = gc.lde(x[:, :16].copy(), 2)
out["lde_nat"] = gc.lde(x[:, :16].copy(), 1, bit_reversed=False)
errors = []
for bad in (lambda: gc.ntt(np.zeros(12, np.uint32)), lambda: fc.mul(a, np.full(a.shape, 2**31, np.uint32)),
            lambda: fc.scale(a, -1), lambda: gc.coset_ntt(x, 0)):
    try:
        bad()
        errors.append("no error")
    except InputError as e:
        errors.append("InputError")
out["errors"] = np.array(errors)
np.savez(sys.argv[1], **out)
"""


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    d = tmp_path_factory.mktemp("fieldsim")
    rng = np.random.default_rng(77)
    inp = {
        "a": rng.integers(0, P, 40, dtype=np.uint32), "b": rng.integers(0, P, 40, dtype=np.uint32),
        "s": rng.integers(0, P, 9, dtype=np.uint32), "ea": rng.integers(0, P, (9, 4), dtype=np.uint32),
        "eb": rng.integers(0, P, (9, 4), dtype=np.uint32), "x": rng.integers(0, P, (2, 64), dtype=np.uint32),
    }
    inp["a"][:3] = [0, P - 1, P - 1]
    inp["b"][:3] = [P - 1, P - 1, 0]
    inp["ea"][0] = P - 1
    return run_cudasim(SCRIPT, d, inp), inp


def test_vector_ops_match_cpu(sim):
    out, inp = sim
    a, b, s = inp["a"], inp["b"], inp["s"]
    assert (out["add"] == vec.add(a, b)).all()
    assert (out["sub"] == vec.sub(a, b)).all()
    assert (out["neg"] == vec.neg(a)).all()
    assert (out["mul"] == vec.mul(a, b)).all()
    assert (out["mul_dev"] == vec.mul(a, b)).all()
    assert (out["scale"] == vec.scale(a, int(s[0]))).all()


def test_ext4_ops_match_cpu(sim):
    out, inp = sim
    assert out["ext_mul"].shape == (9, 4)
    assert (out["ext_mul"] == ext4_vec.mul(inp["ea"], inp["eb"])).all()
    assert (out["ext_mul_base"] == ext4_vec.mul_base(inp["ea"], inp["s"])).all()


def test_ntt_matches_cpu(sim):
    out, inp = sim
    x = inp["x"]
    for lg in (0, 3):
        y = x[:, : 1 << lg].copy()
        assert (out[f"ntt{lg}"] == ntt.ntt(y)).all()
        assert (out[f"lde{lg}"] == ntt.lde(y, 2)).all()
    assert (out["ntt"] == ntt.ntt(x)).all()
    assert (out["ntt_br"] == ntt.ntt(x, bit_reversed=True)).all()
    assert (out["intt"] == ntt.intt(x)).all()
    assert (out["coset_ntt"] == ntt.coset_ntt(x, 7)).all()
    assert (out["coset_intt_br"] == ntt.coset_intt(x, 7, bit_reversed=True)).all()
    assert (out["lde"] == ntt.lde(x[:, :16].copy(), 2)).all()
    assert (out["lde_nat"] == ntt.lde(x[:, :16].copy(), 1, bit_reversed=False)).all()


def test_bad_input_is_input_error(sim):
    out, _ = sim
    assert list(out["errors"]) == ["InputError"] * 4
