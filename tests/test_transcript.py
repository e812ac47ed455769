"""Fiat-Shamir transcript: agreement, binding of every absorbed item, uniformity, grinding, golden values."""

import struct

import blake3 as oracle
import numpy as np
import pytest

from deepprove_cli import transcript as tmod
from deepprove_cli.hash.grind import nonce_ok
from deepprove_cli.transcript import P, Transcript


def _script(t: Transcript) -> list:
    """A representative protocol run: every absorb kind, every challenge kind; returns the challenges."""
    out = []
    t.absorb_bytes("statement", b"model-id")
    t.absorb_u64("n_tokens", 7)
    t.absorb_digest("commitment", bytes(range(32)))
    t.absorb_base("claim", np.array([1, 2, P - 1], np.uint32))
    out.append(t.challenge_base("alpha"))
    t.absorb_ext("round", np.arange(12, dtype=np.uint32).reshape(3, 4))
    out.append(tuple(t.challenge_ext("r").tolist()))
    out.append(tuple(t.challenge_exts("batch", 3).reshape(-1).tolist()))
    out.append(tuple(t.challenge_indices("queries", 10, 5).tolist()))
    out.append(t.challenge_bytes("tail", 8))
    return out


def test_prover_and_verifier_agree():
    assert _script(Transcript("proto")) == _script(Transcript("proto"))


def _later_challenges(mutate) -> list:
    t = Transcript("proto")
    mutate(t)
    return [t.challenge_base("a"), tuple(t.challenge_ext("b").tolist()), t.challenge_bytes("c", 16)]


BASELINE_OPS = lambda t: (t.absorb_bytes("x", b"ab"), t.absorb_base("y", 5))  # noqa: E731

