"""Hash cases of `dp bench kernels`: BLAKE3 throughput against the `blake3` package (Rust, one thread,
timed in the same run), leaf hashing, Merkle commit and openings, transcript operations.

`--quick` shrinks every size (smoke runs); `--log-sizes` sets the Merkle commit's log2 row counts;
`--device cuda` adds the GPU leaf hashing and commit.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.bench.record import Record, measure, record

SUITE = "kernels"
P = 2013265921


def _blake3_cases(opts, rng) -> list[Record]:
    import numba

    from deepprove_cli.hash.blake3 import blake3

    try:
        import blake3 as rust
    except ImportError:  # the baseline is a dev dependency
        rust = None
    n = (1 << 20) if opts.quick else (16 << 20)
    data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    base = measure(lambda: rust.blake3(data, max_threads=1).digest(), opts.repeat) if rust else None
    out = []
    threads = numba.get_num_threads()
    for name, t in (("blake3_1thread", 1), ("blake3", threads)):
        numba.set_num_threads(t)
        try:
            ours = measure(lambda: blake3(data), opts.repeat)
        finally:
            numba.set_num_threads(threads)
        out.append(record(SUITE, name, ours, params={"bytes": n, "threads": t}, work=n, unit="B/s",
                          baseline_name="blake3-rust-1thread" if rust else None, baseline=base))
    return out


def _rows_cases(opts, rng) -> list[Record]:
    from deepprove_cli.hash.rows import compress_pairs, hash_rows

    n = (1 << 12) if opts.quick else (1 << 20)
    out = []
    for cols in (8, 64):
        m = rng.integers(0, P, (n, cols), dtype=np.uint32)
        t = measure(lambda: hash_rows(m), opts.repeat)
        out.append(record(SUITE, "hash_rows", t, params={"rows": n, "cols": cols}, work=n, unit="rows/s",
                          metrics={"bytes_per_s": round(m.nbytes / t.median)}))
    d = rng.integers(0, 1 << 32, (n, 8), dtype=np.uint32)
    t = measure(lambda: compress_pairs(d), opts.repeat)
    out.append(record(SUITE, "compress_pairs", t, params={"pairs": n // 2}, work=n // 2, unit="nodes/s"))
    return out


def _merkle_cases(opts, rng) -> list[Record]:
    from deepprove_cli.hash.merkle import MerkleTree, verify_multi

    out = []
    for log_n in opts.log_sizes or ([10] if opts.quick else [20]):
        n, cols, queries = 1 << log_n, 8, 100
        m = rng.integers(0, P, (n, cols), dtype=np.uint32)
        devices = ["cpu"] + (["cuda"] if opts.device == "cuda" else [])
        for device in devices:
            t = measure(lambda: MerkleTree.build(m, device=device), opts.repeat)
            out.append(record(SUITE, "merkle_commit", t, params={"rows": n, "cols": cols, "device": device},
                              work=n, unit="rows/s"))
        tree = MerkleTree.build(m)
        q = rng.integers(0, n, queries)
        proof = tree.open(q)
        t = measure(lambda: verify_multi(tree.root, n, q, m[q], tree.open(q)), opts.repeat)
        out.append(record(SUITE, "merkle_open_verify", t, params={"rows": n, "queries": queries},
                          metrics={"proof_bytes": 32 * len(proof.nodes)}))
    return out


def _transcript_cases(opts) -> list[Record]:
    from deepprove_cli.transcript import Transcript

    t = Transcript("bench")
    ops = 200 if opts.quick else 5000
    msg = np.arange(12, dtype=np.uint32).reshape(3, 4)

    def rounds():
        for _ in range(ops):
            t.absorb_ext("round", msg)
            t.challenge_ext("challenge")

    def absorbs():
        for _ in range(ops):
            t.absorb_ext("round", msg)
        t.challenge_ext("flush")

    out = [record(SUITE, "transcript_round", measure(rounds, opts.repeat), params={"ops": ops}, work=ops,
                  unit="rounds/s", metrics={"what": "absorb_ext(3 elements) + challenge_ext"}),
           record(SUITE, "transcript_absorb", measure(absorbs, opts.repeat), params={"ops": ops}, work=ops,
                  unit="absorbs/s")]
    bits = 8 if opts.quick else 16
    g = measure(lambda: Transcript("bench-grind").grind(bits), opts.repeat)
    out.append(record(SUITE, "transcript_grind", g, params={"bits": bits}))
    return out


def cases(opts) -> list[Record]:
    """The hash and transcript records of the kernels suite."""
    rng = np.random.default_rng(0)
    if opts.device == "cuda":
        from numba import cuda

        from deepprove_cli.errors import InputError

        if not cuda.is_available():
            raise InputError("--device cuda: no CUDA device available")
    return _blake3_cases(opts, rng) + _rows_cases(opts, rng) + _merkle_cases(opts, rng) + _transcript_cases(opts)
