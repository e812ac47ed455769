import numpy as np
import pytest

from deepprove_cli.io.binary import P, ProofFormatError, Reader, Writer


def test_roundtrip_and_sizes():
    w = Writer()
    w.section("head")
    w.u32(7)
    w.u64(2**40)
    w.digest(bytes(range(32)))
    w.section("body")
    w.base_array(np.array([0, 1, P - 1], np.uint32))
    w.ext(np.array([1, 2, 3, 4], np.uint32))
    w.blob(b"xyz")
    data = w.getvalue()
    assert w.sizes() == {"head": 44, "body": 12 + 16 + 7}
    r = Reader(data)
    assert r.u32() == 7 and r.u64() == 2**40 and r.digest() == bytes(range(32))
    assert r.base_array(3).tolist() == [0, 1, P - 1]
    assert r.ext().tolist() == [1, 2, 3, 4]
    assert r.blob() == b"xyz"
    r.finish()


def test_rejections():
    with pytest.raises(ProofFormatError, match="non-canonical"):
        Reader(np.array([P], "<u4").tobytes()).base_array(1)
    with pytest.raises(ProofFormatError, match="truncated"):
        Reader(b"\1\2").u32()
    r = Reader(b"\0" * 5)
    r.u32()
    with pytest.raises(ProofFormatError, match="trailing"):
        r.finish()
    with pytest.raises(ProofFormatError, match="exceeds"):
        Reader((5).to_bytes(4, "little")).u32("n", max_value=4)
    with pytest.raises(ValueError):
        Writer().base(P)
