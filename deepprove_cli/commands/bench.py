"""`dp bench SUITE`: run a benchmark suite; a table on stderr, or the JSON records on stdout."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field

import click

from deepprove_cli.bench import SUITES
from deepprove_cli.errors import InputError


@dataclass
class BenchOptions:
    """Options every suite may read; suite-specific ones come as `-p key=value` in `extra`."""

    repeat: int = 5
    quick: bool = False
    model: str | None = None
    tokens: int | None = None
    text: str | None = None
    ctx: int | None = None
    log_sizes: list[int] | None = None
    device: str = "cpu"
    json: bool = False
    extra: dict = field(default_factory=dict)


def _parse_sizes(value: str | None) -> list[int] | None:
    if not value:
        return None
    out = []
    for part in value.split(","):
        if "-" in part:
            lo, hi = part.split("-", 1)
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(part))
    return out


def print_table(records) -> None:
    from rich.table import Table

    from deepprove_cli.console import stderr_console

    table = Table(show_header=True, header_style="bold")
    for col in ("suite", "name", "median", "throughput", "baseline", "speedup", "peak RSS"):
        table.add_column(col)
    for r in records:
        thr = f"{r.throughput:.4g} {r.unit}" if r.throughput is not None else "-"
        table.add_row(
            r.suite,
            r.name,
            f"{r.median_s * 1e3:.3f} ms",
            thr,
            r.baseline or "-",
            f"{r.speedup:.2f}x" if r.speedup is not None else "-",
            f"{r.peak_rss_mb:.0f} MB" if r.peak_rss_mb is not None else "-",
        )
    stderr_console().print(table)
    for r in records:
        if r.metrics:
            stderr_console().print(f"  {r.name}: " + ", ".join(f"{k}={v}" for k, v in r.metrics.items()))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("suite", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON records on stdout (nothing else there).")
@click.option("--repeat", default=5, show_default=True, help="Timed runs per case (the median is reported).")
@click.option("--quick", is_flag=True, help="Smaller sizes, for smoke runs.")
@click.option("--model", default=None, help="Model file for model suites.")
@click.option("--tokens", type=int, default=None, help="Tokens for model suites.")
@click.option("--text", default=None, help="Text file for accuracy suites.")
@click.option("--ctx", type=int, default=None, help="Context length for accuracy suites.")
@click.option("--log-sizes", default=None, help="log2 sizes, e.g. 16-22 or 16,20,24.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("-p", "--param", "params", multiple=True, help="Suite-specific KEY=VALUE.")
@click.option("--list", "list_suites", is_flag=True, help="List the suites.")
def bench(suite, as_json, repeat, quick, model, tokens, text, ctx, log_sizes, device, params, list_suites):
    """Run the benchmark SUITE and report medians, throughput, baselines and peak RSS."""
    if list_suites or not suite:
        for name, (_, desc) in sorted(SUITES.items()):
            click.echo(f"{name:10s} {desc}", err=not list_suites)
        if not suite and not list_suites:
            raise InputError("no suite given", hint=f"one of: {', '.join(sorted(SUITES)) or '(none yet)'}")
        return
    if suite not in SUITES:
        raise InputError(f"unknown bench suite {suite!r}", hint=f"one of: {', '.join(sorted(SUITES))}")
    if repeat < 1:
        raise InputError("--repeat must be at least 1")
    extra = {}
    for p in params:
        if "=" not in p:
            raise InputError(f"-p takes KEY=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        extra[k] = v
    try:
        sizes = _parse_sizes(log_sizes)
    except ValueError:
        raise InputError(f"--log-sizes: cannot parse {log_sizes!r}", hint="e.g. 16-22 or 16,20,24") from None
    opts = BenchOptions(repeat=repeat, quick=quick, model=model, tokens=tokens, text=text, ctx=ctx,
                        log_sizes=sizes, device=device, json=as_json, extra=extra)
    module = importlib.import_module(SUITES[suite][0])
    records = module.run(opts)
    if as_json:
        click.echo(json.dumps([r.to_json() for r in records], indent=1))
    else:
        print_table(records)
