"""The verifying key and the weight commitment: what `dp quantize` writes, the model id, strict parsing."""

import os
import shutil

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.hash.blake3 import blake3
from deepprove_cli.io import container
from deepprove_cli.model import vk as V
from deepprove_cli.model.dpq import load_dpq
from tests.commands.models import COMMITTED, quantized
from tests.graph.tiny_models import tiny_paths


@pytest.fixture(scope="module")
def workdir(model_dir):
    return model_dir


@pytest.fixture(scope="module")
def llama(workdir):
    return quantized("llama", workdir, **COMMITTED)


def test_quantize_writes_key_and_commitment(llama):
    dpq, summary = llama
    qm = load_dpq(dpq)
    raw = open(V.vk_path(dpq), "rb").read()
    assert summary["vk"] == V.vk_path(dpq) and summary["dpc"] == V.dpc_path(dpq) and os.path.exists(summary["dpc"])
    assert summary["model_id"] == blake3(raw).hex() == V.load_vk(V.vk_path(dpq)).model_id
    vk = V.load_vk(V.vk_path(dpq))
    big = sorted(n for n, a in qm.arrays.items() if a.size >= 1 << 16)
    assert big and list(vk.committed) == big and summary["committed_arrays"] == len(big)
    assert set(vk.public) == set(qm.arrays) - set(big)
    for n, a in vk.public.items():
        assert np.array_equal(a, qm.arrays[n]) and a.dtype == qm.arrays[n].dtype
    assert [vk.weights.shape_of(n) for n in big] == [qm.arrays[n].shape for n in big]
    for n in qm.tables.values:
        assert np.array_equal(vk.tables[n][0], qm.tables.values[n]) and vk.tables[n][1] == qm.tables.specs[n].lo
    assert vk.graph.to_json() == qm.graph.to_json() and vk.config == qm.config and vk.quant == qm.quant
    files = V.load_model(dpq)
    commitment, data, names = files.weights
    assert files.model_id == summary["model_id"] and names == big and commitment == vk.weights.commitment
    # the prover data opens what the key commits: the stored table of each array is its field table
    tables = V.weight_tables(qm.arrays, big)
    assert all(np.array_equal(data.table(k), t) for k, t in enumerate(tables))


def test_model_id_is_stable(llama, tmp_path):
    dpq, summary = llama
    copy = str(tmp_path / "again.dpq")
    shutil.copy(dpq, copy)
    vk = V.commit_model(load_dpq(copy), copy)  # committing the same program again: the same key, byte for byte
    assert vk.model_id == summary["model_id"]
    assert open(V.vk_path(copy), "rb").read() == open(V.vk_path(dpq), "rb").read()


@pytest.mark.parametrize("arch", ["gpt2", "llama", "gemma3"])
def test_round_trip_every_arch(workdir, arch):
    _, dpq = tiny_paths(arch, workdir, **COMMITTED)
    qm = load_dpq(dpq)
    vk = V.commit_model(qm, dpq)
    raw = vk.to_bytes()
    back = V.VerifyingKey.from_bytes(raw)
    assert back.to_bytes() == raw and back.model_id == vk.model_id
    assert back.weights.commitment == vk.weights.commitment and back.pcs == vk.pcs


def test_model_without_committed_arrays(workdir, tmp_path):
    _, dpq = tiny_paths("gpt2", workdir)  # default tiny sizes: every array is below 2^16 elements
    local = str(tmp_path / "small.dpq")
    shutil.copy(dpq, local)
    qm = load_dpq(local)
    vk = V.commit_model(qm, local)
    assert vk.weights is None and vk.committed == () and set(vk.public) == set(qm.arrays)
    assert not os.path.exists(V.dpc_path(local))
    files = V.load_model(local)
    assert files.weights is None and files.model_id == vk.model_id


def test_non_canonical_key_refused(llama):
    dpq, _ = llama
    vk = V.load_vk(V.vk_path(dpq))
    meta, specs = vk._meta_specs()
    shuffled = container.to_bytes(V.VK_MAGIC, V.VK_VERSION, meta, list(reversed(specs)))
    with pytest.raises(InputError, match="canonical"):
        V.VerifyingKey.from_bytes(shuffled)


