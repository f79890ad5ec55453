"""The batch run on Ray (the optional extra ``threadlift[cluster]``): a pool of actors, each holding one
photo engine whose models load once, fed the photos' bytes as actors free up (one photo for
``batch analyze``, a pair for ``batch compare``: the job decides).

``ray.init()`` starts Ray on this machine's cores unless an ``address`` names an existing cluster. The
driver reads the photos (files, or the vault it alone holds the key of) and puts each in Ray's object store;
the actors analyse and send back the row. Ray is imported only here, and only when a run starts.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from threadlift.services.batch import Job, Result

EXTRA_MISSING = ("Ray is not installed: batch runs need the cluster extra. Install it with "
                 "pip install 'threadlift[cluster]' (it brings Ray and PyArrow), then run the command again.")


class RayMissing(Exception):
    """The optional extra is not installed; the message names it."""


def require_ray() -> Any:
    try:
        import pyarrow  # noqa: F401  (the results are Parquet)
        import ray
    except ImportError:
        raise RayMissing(EXTRA_MISSING) from None
    return ray


class Worker:
    """One actor: the job's photo engine, whose models load once, when the actor starts."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.engine = job.start()

    def work(self, item: Any, payload: Any) -> Result:
        return self.job.work(self.engine, item, payload)

    def ping(self) -> int:
        return os.getpid()


def start(address: str | None, workers: int) -> Any:
    """Connect to the cluster at ``address``, or start Ray here with ``workers`` CPUs."""
    ray = require_ray()
    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "configure_logging": False}
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=workers, **options)
    return ray


def actor_runner(workers: int, address: str | None = None, in_flight_per_actor: int = 2) -> Any:
    """A runner for :func:`threadlift.services.batch.run` on a pool of ``workers`` actors.

    Each actor has at most ``in_flight_per_actor`` items sent to it (one at work, the next waiting beside
    it), so the driver reads photos only as fast as the pool takes them: memory stays flat for any archive
    (Ray's own ``ActorPool.map_unordered`` would read every photo first)."""

    def runner(items: Iterable[tuple[Any, Any]], job: Job) -> Iterator[Result]:
        ray = start(address, workers)
        remote = ray.remote(num_cpus=1)(Worker)
        actors = [remote.remote(job) for _ in range(workers)]
        ray.get([a.ping.remote() for a in actors])  # every actor up, its models loaded
        free = deque(actor for _ in range(in_flight_per_actor) for actor in actors)
        pending: dict[Any, Any] = {}
        try:
            for item, payload in items:
                if not free:
                    yield next_done(ray, pending, free)
                actor = free.popleft()
                pending[actor.work.remote(item, payload)] = actor
            while pending:
                yield next_done(ray, pending, free)
        finally:
            for actor in actors:
                ray.kill(actor)

    return runner


def next_done(ray: Any, pending: dict[Any, Any], free: deque[Any]) -> Result:
    """The first of the items in flight to finish; its actor takes another."""
    (ref,), _ = ray.wait(list(pending), num_returns=1)
    free.append(pending.pop(ref))
    result: Result = ray.get(ref)
    return result


def shutdown() -> None:
    try:
        import ray
    except ImportError:
        return
    if ray.is_initialized():
        ray.shutdown()
