"""When a parallel kernel should use one thread: small inputs.

A `parallel=True` kernel pays a fork-join on every call (microseconds), and on a busy machine far
more: a region must wait for its slowest thread, and a thread whose core is taken waits for a
scheduler slice (measured on the shared 2-core box: 15-30 ms for a 2^16 product that needs
20 us). Below PARALLEL_MIN elements the work is cheaper than that risk, so the checked wrappers run
their kernels with one thread (`numba.set_num_threads` is per calling thread and cheap). 2^17
elements take ~50-100 us on one core for the cheap ops, about where two threads start to pay off
even with that risk.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba

PARALLEL_MIN = 1 << 17


@contextmanager
def threads_for(n: int):
    """Run the enclosed kernels single-threaded when n (elements of work) is below PARALLEL_MIN."""
    if n >= PARALLEL_MIN:
        yield
        return
    prev = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(prev)
