"""Multiplicities (how often each table row is looked up) and the membership checks behind them.

The prover computes them before committing: m_j = number of rows, over every lookup into the table,
whose input is start + j. A histogram with one private count array per chunk (no atomics), summed
at the end. An input outside the domain, or an output that disagrees with the table, is an input
error naming the lookup and the row: an honest prover never builds a proof for a false statement.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P, check_canonical, from_field

_P64 = np.uint64(P)
MIN_CHUNK = 1 << 16  # rows per private histogram, at least


@njit(cache=True)
def _row_index(x, start_mod):
    """(x - start) mod p for canonical x and start_mod = start mod p: the table row of x if < size."""
    d = np.uint64(x) + _P64 - np.uint64(start_mod)
    if d >= _P64:
        d -= _P64
    return d


@njit(cache=True)
def _histogram_range(x, start_mod, counts, lo, hi):
    """counts[j] += #{lo <= i < hi : x_i = start + j}; returns the first such i outside the table, or -1."""
    size = np.uint64(counts.shape[0])
    bad = -1
    for i in range(lo, hi):
        d = _row_index(x[i], start_mod)
        if d < size:
            counts[d] += np.uint32(1)
        elif bad < 0:
            bad = i
    return bad


@njit(parallel=True, cache=True)
def _histogram_par(x, start_mod, counts, first_bad):
    n = x.size
    nchunks = counts.shape[0]
    for c in prange(nchunks):
        first_bad[c] = _histogram_range(x, start_mod, counts[c], c * n // nchunks, (c + 1) * n // nchunks)


@njit(cache=True)
def _mismatch_range(x, y, start_mod, column, lo, hi):
    for i in range(lo, hi):
        if y[i] != column[_row_index(x[i], start_mod)]:
            return i
    return -1


@njit(parallel=True, cache=True)
def _mismatch_par(x, y, start_mod, column, first_bad):
    n = x.size
    nchunks = first_bad.shape[0]
    for c in prange(nchunks):
        first_bad[c] = _mismatch_range(x, y, start_mod, column, c * n // nchunks, (c + 1) * n // nchunks)


def histogram(x, start_mod, counts, first_bad) -> None:
    """counts[c, j] += #{i in chunk c : x_i = start + j}; first_bad[c] = the first row of chunk c
    outside [start, start + size), or -1. counts is (nchunks, size) zeroed uint32; chunk c covers
    rows [c n / nchunks, (c + 1) n / nchunks)."""
    if counts.shape[0] == 1:
        first_bad[0] = _histogram_range(x, start_mod, counts[0], 0, x.size)
    else:
        _histogram_par(x, start_mod, counts, first_bad)


def output_mismatch(x, y, start_mod, column, first_bad) -> None:
    """first_bad[c] = the first row i of chunk c with y_i != column[x_i - start], or -1 (x in the domain)."""
    if first_bad.shape[0] == 1:
        first_bad[0] = _mismatch_range(x, y, start_mod, column, 0, x.size)
    else:
        _mismatch_par(x, y, start_mod, column, first_bad)


def _first(bad: np.ndarray) -> int:
    hits = bad[bad >= 0]
    return int(hits.min()) if hits.size else -1


def _chunks(n: int) -> int:
    return max(1, min(get_num_threads(), n // MIN_CHUNK))


def table_multiplicities(table, lookups, names=None) -> np.ndarray:
    """The multiplicity column (uint32, table.size) of `table` for lookups given as column tuples.

    Raises InputError naming the lookup and row of the first value not in the table.
    """
    start_mod = np.uint32(table.start % P)
    total = np.zeros(table.size, dtype=np.uint64)
    outs = table.output_columns()
    for k, cols in enumerate(lookups):
        name = names[k] if names else f"lookup {k}"
        x = check_canonical(cols[0], f"{name} input column")
        nch = _chunks(x.size)
        counts = np.zeros((nch, table.size), dtype=np.uint32)
        bad = np.empty(nch, dtype=np.int64)
        histogram(x, start_mod, counts, bad)
        i = _first(bad)
        if i >= 0:
            raise InputError(f"{name}: row {i} input {int(from_field(x[i:i + 1])[0])} is outside table "
                             f"{table.name}'s domain [{table.start}, {table.start + table.size})")
        for c, (y, col) in enumerate(zip(cols[1:], outs), start=1):
            y = check_canonical(y, f"{name} output column {c}")
            output_mismatch(x, y, start_mod, col, bad)
            i = _first(bad)
            if i >= 0:
                xv = int(from_field(x[i:i + 1])[0])
                raise InputError(f"{name}: row {i} output {c} is {int(from_field(y[i:i + 1])[0])}, table "
                                 f"{table.name} has {int(table.outputs[c - 1][xv - table.start])} at input {xv}")
        total += counts.sum(axis=0, dtype=np.uint64)
    return total.astype(np.uint32)


def compute_multiplicities(tables, lookups) -> list[np.ndarray]:
    """One multiplicity column per table, for `layout.Lookup`s (validated: arity, lengths, membership)."""
    per_table: list[list] = [[] for _ in tables]
    names: list[list[str]] = [[] for _ in tables]
    for i, lk in enumerate(lookups):
        check_lookup(tables, i, lk)
        per_table[lk.table].append(lk.columns)
        names[lk.table].append(f"lookup {i}")
    return [table_multiplicities(t, cols, nm) for t, cols, nm in zip(tables, per_table, names)]


def check_lookup(tables, i: int, lk) -> None:
    """Shape checks of one lookup's columns against its table (canonical values are checked by users)."""
    if not 0 <= int(lk.table) < len(tables):
        raise InputError(f"lookup {i}: table index {lk.table} out of range")
    t = tables[lk.table]
    if len(lk.columns) != t.arity:
        raise InputError(f"lookup {i}: {len(lk.columns)} columns, table {t.name} has {t.arity}")
    n = None
    for c, col in enumerate(lk.columns):
        if not isinstance(col, np.ndarray) or col.dtype != np.uint32 or col.ndim != 1:
            raise InputError(f"lookup {i}: column {c} must be a 1-D uint32 array of field elements")
        if n is None:
            n = col.shape[0]
        elif col.shape[0] != n:
            raise InputError(f"lookup {i}: columns of different lengths ({n} and {col.shape[0]})")
    if not n:
        raise InputError(f"lookup {i}: empty columns")
