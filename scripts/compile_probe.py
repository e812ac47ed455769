"""Records every Numba dispatcher compilation (or cache load) of this process as JSON lines.

Loaded through a generated `sitecustomize` by scripts/compile_times.py, so that the subprocesses a
command starts (pytest's CLI and simulator tests, warm-up workers) are measured too. Each record:
{"fn": module.qualname, "mod": module, "sig": argument types, "hit": loaded from the cache,
"incl": seconds, "excl": seconds less the nested compilations of callees it triggered,
"llvm": seconds holding numba's LLVM lock (compiles only), "pid": process}.

Numba is patched when the program itself imports it (an import hook), so a process that never
imports numba (`dp --help`) stays that way.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import sys
import time

TARGET = "numba.core.dispatcher"


def _patch(dispatcher, log_path: str) -> None:
    """Wrap `Dispatcher.compile` (the one entry for both compiling a signature and loading it cached)."""
    original = dispatcher.Dispatcher.compile
    stack: list[float] = []  # nested-callee seconds of each open compile

    def compile(self, sig):
        known = len(self.overloads)
        hits = sum(self._cache_hits.values())
        stack.append(0.0)
        t0 = time.perf_counter()
        try:
            return original(self, sig)
        finally:
            incl = time.perf_counter() - t0
            nested = stack.pop()
            if stack:
                stack[-1] += incl
            if len(self.overloads) > known:  # not an already-loaded signature
                py = self.py_func
                hit = sum(self._cache_hits.values()) > hits
                timers = {}
                if not hit:
                    cres = list(self.overloads.values())[-1]
                    timers = (getattr(cres, "metadata", None) or {}).get("timers") or {}
                rec = {"fn": f"{py.__module__}.{py.__qualname__}", "mod": py.__module__, "sig": str(sig),
                       "hit": hit, "incl": incl, "excl": incl - nested, "llvm": timers.get("llvm_lock", 0.0),
                       "pid": os.getpid()}
                with open(log_path, "a") as f:
                    f.write(json.dumps(rec) + "\n")

    dispatcher.Dispatcher.compile = compile


class _Hook(importlib.abc.MetaPathFinder):
    """Finds `numba.core.dispatcher` through the other finders and patches it right after it executes."""

    def __init__(self, log_path: str):
        self.log_path = log_path

    def find_spec(self, name, path=None, target=None):
        if name != TARGET:
            return None
        sys.meta_path.remove(self)  # once
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch(module, self.log_path)

        spec.loader.exec_module = exec_module
        return spec


def install(log_path: str) -> None:
    sys.meta_path.insert(0, _Hook(log_path))
