"""Field cases of `dp bench kernels`: BabyBear and ext4 arithmetic and NTTs, each beside a baseline
timed in the same run (numpy for the elementwise ops, `numpy.fft.fft` of the same length for
the NTT, the unoptimized alternative where numpy has nothing comparable).

`--quick` shrinks every size; `--log-sizes` sets the NTT sizes (default 16..22); `--device cuda`
adds the GPU NTT and product (transfers included) against the CPU kernels.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np

from deepprove_cli.bench.record import Record, measure, record

SUITE = "kernels"
P = 2013265921


def _numpy_mul(a, b):
    return ((a.astype(np.uint64) * b) % P).astype(np.uint32)


def _numpy_ext_mul(a, b):
    """Schoolbook ext4 product with numpy uint64 (each partial sum reduced before it can overflow)."""
    a64 = a.astype(np.uint64)
    b64 = b.astype(np.uint64)
    out = np.zeros(a.shape, dtype=np.uint64)
    for i in range(4):
        for j in range(4):
            t = a64[:, i] * b64[:, j] % P
            if i + j >= 4:
                out[:, i + j - 4] += t * 11 % P
            else:
                out[:, i + j] += t
    return (out % P).astype(np.uint32)


def _versus(opts, name, ours_fn, base_fn, base_name, params, work, metrics=None) -> Record:
    """One record of `ours_fn` against `base_fn` (or alone when base_fn is None), timed in turn."""
    base = measure(base_fn, opts.repeat) if base_fn else None
    ours = measure(ours_fn, opts.repeat)
    extra = metrics(ours.median) if metrics else None
    return record(SUITE, name, ours, params=params, work=work, unit="elem/s", baseline_name=base_name,
                  baseline=base, metrics=extra)


@contextmanager
def _threads(t: int):
    prev = numba.get_num_threads()
    numba.set_num_threads(t)
    try:
        yield
    finally:
        numba.set_num_threads(prev)


def _thread_counts() -> list[tuple[str, int]]:
    """(name suffix, threads): all threads, and one thread when there are more. On a shared box a
    parallel region waits for its slowest thread (a descheduled one costs scheduler ticks), so the
    one-thread figures are the steadier comparison there."""
    n = numba.get_num_threads()
    return [("", n)] + ([("_1thread", 1)] if n > 1 else [])


def _base_cases(opts, rng) -> list[Record]:
    from deepprove_cli.field import vec

    n = (1 << 16) if opts.quick else (1 << 24)
    a = rng.integers(0, P, n, dtype=np.uint32)
    b = rng.integers(0, P, n, dtype=np.uint32)
    x = a[: n >> 4].copy()
    params = {"n": n, "threads": numba.get_num_threads()}
    out = []
    for suffix, threads in _thread_counts():
        with _threads(threads):
            out.append(_versus(opts, "field_mul" + suffix, lambda: vec.mul(a, b, check=False),
                               lambda: _numpy_mul(a, b), "numpy (a*b)%p uint64", dict(params, threads=threads), n,
                               lambda t: {"GB_per_s": round(12 * n / t / 1e9, 2)}))
    return out + [
        _versus(opts, "field_inner", lambda: vec.inner(a, b, check=False),
                lambda: int((a.astype(np.uint64) * b % P).sum() % P), "numpy sum((a*b)%p)", params, n,
                lambda t: {"GB_per_s": round(8 * n / t / 1e9, 2)}),
        _versus(opts, "batch_inv", lambda: vec.batch_inv(x, check=False), lambda: vec.pow_(x, P - 2, check=False),
                "x^(p-2) per element", dict(params, n=x.size), x.size),
    ]


def _ext_cases(opts, rng) -> list[Record]:
    from deepprove_cli.field import ext4_vec

    n = (1 << 12) if opts.quick else (1 << 20)
    a = rng.integers(0, P, (n, 4), dtype=np.uint32)
    b = rng.integers(0, P, (n, 4), dtype=np.uint32)
    s = rng.integers(0, P, n, dtype=np.uint32)
    x = a[: n >> 2].copy()
    params = {"n": n, "threads": numba.get_num_threads()}
    out = []
    for suffix, threads in _thread_counts():
        with _threads(threads):
            out.append(_versus(opts, "ext4_mul" + suffix, lambda: ext4_vec.mul(a, b, check=False),
                               lambda: _numpy_ext_mul(a, b), "numpy schoolbook uint64", dict(params, threads=threads),
                               n, lambda t: {"ns_per_mul": round(t / n * 1e9, 3)}))
    return out + [
        _versus(opts, "ext4_inner_base", lambda: ext4_vec.inner_base(a, s, check=False), None, None, params, n),
        _versus(opts, "ext4_batch_inv", lambda: ext4_vec.batch_inv(x, check=False), None, None,
                dict(params, n=x.size), x.size),
    ]


def _ntt_cases(opts, rng) -> list[Record]:
    from deepprove_cli.field import ntt

    out = []
    for log_n in opts.log_sizes or ([10, 12] if opts.quick else list(range(16, 23))):
        n = 1 << log_n
        x = rng.integers(0, P, n, dtype=np.uint32)
        c = rng.random(n) + 1j * rng.random(n)
        base = measure(lambda: np.fft.fft(c), opts.repeat)
        for suffix, threads in _thread_counts():
            for name, br in (("ntt", False), ("ntt_bitrev", True)):
                with _threads(threads):
                    ours = measure(lambda: ntt.ntt(x, bit_reversed=br), opts.repeat)
                out.append(record(SUITE, name + suffix, ours, params={"log_n": log_n, "threads": threads}, work=n,
                                  unit="elem/s", baseline_name="numpy.fft.fft complex128", baseline=base,
                                  metrics={"ns_per_butterfly": round(ours.median / (n // 2 * max(1, log_n)) * 1e9, 3)}))
    log_k = 10 if opts.quick else 20
    coeffs = rng.integers(0, P, 1 << log_k, dtype=np.uint32)
    padded = np.zeros(2 << log_k, dtype=np.uint32)
    padded[: 1 << log_k] = coeffs
    out.append(_versus(opts, "lde_rate_half", lambda: ntt.lde(coeffs, 1),
                       lambda: ntt.coset_ntt(padded, bit_reversed=True), "coset_ntt of the zero-padded vector",
                       {"log_k": log_k, "log_blowup": 1, "threads": numba.get_num_threads()}, 2 << log_k))
    return out


def _cuda_cases(opts, rng) -> list[Record]:
    from numba import cuda

    from deepprove_cli.errors import InputError
    from deepprove_cli.field import cuda as fcuda
    from deepprove_cli.field import ntt, ntt_cuda, vec

    if not cuda.is_available():
        raise InputError("--device cuda: no CUDA device available")
    out = []
    n = (1 << 16) if opts.quick else (1 << 24)
    a = rng.integers(0, P, n, dtype=np.uint32)
    b = rng.integers(0, P, n, dtype=np.uint32)
    da, db = cuda.to_device(a), cuda.to_device(b)
    base = measure(lambda: vec.mul(a, b, check=False), opts.repeat)
    ours = measure(lambda: (fcuda.mul(da, db), cuda.synchronize()), opts.repeat)
    out.append(record(SUITE, "field_mul_cuda", ours, params={"n": n, "device": "cuda", "resident": True}, work=n,
                      unit="elem/s", baseline_name="field_mul cpu", baseline=base))
    for log_n in opts.log_sizes or ([10, 12] if opts.quick else [16, 20, 22]):
        x = rng.integers(0, P, 1 << log_n, dtype=np.uint32)
        base = measure(lambda: ntt.ntt(x, bit_reversed=True), opts.repeat)
        ours = measure(lambda: ntt_cuda.ntt(x, bit_reversed=True), opts.repeat)
        out.append(record(SUITE, "ntt_bitrev_cuda", ours, params={"log_n": log_n, "device": "cuda",
                                                                  "transfers": True},
                          work=1 << log_n, unit="elem/s", baseline_name="ntt_bitrev cpu", baseline=base))
    return out


def cases(opts) -> list[Record]:
    """The field records of the `kernels` suite (see the module docstring)."""
    rng = np.random.default_rng(2024)
    out = _base_cases(opts, rng) + _ext_cases(opts, rng) + _ntt_cases(opts, rng)
    if opts.device == "cuda":
        out += _cuda_cases(opts, rng)
    return out
