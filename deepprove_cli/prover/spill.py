"""The advice commitment of a long sequence, kept on disk rather than in RAM.

The advice batch's prover data is its tables (packed columns) and their codewords (twice the tables
at rate 1/2): 2.6 GB at 32 rows of SmolLM2, about 10 GB at 128. Only the opening reads them again,
and it reads the tables once and the codewords at a few query positions. So above SPILL_ELEMENTS the
batch is committed while written to a temporary container (pcs.commit_stream: one slab of codewords
in memory at a time, the same bytes as an in-memory commit) and memory-mapped back; the file is
unlinked at once (the mapping keeps it until the process ends), so nothing is left behind. Its pages
are the kernel's page cache, clean after the write: read back on demand, dropped under pressure.
"""

from __future__ import annotations

import os
import tempfile

from deepprove_cli.errors import InputError

SPILL_ELEMENTS = 1 << 27
MAGIC = b"DPADVTMP"
VERSION = 1


def spill_dir() -> str:
    """Where the temporary file goes: $DP_TMPDIR, else the system's temporary directory."""
    return os.environ.get("DP_TMPDIR") or tempfile.gettempdir()


def commit_advice(polys, params, spill_elements: int | None = None):
    """ProverData of the advice batch: in RAM below the threshold, else spilled (module docstring)."""
    from deepprove_cli.io import container
    from deepprove_cli.pcs import ProverData, commit, commit_stream

    limit = SPILL_ELEMENTS if spill_elements is None else spill_elements
    lazy = getattr(polys, "num_vars", None)   # a lazy sequence of tables (pcs.commit_shape)
    total = sum(1 << int(n) for n in lazy) if lazy is not None else sum(int(p.size) for p in polys)
    if total < limit:
        return commit(polys, params)
    stream = commit_stream(polys, params, prefix="advice/")
    try:
        fd, path = tempfile.mkstemp(prefix="dp-advice-", suffix=".tmp", dir=spill_dir())
        os.close(fd)
    except OSError as e:
        raise InputError(f"cannot create the prover's temporary file in {spill_dir()}: {e.strerror or e}",
                         hint="set DP_TMPDIR to a directory with room for a few GB") from None
    try:
        container.write(path, MAGIC, VERSION, {"pcs_data": stream.meta}, stream.specs)
        data = ProverData.from_container(stream.meta, container.read(path, kind=MAGIC, versions=[VERSION]))
    except OSError as e:
        raise InputError(f"cannot write the prover's temporary file {path}: {e.strerror or e}",
                         hint="set DP_TMPDIR to a directory with room for a few GB") from None
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    if data.commitment.root != stream.commitment.root:
        raise RuntimeError("spilled advice commitment differs from the streamed one")
    # The specs' producers are bound methods of the stream: a reference cycle that would keep its packed
    # columns (the size of the whole batch: 3.9 GB at 128 rows of SmolLM2) alive until the cyclic
    # collector's next full pass, which may come after the opening.
    stream.specs = []
    return data