def test_changed_key_changes_model_id(llama):
    dpq, summary = llama
    vk = V.load_vk(V.vk_path(dpq))
    meta, specs = vk._meta_specs()
    # a lookup table entry changed by one: still a well-formed key, of another model
    specs = [container.ArraySpec.of(s.name, s.array.copy()) for s in specs]
    table = next(s for s in specs if s.name.startswith("table/"))
    table.array[3] += 1
    other = V.VerifyingKey.from_bytes(container.to_bytes(V.VK_MAGIC, V.VK_VERSION, meta, specs))
    assert other.model_id != summary["model_id"]
    # a quantization parameter changed
    meta2 = dict(meta, quant=dict(meta["quant"], exp_frac=meta["quant"]["exp_frac"] + 1))
    _, specs2 = vk._meta_specs()
    raw2 = container.to_bytes(V.VK_MAGIC, V.VK_VERSION, meta2, specs2)
    assert V.model_id_of(raw2) != summary["model_id"]


def test_key_rules_enforced(llama):
    dpq, _ = llama
    vk = V.load_vk(V.vk_path(dpq))
    meta, specs = vk._meta_specs()
    # an array the rule commits cannot travel in clear
    big = vk.committed[0]
    arr = np.zeros(vk.weights.shape_of(big), dtype=np.int16)
    extra = sorted(specs + [container.ArraySpec.of("w/" + big, arr)], key=lambda s: s.name)
    with pytest.raises(InputError):
        V.VerifyingKey.from_bytes(container.to_bytes(V.VK_MAGIC, V.VK_VERSION, meta, extra))
    # the commitment's polynomial sizes must be those of the listed shapes
    bad = dict(meta, weights={"names": meta["weights"]["names"],
                              "shapes": [[s[0] * 2, *s[1:]] for s in meta["weights"]["shapes"]]})
    with pytest.raises(InputError, match="polynomial sizes"):
        V.VerifyingKey.from_bytes(container.to_bytes(V.VK_MAGIC, V.VK_VERSION, bad, specs))
    # a node's array must be in the key
    public = sorted(vk.public)[0]
    fewer = [s for s in specs if s.name != "w/" + public]
    with pytest.raises(InputError, match="needs the array"):
        V.VerifyingKey.from_bytes(container.to_bytes(V.VK_MAGIC, V.VK_VERSION, meta, fewer))


def test_malformed_keys_fail_cleanly(llama):
    dpq, _ = llama
    raw = open(V.vk_path(dpq), "rb").read()
    rng = np.random.default_rng(7)
    header_end = 24 + int.from_bytes(raw[16:24], "little")
    cuts = [0, 7, 23, header_end - 1, header_end + 5, len(raw) - 1]
    for n in cuts:
        with pytest.raises(InputError):
            V.VerifyingKey.from_bytes(raw[:n])
    with pytest.raises(InputError, match="trailing"):
        V.VerifyingKey.from_bytes(raw + b"\0")
    nested = b"[" * 100000 + b"]" * 100000
    deep = raw[:16] + len(nested).to_bytes(8, "little") + nested
    with pytest.raises(InputError):
        V.VerifyingKey.from_bytes(deep + b"\0" * (-len(deep) % 64))
    for _ in range(40):  # flips in the JSON header: refused with InputError, or a well-formed other key
        b = bytearray(raw)
        i = int(rng.integers(24, header_end))
        b[i] = (b[i] + int(rng.integers(1, 256))) % 256
        try:
            other = V.VerifyingKey.from_bytes(bytes(b))
        except InputError:
            continue
        assert other.model_id != V.model_id_of(raw)


def test_commitment_files_must_match(llama, workdir, tmp_path):
    dpq, _ = llama
    other_dpq, _ = quantized("gemma3", workdir, **COMMITTED)
    local = str(tmp_path / "m.dpq")
    shutil.copy(dpq, local)
    shutil.copy(V.dpc_path(other_dpq), V.dpc_path(local))
    with pytest.raises(InputError, match="another model"):
        V.load_weights(local)
    shutil.copy(V.dpc_path(dpq), V.dpc_path(local))
    with pytest.raises(InputError, match="no verifying key"):
        V.load_model(local)
    shutil.copy(V.vk_path(other_dpq), V.vk_path(local))
    with pytest.raises(InputError, match="not the verifying key"):
        V.load_model(local)
    os.unlink(V.dpc_path(local))
    with pytest.raises(InputError, match="no weight commitment"):
        V.load_weights(local)
