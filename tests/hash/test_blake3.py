"""BLAKE3 of byte strings: official vectors, the `blake3` package as oracle, the pure-Python reference."""

import blake3 as oracle
import numpy as np
import pytest

from deepprove_cli.hash import reference
from deepprove_cli.hash.blake3 import blake3
from deepprove_cli.hash.compress import compress

# Official BLAKE3 test vectors (test_vectors.json: input = bytes i % 251, 131 bytes of output).
# 0, 1, 1023, 1024 and 1025 are as published; all were checked against the reference implementation.
OFFICIAL = {
    0: ("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
            "e00f03e7b69af26b7faaf09fcd333050338ddfe085b8cc869ca98b206c08243a"
            "26f5487789e8f660afe6c99ef9e0c52b92e7393024a80459cf91f476f9ffdbda"
            "7001c22e159b402631f277ca96f2defdf1078282314e763699a31c5363165421"
            "cce14d"),
    1: ("2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"
            "c3a6cb8bf623e20cdb535f8d1a5ffb86342d9c0b64aca3bce1d31f60adfa137b"
            "358ad4d79f97b47c3d5e79f179df87a3b9776ef8325f8329886ba42f07fb138b"
            "b502f4081cbcec3195c5871e6c23e2cc97d3c69a613eba131e5f1351f3f1da78"
            "6545e5"),
    1023: ("10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11"
            "a182d27a591b05592b15607500e1e8dd56bc6c7fc063715b7a1d737df5bad333"
            "9c56778957d870eb9717b57ea3d9fb68d1b55127bba6a906a4a24bbd5acb2d12"
            "3a37b28f9e9a81bbaae360d58f85e5fc9d75f7c370a0cc09b6522d9c8d822f2f"
            "28f485"),
    1024: ("42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"
            "1cf8107265ecdaf8505b95d8fcec83a98a6a96ea5109d2c179c47a387ffbb404"
            "756f6eeae7883b446b70ebb144527c2075ab8ab204c0086bb22b7c93d465efc5"
            "7f8d917f0b385c6df265e77003b85102967486ed57db5c5ca170ba441427ed9a"
            "fa684e"),
    1025: ("d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"
            "f4c4a22b4b399155358a994e52bf255de60035742ec71bd08ac275a1b51cc6bf"
            "e332b0ef84b409108cda080e6269ed4b3e2c3f7d722aa4cdc98d16deb554e562"
            "7be8f955c98e1d5f9565a9194cad0c4285f93700062d9595adb992ae68ff1280"
            "0ab67a"),
    2048: ("e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a"
            "9a60bf80001410ec9eea6698cd537939fad4749edd484cb541aced55cd9bf547"
            "64d063f23f6f1e32e12958ba5cfeb1bf618ad094266d4fc3c968c2088f677454"
            "c288c67ba0dba337b9d91c7e1ba586dc9a5bc2d5e90c14f53a8863ac75655461"
            "cea8f9"),
    2049: ("5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030"
            "96de31d71d74103403822a2e0bc1eb193e7aecc9643a76b7bbc0c9f9c52e8783"
            "aae98764ca468962b5c2ec92f0c74eb5448d519713e09413719431c802f948dd"
            "5d90425a4ecdadece9eb178d80f26efccae630734dff63340285adec2aed3b51"
            "073ad3"),
    3072: ("b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2"
            "9a3f6b0b978d6608335c09dc94ccf682f9951cdfc501bfe47b9c9189a6fc7b40"
            "4d120258506341a6d802857322fbd20d3e5dae05b95c88793fa83db1cb08e7d8"
            "008d1599b6209d78336e24839724c191b2a52a80448306e0daa84a3fdb566661"
            "a37e11"),
    4097: ("9b4052b38f1c5fc8b1f9ff7ac7b27cd242487b3d890d15c96a1c25b8aa0fb995"
            "05f91b0b5600a11251652eacfa9497b31cd3c409ce2e45cfe6c0a016967316c4"
            "26bd26f619eab5d70af9a418b845c608840390f361630bd497b1ab4401931635"
            "7c61dbe091ce72fc16dc340ac3d6e009e050b3adac4b5b2c92e722cffdc46501"
            "531956"),
    8193: ("bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b"
            "b2282aa69be089359ea1154b9a9286c4a56af4de975a9aa4a5c497654914d279"
            "bea60bb6d2cf7225a2fa0ff5ef56bbe4b149f3ed15860f78b4e2ad04e158e375"
            "c1e0c0b551cd7dfc82f1b155c11b6b3ed51ec9edb30d133653bb5709d1dbd55f"
            "4e1ff6"),
    31744: ("62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47"
            "860cc51f2b0c28a7b77304bd55fe73af663c02d3f52ea053ba43431ca5bab7bf"
            "ea2f5e9d7121770d88f70ae9649ea713087d1914f7f312147e247f87eb2d4ffe"
            "f0ac978bf7b6579d57d533355aa20b8b77b13fd09748728a5cc327a8ec470f40"
            "13226f"),
    102400: ("bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085"
            "e01c59dab908c04c3342b816941a26d69c2605ebee5ec5291cc55e15b76146e6"
            "745f0601156c3596cb75065a9c57f35585a52e1ac70f69131c23d611ce11ee4a"
            "b1ec2c009012d236648e77be9295dd0426f29b764d65de58eb7d01dd42248204"
            "f45f8e"),
}


