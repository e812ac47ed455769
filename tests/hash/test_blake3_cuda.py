"""CUDA twins under the simulator (NUMBA_ENABLE_CUDASIM=1, in a subprocess so it cannot touch the CPU
kernels of this process): the same bytes as the CPU kernels. The kernels are written for a real GPU."""

import os
import subprocess
import sys

import numpy as np
import pytest

from deepprove_cli.hash.merkle import MerkleTree
from deepprove_cli.hash.rows import compress_pairs, hash_rows

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (rows, cols): a partial thread block, one element, empty rows, and multi-chunk rows whose chunk
# trees need the merge stack (2, 3 and 5 chunks).
ROW_SHAPES = [(7, 8), (3, 1), (2, 0), (2, 300), (1, 768), (1, 1280)]

SCRIPT = r"""
import ast, sys, warnings
import numpy as np
warnings.simplefilter("ignore", RuntimeWarning)  # numpy scalars wrap (as uint32 should) in the simulator
from numba import cuda
from deepprove_cli.hash import blake3_cuda as bc
from deepprove_cli.hash.merkle import MerkleTree
shapes, digests, matrix = ast.literal_eval(sys.argv[2]), np.load(sys.argv[3]), np.load(sys.argv[4])
rng = np.random.default_rng(11)
out = {}
for i, shape in enumerate(shapes):
    m = rng.integers(0, 1 << 32, shape, dtype=np.uint32)
    out[f"rows{i}"] = bc.hash_rows_device(cuda.to_device(m)).copy_to_host()
out["pairs"] = bc.compress_pairs_device(cuda.to_device(digests)).copy_to_host()
for k, layer in enumerate(bc.merkle_layers(matrix)):
    out[f"layer{k}"] = layer
out["root"] = np.frombuffer(MerkleTree.build(matrix, device="cuda").root, np.uint8)
np.savez(sys.argv[1], **out)
"""


@pytest.fixture(scope="module")
def gpu_results(tmp_path_factory):
    d = tmp_path_factory.mktemp("cudasim")
    rng = np.random.default_rng(5)
    digests = rng.integers(0, 1 << 32, (6, 8), dtype=np.uint32)
    matrix = rng.integers(0, 2013265921, (8, 5), dtype=np.uint32)
    np.save(d / "digests.npy", digests)
    np.save(d / "matrix.npy", matrix)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    out = d / "out.npz"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(out), repr(ROW_SHAPES), str(d / "digests.npy"),
                           str(d / "matrix.npy")], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with np.load(out, allow_pickle=False) as z:
        return dict(z), digests, matrix


def test_hash_rows_matches_cpu(gpu_results):
    res, _, _ = gpu_results
    rng = np.random.default_rng(11)
    for i, shape in enumerate(ROW_SHAPES):
        m = rng.integers(0, 1 << 32, shape, dtype=np.uint32)
        assert np.array_equal(res[f"rows{i}"], hash_rows(m)), shape


def test_compress_pairs_matches_cpu(gpu_results):
    res, digests, _ = gpu_results
    assert np.array_equal(res["pairs"], compress_pairs(digests))


def test_merkle_layers_match_cpu(gpu_results):
    res, _, matrix = gpu_results
    tree = MerkleTree.build(matrix)
    assert len(tree.layers) == 4
    for k, layer in enumerate(tree.layers):
        assert np.array_equal(res[f"layer{k}"], layer)
    assert res["root"].tobytes() == tree.root
