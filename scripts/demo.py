"""`make demo`: the main job on the default model, with a summary.

Runs every stage of import -> quantize -> infer -> prove -> verify that exists in this version of
`dp`, and says plainly which stages are not built yet. Until the model pipeline lands, it runs the
kernel benchmarks, the part of the system that exists.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from deepprove_cli.cli import COMMANDS  # noqa: E402


def dp(*args: str) -> float:
    t0 = time.perf_counter()
    print(f"$ dp {' '.join(args)}", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "deepprove_cli", *args], check=True, cwd=REPO)
    return time.perf_counter() - t0


def main() -> int:
    stages = ["import", "quantize", "infer", "prove", "verify"]
    missing = [s for s in stages if s not in COMMANDS]
    summary = []
    if missing:
        print(f"demo: not built yet in this version: {', '.join(missing)}; running what exists.", file=sys.stderr)
    summary.append(("bench kernels --quick", dp("bench", "kernels", "--quick", "--repeat", "3")))
    print("\nsummary", file=sys.stderr)
    for name, t in summary:
        print(f"  {name:30s} {t:8.2f} s", file=sys.stderr)
    if missing:
        print(f"  not built yet: {', '.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
