"""Per-kernel Numba compile times: which kernels (function x signature) cost the cold start.

    python scripts/compile_times.py [--top 20] [--cache-dir DIR] [--log FILE] [-- CMD ...]

Runs CMD (default: `python -m deepprove_cli.warmup`) with NUMBA_CACHE_DIR set to DIR (default: a fresh
temporary directory, so everything compiles) and every Python process it starts recording each
dispatcher compilation (scripts/compile_probe.py). Prints the top kernels by exclusive seconds (nested
callee compilations subtracted), the top functions summed over their signatures, and the totals of
compiled and cache-loaded signatures. Run twice with the same --cache-dir to see load times.
`--report FILE` only summarizes an existing log.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

SCRIPTS = os.path.dirname(os.path.abspath(__file__))

SITECUSTOMIZE = f"""
import os, sys
if os.environ.get("DP_COMPILE_LOG"):
    sys.path.insert(0, {SCRIPTS!r})
    import compile_probe
    compile_probe.install(os.environ["DP_COMPILE_LOG"])
    del sys.path[0]
"""


def run(cmd: list[str], cache_dir: str, log: str) -> float:
    """Run cmd under the probe; returns its wall seconds."""
    with tempfile.TemporaryDirectory(prefix="dp-probe-") as site:
        with open(os.path.join(site, "sitecustomize.py"), "w") as f:
            f.write(SITECUSTOMIZE)
        env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, DP_COMPILE_LOG=log,
                   PYTHONPATH=os.pathsep.join(p for p in (site, os.environ.get("PYTHONPATH")) if p))
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=False)
        return time.perf_counter() - t0


def short(sig: str, width: int = 70) -> str:
    return sig if len(sig) <= width else sig[:width - 3] + "..."


def report(log: str, top: int) -> None:
    with open(log) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    miss = [r for r in recs if not r["hit"]]
    hit = [r for r in recs if r["hit"]]
    print(f"compiled: {len(miss)} signatures of {len({r['fn'] for r in miss})} functions, "
          f"{sum(r['excl'] for r in miss):.1f} s (LLVM {sum(r.get('llvm', 0) for r in miss):.1f} s); loaded from cache: {len(hit)} signatures, "
          f"{sum(r['excl'] for r in hit):.2f} s; processes: {len({r['pid'] for r in recs})}")
    if miss:
        print(f"\ntop {top} compiled signatures (exclusive s, inclusive s, LLVM s, function, signature)")
        for r in sorted(miss, key=lambda r: -r["excl"])[:top]:
            print(f"{r['excl']:7.2f} {r['incl']:7.2f} {r.get('llvm', 0):6.2f}  {r['fn']}  {short(r['sig'])}")
        by_fn: dict[str, list[float]] = collections.defaultdict(list)
        for r in miss:
            by_fn[r["fn"]].append(r["excl"])
        print(f"\ntop {top} functions (exclusive s summed over signatures, signatures, function)")
        for fn, xs in sorted(by_fn.items(), key=lambda kv: -sum(kv[1]))[:top]:
            print(f"{sum(xs):7.2f} {len(xs):4d}  {fn}")
        by_mod: dict[str, float] = collections.defaultdict(float)
        for r in miss:
            by_mod[r["mod"]] += r["excl"]
        print("\nby module (exclusive s)")
        for mod, s in sorted(by_mod.items(), key=lambda kv: -kv[1]):
            print(f"{s:7.1f}  {mod}")
    if hit:
        print(f"\nslowest cache loads: " + ", ".join(f"{r['fn'].rsplit('.', 1)[-1]} {r['excl']:.3f}"
                                                  for r in sorted(hit, key=lambda r: -r["excl"])[:5]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--cache-dir", help="NUMBA_CACHE_DIR to use (default: a fresh temporary one)")
    ap.add_argument("--log", help="JSON-lines log to write (default: a temporary file)")
    ap.add_argument("--report", help="summarize this existing log and exit")
    ap.add_argument("cmd", nargs="*", help="command to run (after --)")
    a = ap.parse_args()
    if a.report:
        report(a.report, a.top)
        return
    cmd = a.cmd or [sys.executable, "-m", "deepprove_cli.warmup"]
    with tempfile.TemporaryDirectory(prefix="dp-numba-cache-") as tmp:
        cache = a.cache_dir or tmp
        log = a.log or os.path.join(tmp, "compile-log.jsonl")
        if os.path.exists(log):
            os.remove(log)
        wall = run(cmd, cache, log)
        print(f"wall {wall:.1f} s (load average {os.getloadavg()[0]:.2f})")
        if os.path.exists(log):
            report(log, a.top)


if __name__ == "__main__":
    main()
