"""The JSON record of DESIGN.md section 1, medians, side-by-side baselines and peak RSS.

Every suite builds its records here so the schema stays in one place:
{"suite", "name", "params", "median_s", "throughput", "unit", "baseline", "speedup",
 "peak_rss_mb", "metrics"}; `speedup` = baseline median / ours, both timed in the same run.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable


def _status_kb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss() -> None:
    """Reset the process's peak RSS (Linux: VmHWM) so the next reading covers one benchmark only."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024.0, 1)


@dataclass
class Timing:
    times: list[float]
    peak_rss_mb: float

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def measure(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1, setup: Callable[[], Any] | None = None) -> Timing:
    """Median-ready wall times of `fn()` over `repeat` runs after `warmup` untimed runs.

    `setup`, if given, runs untimed before each call (e.g. to copy an input an in-place kernel consumes).
    Peak RSS is measured over the timed runs only.
    """
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    reset_peak_rss()
    times = []
    for _ in range(max(1, repeat)):
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return Timing(times, peak_rss_mb())


@dataclass
class Record:
    suite: str
    name: str
    params: dict = field(default_factory=dict)
    median_s: float = 0.0
    throughput: float | None = None
    unit: str | None = None
    baseline: str | None = None
    speedup: float | None = None
    peak_rss_mb: float | None = None
    metrics: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "suite": self.suite,
            "name": self.name,
            "params": self.params,
            "median_s": self.median_s,
            "throughput": self.throughput,
            "unit": self.unit,
            "baseline": self.baseline,
            "speedup": self.speedup,
            "peak_rss_mb": self.peak_rss_mb,
            "metrics": self.metrics,
        }


def record(suite: str, name: str, ours: Timing, *, params: dict | None = None, work: float | None = None,
           unit: str | None = None, baseline_name: str | None = None, baseline: Timing | None = None,
           metrics: dict | None = None) -> Record:
    """Build a record from our timing and (optionally) a baseline timed in the same run.

    `work` is the amount of work per call in `unit` (elements, bytes, ...): throughput = work / median.
    """
    med = ours.median
    speedup = None
    if baseline is not None:
        speedup = round(baseline.median / med, 3) if med > 0 else None
        metrics = dict(metrics or {}, baseline_median_s=baseline.median)
    return Record(
        suite=suite,
        name=name,
        params=params or {},
        median_s=med,
        throughput=(work / med) if (work is not None and med > 0) else None,
        unit=unit,
        baseline=baseline_name,
        speedup=speedup,
        peak_rss_mb=ours.peak_rss_mb,
        metrics=metrics or {},
    )


def measure_alternating(fns: list[Callable[[], Any]], repeat: int) -> list[Timing]:
    """Time each of `fns` `repeat` times, alternating between them after one untimed warm-up each, so a
    baseline and ours see the same machine conditions (load drifts on a shared box)."""
    for f in fns:
        f()
    times: list[list[float]] = [[] for _ in fns]
    peaks = [0.0 for _ in fns]
    for _ in range(max(1, repeat)):
        for k, f in enumerate(fns):
            t = measure(f, repeat=1, warmup=0)
            times[k] += t.times
            peaks[k] = max(peaks[k], t.peak_rss_mb)
    return [Timing(t, p) for t, p in zip(times, peaks)]
