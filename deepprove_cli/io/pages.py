"""Pages of memory-mapped artifacts (io.container maps every file it reads): a reader that is done with
a region lets it leave the process's resident set. The data stays in the page cache, so a later read
faults it back from there without touching the disk; what counts is that a long proof, which reads
gigabytes of mapped tables once each, never holds them all resident at once."""

from __future__ import annotations

import mmap

import numpy as np


def release_file_pages(arr: np.ndarray) -> bool:
    """Drop this process's mapping of the pages under `arr` when it views a read-only file mapping
    (io.container's): they leave the resident set and stay in the page cache, so a later read faults
    them back from there. False (nothing done) for any other memory: MADV_DONTNEED on anonymous or
    copy-on-write memory would lose its contents."""
    base = arr
    while base is not None and not isinstance(base, (mmap.mmap, memoryview)):
        base = getattr(base, "base", None)   # views, and as_strided's holder of the array it views
    if isinstance(base, memoryview):
        base = base.obj
    if not isinstance(base, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED") or arr.nbytes == 0:
        return False
    with memoryview(base) as view:
        if not view.readonly:   # ACCESS_READ maps shared and read-only: nothing of ours is in its pages
            return False
    start = np.frombuffer(base, np.uint8).ctypes.data
    lo = arr.ctypes.data - start
    hi = lo + _span(arr)
    lo -= lo % mmap.PAGESIZE
    hi = min(len(base), -(-hi // mmap.PAGESIZE) * mmap.PAGESIZE)
    if hi > lo:
        base.madvise(mmap.MADV_DONTNEED, lo, hi - lo)
    return True


def _span(arr: np.ndarray) -> int:
    """Bytes from the first element of a (possibly strided, non-negative strides) view to past its last."""
    if arr.flags.c_contiguous:
        return arr.nbytes
    return sum((d - 1) * s for d, s in zip(arr.shape, arr.strides)) + arr.itemsize
