"""Refuse, before the witness, a proof this machine certainly cannot hold.

A proof that runs out of memory is killed by the kernel after minutes of work, with no message. The
plan fixes two lower bounds up front:
- memory: the witness, every tensor as canonical u32 (the prover keeps it through the lookup phase;
  its peak is about twice that, see ARCHITECTURE "Prover memory");
- disk, when the advice batch spills (prover/spill.py): its padded tables and their codewords.
A bound above what the system reports available (MemAvailable + SwapFree; free space in
$DP_TMPDIR) is an InputError naming both numbers. Between the bound and twice the bound the proof
may or may not fit; it is attempted. DP_SKIP_RESOURCE_CHECK=1 attempts it anyway.
"""

from __future__ import annotations

import os
import shutil

from deepprove_cli.errors import InputError

GB = 1e9


def witness_bytes(plan) -> int:
    """Bytes of every non-weight tensor of the plan as u32, unpadded."""
    total = 0
    for info in plan.tensors.values():
        if info.kind != "weight":
            n = 1
            for d in info.shape:
                n *= int(d)
            total += 4 * n
    return total


def spill_bytes(plan, params) -> int:
    """Bytes of the spilled advice file: the committed tensors' padded tables and their codewords
    (multiplicity columns, a table's size each, are left out: a lower bound); 0 below the threshold."""
    from deepprove_cli.prover.spill import SPILL_ELEMENTS

    elements = sum(1 << plan.tensors[name].layout.num_vars for name in plan.committed)
    if elements < SPILL_ELEMENTS:
        return 0
    return 4 * elements * (1 + (1 << params.rate_bits))


def available_memory() -> int | None:
    """MemAvailable + SwapFree in bytes (Linux), None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f if line.split()[1:]}
    except (OSError, ValueError, IndexError):
        return None
    if "MemAvailable" not in fields:
        return None
    return fields["MemAvailable"] + fields.get("SwapFree", 0)


def available_disk(directory: str) -> int | None:
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return None


def check_resources(plan, params) -> None:
    """InputError if the witness or the spill file certainly does not fit (module docstring)."""
    from deepprove_cli.prover.spill import spill_dir

    if os.environ.get("DP_SKIP_RESOURCE_CHECK") == "1":
        return
    rows = plan.env.n_prompt + len(plan.env.outputs)
    need, have = witness_bytes(plan), available_memory()
    if have is not None and need > have:
        raise InputError(
            f"this proof needs at least {need / GB:.1f} GB of memory for its witness alone ({rows} tokens), and "
            f"{have / GB:.1f} GB is available", hint="prove fewer tokens, or on a machine with more memory "
            "(DP_SKIP_RESOURCE_CHECK=1 tries anyway)")
    disk, free = spill_bytes(plan, params), None
    if disk:
        free = available_disk(spill_dir())
    if free is not None and disk > free:
        raise InputError(
            f"this proof writes at least {disk / GB:.1f} GB of temporary file to {spill_dir()}, which has "
            f"{free / GB:.1f} GB free", hint="set DP_TMPDIR to a directory with room, or prove fewer tokens "
            "(DP_SKIP_RESOURCE_CHECK=1 tries anyway)")
