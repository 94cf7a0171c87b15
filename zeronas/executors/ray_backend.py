"""Ray backend: one actor per worker, each holding a scorer built from the ScorerSpec, on any node of the cluster.

Results come back to the caller, the single writer of the cache and score store. An actor that dies mid-task
is restarted and its task retried once by Ray; a second death, or no result within the timeout, ends the run
with a one-line error instead of hanging.
"""

from __future__ import annotations

import logging
import socket
from collections import deque
from collections.abc import Hashable

from zeronas.errors import ZeronasError
from zeronas.executors.base import ScorerSpec, join_parts, split_parts

DEFAULT_TIMEOUT_S = 600.0


class _ScoringActor:
    def __init__(self, spec: ScorerSpec):
        try:  # a user error here (data missing on that node) is reported by the first task, in one line
            self.scorer, self.error = spec.build(), None
        except ZeronasError as exc:
            self.scorer, self.error = None, str(exc)

    def measure_part(self, arch, init):
        if self.error:
            raise ZeronasError(self.error)
        return self.scorer.measure_part(arch, init)


def check_reachable(address: str | None, timeout: float = 10.0) -> None:
    """ray.init retries an unreachable head node for ever: fail fast when nothing listens at host:port."""
    if not address or address in ("auto", "local"):
        return
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ZeronasError(f"--address must be host:port, ray://host:port or 'auto', got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ZeronasError(f"cannot reach a Ray cluster at {address}: {exc.strerror or exc}") from None


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ZeronasError("--backend ray needs Ray: pip install 'zeronas[ray]'") from None
    return ray


class RayExecutor:
    def __init__(
        self, spec: ScorerSpec, workers: int = 1, address: str | None = None, task_timeout: float = DEFAULT_TIMEOUT_S
    ):
        self.ray = _import_ray()
        if not self.ray.is_initialized():
            check_reachable(address)
        self.spec, self.workers, self.address, self.task_timeout = spec, workers, address, task_timeout
        self._actors: list = []
        self._owns_ray = False

    def _start(self) -> list:
        ray = self.ray
        if not ray.is_initialized():
            try:  # address None starts a private local instance; "auto" or host:port joins a cluster
                ray.init(
                    address=self.address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ZeronasError(
                    f"cannot start or reach Ray at {self.address or 'a new local instance'}: {first}"
                ) from None
            self._owns_ray = True
            cpus = int(ray.cluster_resources().get("CPU", 0))
            if cpus < self.workers:  # a private instance never grows: the extra actors would wait for ever
                self.close()
                raise ZeronasError(
                    f"--workers {self.workers} needs {self.workers} CPUs; this local Ray instance has "
                    f"{cpus} (join a cluster with --address)"
                )
        if not self._actors:
            actor = ray.remote(num_cpus=1, max_restarts=1, max_task_retries=1)(_ScoringActor)
            self._actors = [actor.remote(self.spec) for _ in range(self.workers)]
        return self._actors

    def compute(self, archs: list[Hashable]) -> list:
        """Scores in order, one task per (arch, init); each actor has one task in flight, so faster nodes take
        more of them."""
        ray = self.ray
        tasks = split_parts(self.spec, archs)
        results: list = [None] * len(tasks)
        queue, idle, running = deque(enumerate(tasks)), list(self._start()), {}
        while queue or running:
            while queue and idle:
                index, (arch, init) = queue.popleft()
                actor = idle.pop()
                running[actor.measure_part.remote(arch, init)] = (index, actor)
            done, _ = ray.wait(list(running), num_returns=1, timeout=self.task_timeout)
            if not done:
                self.close()
                raise ZeronasError(
                    f"no scoring result from Ray within {self.task_timeout:g} s (workers hung, or the "
                    f"cluster has fewer than {self.workers} free CPUs?)"
                )
            index, actor = running.pop(done[0])
            try:
                results[index] = ray.get(done[0])
            except ray.exceptions.RayActorError:
                self.close()
                raise ZeronasError(
                    "a Ray scoring worker died twice (out of memory or killed?); its retry failed too"
                ) from None
            except ray.exceptions.RayTaskError as exc:
                self.close()
                cause = getattr(exc, "cause", None)
                if isinstance(cause, ZeronasError):
                    raise ZeronasError(str(cause)) from None
                first = (str(cause) or type(cause).__name__).strip().splitlines()[0]
                raise ZeronasError(f"scoring failed on a Ray worker: {type(cause).__name__}: {first}") from None
            idle.append(actor)
        return join_parts(self.spec, results)

    def close(self) -> None:
        for actor in self._actors:
            try:
                self.ray.kill(actor)
            except Exception:  # already dead: nothing to release
                pass
        self._actors = []
        if self._owns_ray and self.ray.is_initialized():
            self.ray.shutdown()
            self._owns_ray = False
