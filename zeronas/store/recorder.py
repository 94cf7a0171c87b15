"""Recording a search into the store as it runs: the run's settings, then every scored network in order
with the search clock, committed at each progress step (a killed search keeps what it had scored)."""

from __future__ import annotations

from zeronas.store.sqlite_store import ScoreStore


class RunRecorder:
    def __init__(self, store: ScoreStore, space: str, dataset: str, strategy: str, seed: int, config: dict):
        self.store = store
        self.run_id = store.start_run(space, dataset, strategy, seed, config)
        self._written = 0

    def sync(self, problem) -> None:
        """Append the problem's history entries not yet written (one transaction)."""
        new = problem.history[self._written :]
        if not new:
            return
        with self.store._transaction():
            for step, ev in enumerate(new, start=self._written):
                self.store.record_step(
                    self.run_id, step, ev.key, problem.space.format(ev.arch), ev.clock, ev.scores.cached
                )
        self._written += len(new)

    def finish(self, problem, result: dict) -> None:
        self.sync(problem)
        self.store.finish_run(self.run_id, result)

    def fail(self, problem, error: str) -> None:
        """Keep what was scored and say why the run stopped (a failed or interrupted run is never lost)."""
        self.sync(problem)
        self.store.finish_run(self.run_id, {"error": error, "scored": problem.scored})
