"""proof.bin: round trip, and every malformed file is ProofInvalid naming what is wrong (never another error)."""

import json
import struct

import numpy as np
import pytest

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.io import container
from deepprove_cli.io.proof_file import PROOF_MAGIC, PROOF_VERSION, ProofFile, parse_proof, proof_bytes, read_proof

MODEL_ID = "ab" * 32


def statement(**changes) -> dict:
    st = {"model": {"id": MODEL_ID}, "prompt_tokens": [1, 2, 3], "output_tokens": [4, 5], "T": 4,
          "protocol": {"name": "dp-sequence-proof", "version": 1}}
    st.update(changes)
    return st


def sample(vk: bytes | None = b"key bytes") -> ProofFile:
    return ProofFile(statement(), bytes(range(200)) * 3, vk, {"commitments": 100, "lookups": 400, "openings": 100})


def raw_file(meta, arrays) -> bytes:
    specs = [container.ArraySpec.of(n, a) for n, a in arrays]
    return container.to_bytes(PROOF_MAGIC, PROOF_VERSION, meta, specs)


@pytest.mark.parametrize("vk", [b"key bytes", None])
def test_round_trip(vk, tmp_path):
    pf = sample(vk)
    raw = proof_bytes(pf)
    back = parse_proof(raw)
    assert back == pf and back.prompt_tokens == [1, 2, 3] and back.output_tokens == [4, 5]
    assert back.model_id == MODEL_ID
    path = tmp_path / "proof.bin"
    path.write_bytes(raw)
    assert read_proof(str(path)) == pf


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(InputError) as e:
        read_proof(str(tmp_path / "nope.bin"))
    assert not isinstance(e.value, ProofInvalid) and e.value.exit_code == 2


def test_truncated_and_padded(tmp_path):
    raw = proof_bytes(sample())
    for n in list(range(0, 40, 3)) + [len(raw) // 2, len(raw) - 64, len(raw) - 1]:
        with pytest.raises(ProofInvalid):
            parse_proof(raw[:n])
    with pytest.raises(ProofInvalid, match="trailing"):
        parse_proof(raw + b"\0")
    with pytest.raises(ProofInvalid):
        parse_proof(b"")


def test_wrong_magic_and_version():
    raw = bytearray(proof_bytes(sample()))
    other = bytes(raw)
    with pytest.raises(ProofInvalid, match="not a DPPROOF"):
        parse_proof(b"DPVKEY\0\0" + other[8:])
    struct.pack_into("<I", raw, 8, 2)
    with pytest.raises(ProofInvalid, match="version"):
        parse_proof(bytes(raw))


def test_garbled_header():
    raw = bytearray(proof_bytes(sample()))
    start = raw.index(b'{"arrays"')
    raw[start:start + 2] = b"[{"
    with pytest.raises(ProofInvalid, match="corrupt header"):
        parse_proof(bytes(raw))


@pytest.mark.parametrize("change, message", [
    ({"model": {"id": "AB" * 32}}, "model id"),
    ({"model": {"id": "ab" * 31}}, "model id"),
    ({"model": "ab" * 32}, "model id"),
    ({"prompt_tokens": []}, "prompt_tokens"),
    ({"output_tokens": [4, -5]}, "output_tokens"),
    ({"output_tokens": [4, 5.0]}, "output_tokens"),
    ({"output_tokens": "45"}, "output_tokens"),
])
def test_statement_checked(change, message):
    meta = {"statement": statement(**change), "sizes": {"proof": 4}}
    with pytest.raises(ProofInvalid, match=message):
        parse_proof(raw_file(meta, [("proof", np.zeros(4, np.uint8))]))


def test_missing_statement_field():
    st = statement()
    del st["output_tokens"]
    with pytest.raises(ProofInvalid, match="output_tokens is missing"):
        parse_proof(raw_file({"statement": st, "sizes": {"proof": 4}}, [("proof", np.zeros(4, np.uint8))]))


@pytest.mark.parametrize("meta_change, arrays, message", [
    ({"sizes": {"proof": 5}}, [("proof", np.zeros(4, np.uint8))], "sum to 5"),
    ({"sizes": {"proof": -1, "x": 5}}, [("proof", np.zeros(4, np.uint8))], "sizes are corrupt"),
    ({"extra": 1}, [("proof", np.zeros(4, np.uint8))], "header sections"),
    ({}, [("proof", np.zeros(4, np.uint8)), ("junk", np.zeros(4, np.uint8))], "arrays"),
    ({}, [("vk", np.zeros(4, np.uint8))], "arrays"),
    ({}, [("proof", np.zeros(1, np.uint32))], "expected uint8"),
    ({}, [("proof", np.zeros((2, 2), np.uint8))], "expected uint8"),
])
def test_layout_checked(meta_change, arrays, message):
    meta = {"statement": statement(), "sizes": {"proof": 4}}
    meta.update(meta_change)
    with pytest.raises(ProofInvalid, match=message):
        parse_proof(raw_file(meta, arrays))


def test_random_corruption_only_proof_invalid():
    raw = proof_bytes(sample())
    rng = np.random.default_rng(3)
    header_end = 24 + int.from_bytes(raw[16:24], "little")
    for _ in range(200):
        b = bytearray(raw)
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(0, header_end + 16))
            b[i] = int(rng.integers(0, 256))
        try:
            pf = parse_proof(bytes(b))
        except ProofInvalid:
            continue
        # a flip that leaves a well-formed file changed nothing the header checks: still a shaped statement
        assert json.dumps(pf.statement) and len(pf.proof) == sum(pf.sizes.values())


def test_deeply_nested_header():
    header = b"[" * 100000 + b"]" * 100000
    raw = struct.pack("<8sIIQ", PROOF_MAGIC, PROOF_VERSION, 0, len(header)) + header
    raw += b"\0" * (-len(raw) % 64)
    with pytest.raises(ProofInvalid, match="corrupt header"):
        parse_proof(raw)