def vector_input(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


@pytest.mark.parametrize("n", sorted(OFFICIAL))
def test_official_vectors(n):
    expected = bytes.fromhex("".join(OFFICIAL[n]))
    data = vector_input(n)
    assert blake3(data, 131) == expected
    assert blake3(data) == expected[:32]


LENGTHS = [0, 1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1023, 1024, 1025, 2047, 2048, 2049,
           3072, 3073, 4096, 4097, 5121, 16384, 17407, 33 * 1024 + 3, 1 << 20, (1 << 20) + 1]


@pytest.mark.parametrize("n", LENGTHS)
def test_matches_oracle(n, rng):
    data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    assert blake3(data) == oracle.blake3(data).digest()


@pytest.mark.parametrize("n", [0, 100, 1024, 5000])
@pytest.mark.parametrize("out_len", [0, 1, 31, 33, 64, 65, 200, 1000])
def test_extendable_output(n, out_len, rng):
    data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    assert blake3(data, out_len) == oracle.blake3(data).digest(length=out_len)


@pytest.mark.parametrize("n", [0, 3, 64, 1024, 1025, 3 * 1024 + 7, 5 * 1024])
def test_reference_matches_oracle(n, rng):
    data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    assert reference.blake3(data, 70) == oracle.blake3(data).digest(length=70)


def test_compress_kernel_vs_reference(rng):
    for _ in range(20):
        cv = tuple(np.uint32(x) for x in rng.integers(0, 1 << 32, 8, dtype=np.uint64))
        m = tuple(np.uint32(x) for x in rng.integers(0, 1 << 32, 16, dtype=np.uint64))
        counter = int(rng.integers(0, 1 << 63))
        block_len = int(rng.integers(0, 65))
        flags = int(rng.integers(0, 16))
        got = [int(x) for x in compress(cv, m, counter, block_len, flags)]
        assert got == reference.compress([int(x) for x in cv], [int(x) for x in m], counter, block_len, flags)


def test_input_types(rng):
    raw = rng.integers(0, 256, 3 * 1024 + 9, dtype=np.uint8)
    want = oracle.blake3(raw.tobytes()).digest()
    assert blake3(raw) == want
    assert blake3(raw.tobytes()) == want
    assert blake3(bytearray(raw.tobytes())) == want
    assert blake3(memoryview(raw.tobytes())) == want
    # a misaligned view (the full-chunk words cannot be viewed in place) and a non-byte dtype
    padded = np.zeros(raw.size + 1, np.uint8)
    padded[1:] = raw
    shifted = padded[1:]
    assert shifted.ctypes.data % 4 != 0
    assert blake3(shifted) == want
    words = rng.integers(0, 1 << 32, 700, dtype=np.uint32)
    assert blake3(words) == oracle.blake3(words.astype("<u4").tobytes()).digest()


def test_negative_length_rejected():
    with pytest.raises(ValueError):
        blake3(b"x", -1)
