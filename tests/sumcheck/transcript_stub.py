"""A stand-in Fiat-Shamir transcript with the interface the sumcheck uses (absorb_ext, challenge_ext),
until deepprove_cli.transcript lands. Hash chain over the `blake3` package."""

import blake3
import numpy as np

P = 2013265921


class StubTranscript:
    def __init__(self, seed: bytes = b"test"):
        self.state = blake3.blake3(b"stub" + seed).digest()

    def absorb_ext(self, label, arr):
        a = np.ascontiguousarray(arr, dtype="<u4")
        self.state = blake3.blake3(self.state + label.encode() + a.tobytes()).digest()

    def challenge_ext(self, label):
        self.state = blake3.blake3(self.state + b"c" + label.encode()).digest()
        words = np.frombuffer(self.state, dtype="<u8")[:4]
        return (words % np.uint64(P)).astype(np.uint32)