MUTATIONS = {
    "data": lambda t: (t.absorb_bytes("x", b"ac"), t.absorb_base("y", 5)),
    "label": lambda t: (t.absorb_bytes("z", b"ab"), t.absorb_base("y", 5)),
    "kind": lambda t: (t.absorb_base("x", np.frombuffer(b"ab\0\0", "<u4")), t.absorb_base("y", 5)),
    "order": lambda t: (t.absorb_base("y", 5), t.absorb_bytes("x", b"ab")),
    "missing": lambda t: t.absorb_bytes("x", b"ab"),
    "split": lambda t: (t.absorb_bytes("x", b"a"), t.absorb_bytes("x", b"b"), t.absorb_base("y", 5)),
    "boundary": lambda t: (t.absorb_bytes("x", b"a"), t.absorb_bytes("bx", b"b"), t.absorb_base("y", 5)),
    "value": lambda t: (t.absorb_bytes("x", b"ab"), t.absorb_base("y", 6)),
    "extra": lambda t: (t.absorb_bytes("x", b"ab"), t.absorb_base("y", 5), t.absorb_u64("n", 0)),
    "squeezed": lambda t: (t.absorb_bytes("x", b"ab"), t.challenge_base("s"), t.absorb_base("y", 5)),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_any_change_changes_every_later_challenge(name):
    base = _later_challenges(BASELINE_OPS)
    changed = _later_challenges(MUTATIONS[name])
    assert all(a != b for a, b in zip(base, changed))


def test_protocol_label_and_challenge_label_bind():
    a, b = Transcript("proto-a"), Transcript("proto-b")
    assert a.challenge_bytes("c", 16) != b.challenge_bytes("c", 16)
    a, b = Transcript("p"), Transcript("p")
    assert a.challenge_bytes("c1", 16) != b.challenge_bytes("c2", 16)
    # consecutive squeezes with nothing absorbed in between still differ
    t = Transcript("p")
    assert t.challenge_bytes("c", 16) != t.challenge_bytes("c", 16)


def _record(kind, label: bytes, data: bytes) -> bytes:
    return struct.pack("<BH", kind, len(label)) + label + struct.pack("<Q", len(data)) + data


def test_encoding_is_the_documented_one():
    """The squeeze is BLAKE3(state || records) with the documented record layout (oracle check)."""
    t = Transcript("p")
    t.absorb_bytes("l", b"data")
    got = t.challenge_bytes("c", 16)
    msg = bytes(32) + _record(9, b"p", b"") + _record(1, b"l", b"data") + _record(6, b"c", struct.pack("<Q", 16) + b"bytes")
    full = oracle.blake3(msg).digest(48)
    assert got == full[32:]
    t.absorb_u64("n", 3)
    msg2 = full[:32] + _record(5, b"n", struct.pack("<Q", 3)) + _record(6, b"d", struct.pack("<Q", 4) + b"bytes")
    assert t.challenge_bytes("d", 4) == oracle.blake3(msg2).digest(36)[32:]


def test_absorb_ext_shapes_and_digest_forms_agree():
    a, b = Transcript("p"), Transcript("p")
    e = np.array([1, 2, 3, 4], np.uint32)
    a.absorb_ext("e", e)
    b.absorb_ext("e", e.reshape(1, 4))
    d = np.arange(8, dtype=np.uint32)
    a.absorb_digest("d", d)
    b.absorb_digest("d", d.astype("<u4").tobytes())
    assert a.challenge_bytes("c", 8) == b.challenge_bytes("c", 8)


def test_absorb_rejects_bad_items():
    t = Transcript("p")
    with pytest.raises(ValueError):
        t.absorb_base("x", P)
    with pytest.raises(ValueError):
        t.absorb_base("x", np.array([0, P], np.uint32))
    with pytest.raises(ValueError):
        t.absorb_base("x", np.array([-1], np.int64))
    with pytest.raises(TypeError):
        t.absorb_base("x", np.array([1.0]))
    with pytest.raises(ValueError):
        t.absorb_ext("x", np.zeros(3, np.uint32))
    with pytest.raises(ValueError):
        t.absorb_ext("x", np.full(4, P, np.uint32))
    with pytest.raises(ValueError):
        t.absorb_digest("x", b"short")
    with pytest.raises(ValueError):
        t.absorb_bytes("x" * 70000, b"")


def test_rejection_sampling_rule():
    words = [0x7FFFFFFF, P, P - 1, 0x80000005, 0xFFFFFFFF, 0]
    assert tmod._below_p(words) == [P - 1, 5, 0]


def test_field_challenges_do_not_depend_on_stream_margin(monkeypatch):
    """Sampling reads one deterministic stream: a short first draw extends it to the same values."""
    want = [Transcript("p").challenge_bases("c", n) for n in (1, 64, 300)]
    monkeypatch.setattr(tmod, "_initial_draw", lambda n: n)  # nearly always too short at first
    got = [Transcript("p").challenge_bases("c", n) for n in (1, 64, 300)]
    for a, b in zip(want, got):
        assert np.array_equal(a, b)


def test_challenge_distribution():
    t = Transcript("dist")
    v = t.challenge_bases("c", 40000).astype(np.int64)
    assert v.max() < P and v.min() >= 0
    counts = np.bincount(v * 16 // P, minlength=16)
    assert np.all(np.abs(counts - 2500) < 5 * 50)  # 5 sigma
    e = t.challenge_exts("e", 10000)
    assert e.shape == (10000, 4) and int(e.max()) < P
    assert abs(float(e.mean()) / P - 0.5) < 0.01
    idx = t.challenge_indices("q", 4, 16000)
    assert idx.min() >= 0 and idx.max() < 16
    assert np.all(np.abs(np.bincount(idx, minlength=16) - 1000) < 5 * 31)
    assert np.all(t.challenge_indices("q0", 0, 10) == 0)
    with pytest.raises(ValueError):
        t.challenge_indices("q", 63, 1)


def test_grinding_round_trip():
    prover, verifier = Transcript("g"), Transcript("g")
    prover.absorb_bytes("m", b"x")
    verifier.absorb_bytes("m", b"x")
    nonce = prover.grind(10)
    assert verifier.check_grind(10, nonce)
    assert prover.challenge_bytes("after", 16) == verifier.challenge_bytes("after", 16)


def test_grinding_nonce_is_smallest_and_valid():
    t = Transcript("g")
    seed = t.clone()._grind_seed(8)
    nonce = t.grind(8)
    assert nonce_ok(seed, 8, nonce)
    assert not any(nonce_ok(seed, 8, k) for k in range(nonce))
    assert Transcript("g").grind(0) == 0


def test_grinding_rejects_wrong_nonce_and_binds_it():
    prover = Transcript("g")
    nonce = prover.grind(12)
    bad = nonce + 1
    seed = Transcript("g")._grind_seed(12)
    while nonce_ok(seed, 12, bad):
        bad += 1
    assert not Transcript("g").check_grind(12, bad)
    assert not Transcript("g").check_grind(12, -1)
    # a verifier that absorbed a different (even valid-looking) nonce diverges
    v = Transcript("g")
    v.check_grind(12, bad)
    assert v.challenge_bytes("after", 16) != prover.challenge_bytes("after", 16)
    with pytest.raises(ValueError):
        Transcript("g").grind(41)


def test_fork_and_clone():
    a, b = Transcript("f"), Transcript("f")
    kids_a, kids_b = a.fork("layers", 3), b.fork("layers", 3)
    outs = [k.challenge_bytes("c", 16) for k in kids_a]
    assert outs == [k.challenge_bytes("c", 16) for k in kids_b]
    assert len(set(outs)) == 3
    plain = Transcript("f")
    assert a.challenge_bytes("c", 16) == b.challenge_bytes("c", 16) != plain.challenge_bytes("c", 16)
    t = Transcript("f")
    t.absorb_bytes("x", b"1")
    c = t.clone()
    c.absorb_bytes("y", b"2")
    assert t.clone().challenge_bytes("c", 8) != c.challenge_bytes("c", 8)
    assert t.clone().challenge_bytes("c", 8) == t.challenge_bytes("c", 8)


# Golden values: a change here changes every proof; update only with a format version bump.
GOLDEN = [
    1575977568,
    (345313342, 116136655, 216520777, 1153093925),
    (943834488, 527125962, 1138635562, 104115369, 1882498270, 1572564971, 1403739440, 117232150,
     1640501916, 227941456, 1425349698, 130888932),
    (805, 113, 484, 746, 237),
    "4615b9732af6fad7",
]


def test_golden_challenges():
    got = _script(Transcript("deepprove/golden"))
    assert [c.hex() if isinstance(c, bytes) else c for c in got] == GOLDEN


def test_challenge_ext_ints_is_challenge_ext(monkeypatch):
    """The int fast path draws what challenge_exts(label, 1) draws, also when the first 8 stream words
    hold fewer than 4 accepted values (then the stream is extended)."""
    def pair(t):
        a = t.clone()
        return t.challenge_ext_ints("r"), tuple(a.challenge_exts("r", 1)[0].tolist()), t._state == a._state

    t = Transcript("p")
    for i in range(20):
        t.absorb_u64("i", i)
        got, want, same_state = pair(t)
        assert got == want and same_state and all(type(v) is int for v in got)
    real = tmod.blake3
    # reject the first 5 words of every stream (0xFF.. & 0x7FFFFFFF >= p); prefixes stay consistent
    monkeypatch.setattr(tmod, "blake3", lambda data, n=32: (lambda o: o[:32] + b"\xff" * 20 + o[52:])(real(data, n))
                        if n >= 52 else real(data, n))
    got, want, same_state = pair(t)
    assert got == want and same_state


def test_absorb_ext_bytes_is_absorb_ext():
    vals = np.array([[1, 2, 3, P - 1], [0, 5, 6, 7]], np.uint32)
    a, b = Transcript("p"), Transcript("p")
    a.absorb_ext("v", vals)
    b.absorb_ext_bytes("v", vals.tobytes())
    assert a.challenge_bytes("c", 32) == b.challenge_bytes("c", 32)
    with pytest.raises(ValueError):
        b.absorb_ext_bytes("v", vals.tobytes()[:12])
    with pytest.raises(ValueError):
        b.absorb_ext_bytes("v", np.full((1, 4), P, np.uint32).tobytes())
