"""io.pages.release_file_pages: mapped pages leave the resident set, nothing else is touched."""

import sys

import pytest


def _rss_file_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssFile:"):
                return int(line.split()[1])
    raise AssertionError("no RssFile in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RssFile and madvise are Linux's")
def test_release_file_pages_drops_mapped_pages_only(tmp_path):
    """A view of a mapped container array: its pages leave the resident set and read back unchanged. An
    in-RAM array is left alone (MADV_DONTNEED would zero it)."""
    import numpy as np

    from deepprove_cli.io import container
    from deepprove_cli.io.pages import release_file_pages

    data = np.arange(1 << 23, dtype=np.uint32)   # 32 MiB
    path = str(tmp_path / "c.bin")
    container.write(path, b"DPTESTMM", 1, {}, [container.ArraySpec.of("a", data)])
    arr = container.read(path, kind=b"DPTESTMM", versions=[1])["a"]
    part = arr[1 << 20:]
    assert int(part.sum(dtype=np.uint64)) == int(data[1 << 20:].sum(dtype=np.uint64))   # every page resident
    before = _rss_file_kb()
    assert release_file_pages(part)
    after = _rss_file_kb()
    assert before - after > 20 * 1024, (before, after)   # most of the 28 MiB left
    assert (part == data[1 << 20:]).all()                   # faulted back from the page cache
    ram = data.copy()
    assert not release_file_pages(ram[5:])
    assert (ram == data).all()


def test_release_file_pages_reaches_a_spilled_batchs_tables():
    """The spilled advice batch's tables (as_strided views of the mapped file) are releasable, and read the
    same after the release."""
    import numpy as np

    from deepprove_cli.pcs import DEFAULT_PARAMS
    from deepprove_cli.io.pages import release_file_pages
    from deepprove_cli.prover.spill import commit_advice

    rng = np.random.default_rng(0)
    polys = [rng.integers(0, 1000, 1 << n, dtype=np.uint32) for n in (16, 12, 5, 17)]
    data = commit_advice(polys, DEFAULT_PARAMS, spill_elements=0)
    for i, p in enumerate(polys):
        assert release_file_pages(data.table(i))
        assert (data.table(i) == p).all()
