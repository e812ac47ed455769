"""Human output and progress go to stderr; stdout is reserved for --json documents and `-` artifacts."""

from __future__ import annotations

import contextlib
import sys


def stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def info(message: str) -> None:
    """A line of human output on stderr."""
    print(message, file=sys.stderr, flush=True)


class _NullTask:
    def advance(self, n: int = 1) -> None:  # noqa: D401 - mirrors the rich task API
        pass

    def update(self, **kwargs) -> None:
        pass


class _RichTask:
    def __init__(self, progress, task_id):
        self._progress = progress
        self._id = task_id

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._id, n)

    def update(self, **kwargs) -> None:
        self._progress.update(self._id, **kwargs)


@contextlib.contextmanager
def progress(description: str, total: float | None = None):
    """A progress bar on stderr when stderr is a terminal; a no-op otherwise (pipes, CI, tests)."""
    if not sys.stderr.isatty():
        yield _NullTask()
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f}" if total else ""),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    ) as bar:
        yield _RichTask(bar, bar.add_task(description, total=total))
