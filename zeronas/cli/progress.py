"""Search progress for people and for logs: on a terminal, a bar with the ETA and the full best architecture;
piped or logged, one plain line every few seconds (scored, rate, ETA, best so far), so a long run is never
silent."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class SearchProgress:
    def __init__(self, console: Console, total: int | None, seconds: float | None = None, every: float = 10.0):
        self.console, self.total, self.seconds, self.every = console, total, seconds, every
        self.bar = None
        self.started = self.last = time.perf_counter()
        self.scored, self.best = 0, "-"
        self.printed = 0  # networks scored at the last plain line

    def __enter__(self) -> SearchProgress:
        if self.console.is_terminal:
            self.bar = Progress(
                TextColumn("[bold]scoring"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("best {task.fields[best]}"),
                console=self.console,
                transient=True,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task("search", total=self.total, best="-")
        return self

    def update(self, problem) -> None:
        self.scored, self.best = problem.scored, problem.space.format(problem.best().arch)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.scored, best=self.best)
        elif time.perf_counter() - self.last >= self.every:
            self.line()

    def line(self) -> None:
        self.last, self.printed = time.perf_counter(), self.scored
        elapsed = self.last - self.started
        rate = self.scored / elapsed if elapsed > 0 else 0.0
        etas = []
        if self.total and rate > 0:
            etas.append((self.total - self.scored) / rate)
        if self.seconds:
            etas.append(max(0.0, self.seconds - elapsed))
        eta = f", ETA {min(etas):.0f} s" if etas else ""
        of = f"/{self.total}" if self.total else ""
        self.console.print(
            f"scored {self.scored}{of} in {elapsed:.0f} s ({rate:.2f}/s{eta}), best so far {self.best}",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
        elif self.scored != self.printed and exc[0] in (None, KeyboardInterrupt):
            self.line()  # the final count, once; an error prints its own one line instead
