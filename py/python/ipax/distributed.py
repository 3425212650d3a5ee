"""Many independent solves at once: :func:`map_solve` on threads, a Dask cluster or Ray.

Each *item* is one solve, in one of these forms (the worker picks the call from the item's type):

* ``(problem, x0)`` with an :class:`ipax.Problem` → ``problem.solve(x0)``, i.e. ``(x, info)``;
* ``(solver, x0)`` with an :class:`ipax.Solver` → ``solver.solve(x0)`` (``x0`` may be ``None`` for
  a session that has solved before; on threads the session keeps its KKT factor for the caller's
  ``kkt_solve``, on processes the factor is rebuilt by the next ``kkt_solve``, as after unpickling);
* ``(jax_problem, p, x0)`` with an :class:`ipax.jax.JaxProblem` → ``jax_problem.solve(p, x0)`` as a
  NumPy array;
* a ``dict`` → ``ipax.minimize(**item)`` (an ``OptimizeResult``);
* a callable taking no argument → ``item()``;
* anything else, with ``solve=fn`` → ``fn(item)`` (``solve`` overrides the forms above).

``batch_size=k`` groups ``k`` items per task on the process engines (fewer, longer tasks).

Results come back as a list of :class:`ItemResult`, in the order of ``items``. An item that raises
(a callback error, a bad input, a worker that died, an item that cannot be pickled) gives an
``ItemResult`` with ``ok = False`` and the error text; it never stops the other items.

Engines (``client=``):

* ``None`` — a local thread pool of ``max_workers`` threads (default: ``os.cpu_count()``); the
  Rust solve releases the GIL, so solves overlap except inside Python callbacks (see
  ``py/docs/distributed.md`` for the 1-vs-2-thread measurements);
* a ``dask.distributed.Client`` — one task per item (``client.submit(..., pure=False)``), items and
  ``solve`` serialized by Dask (cloudpickle, so closures and lambdas travel);
* ``"ray"`` (or the ``ray`` module) — one ``ray.remote`` task per item; ``ray.init()`` is called
  (with ``num_cpus=max_workers``) when Ray is not initialized yet;
* any :class:`concurrent.futures.Executor` (e.g. a ``ProcessPoolExecutor``) — items are sent as
  cloudpickle blobs when cloudpickle is installed, so closures work there too.

Problems and solvers are pickled to reach process workers: :class:`ipax.Problem`,
:class:`ipax.Solver` (its held KKT factor is dropped and rebuilt on demand) and
:class:`ipax.jax.JaxProblem` (jitted functions rebuilt) all support it. In the thread mode items
are *shared* with the caller: do not put the same ``Problem`` or ``Solver`` object in two items.
"""

from __future__ import annotations

import concurrent.futures
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ["ItemResult", "map_solve"]


@dataclass
class ItemResult:
    """The outcome of one item of :func:`map_solve`.

    ``ok`` is ``False`` when the item raised; then ``value`` is ``None`` and ``error`` holds
    ``"ExceptionType: message"`` (``traceback`` the formatted traceback when it was raised on the
    worker). ``seconds`` is the wall time of the item on its worker, ``worker`` names where it ran
    (``"thread:<id>"``, ``"pid:<pid>@<host>"``).
    """

    index: int
    ok: bool
    value: Any = None
    error: Optional[str] = None
    traceback: Optional[str] = None
    seconds: float = 0.0
    worker: str = ""

    @property
    def success(self) -> bool:
        """``ok`` and the solver reported success (``info["success"]``, ``OptimizeResult.success``;
        items whose value carries no status count as successful when ``ok``)."""
        if not self.ok:
            return False
        return _value_success(self.value)

    @property
    def x(self) -> Optional[np.ndarray]:
        """The solution vector of the value, when it has one (``(x, info)``, ``OptimizeResult``,
        an array)."""
        v = self.value
        if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], dict):
            return np.asarray(v[0])
        if hasattr(v, "x"):
            return np.asarray(v.x)
        if isinstance(v, np.ndarray):
            return v
        return None


def _value_success(v: Any) -> bool:
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], dict) and "success" in v[1]:
        return bool(v[1]["success"])
    if isinstance(v, dict) and "success" in v:
        return bool(v["success"])
    s = getattr(v, "success", None)
    return True if s is None else bool(s)


def _solve_item(item: Any, solve: Optional[Callable[[Any], Any]]) -> Any:
    """Run one item (the forms of the module docs)."""
    if solve is not None:
        return solve(item)
    from . import Problem, Solver, minimize

    if isinstance(item, dict):
        return minimize(**item)
    if isinstance(item, tuple) and item:
        head = item[0]
        if isinstance(head, Problem) and len(item) == 2:
            return head.solve(item[1])
        if isinstance(head, Solver) and len(item) == 2:
            # The session keeps its KKT factor: it is thread-safe, so the caller's kkt_solve
            # uses it directly (a process engine pickles the session, which drops the factor,
            # and kkt_solve rebuilds it there).
            return head.solve(item[1])
        if type(head).__name__ == "JaxProblem" and len(item) == 3:
            return np.asarray(head.solve(item[1], item[2]))
    if callable(item):
        return item()
    raise TypeError(
        f"cannot solve an item of type {type(item).__name__}: give (Problem, x0), (Solver, x0), "
        "(JaxProblem, p, x0), a dict of minimize arguments, a callable, or solve=fn"
    )


def _where(thread: bool) -> str:
    return f"thread:{threading.get_ident()}" if thread else f"pid:{os.getpid()}@{socket.gethostname()}"


def _run(index: int, item: Any, solve: Optional[Callable[[Any], Any]], thread: bool = False) -> ItemResult:
    """Run one item on a worker; every exception becomes a failed :class:`ItemResult`."""
    t0 = time.perf_counter()
    try:
        value = _solve_item(item, solve)
    except Exception as e:  # noqa: BLE001 - reported per item, by design
        return ItemResult(index, False, None, f"{type(e).__name__}: {e}", traceback.format_exc(),
                          time.perf_counter() - t0, _where(thread))
    return ItemResult(index, True, value, None, None, time.perf_counter() - t0, _where(thread))


def _run_blob(blob: bytes) -> List[ItemResult]:
    """:func:`_run_chunk` on a cloudpickled ``(chunk, solve)`` (for executors that use plain pickle)."""
    import cloudpickle  # type: ignore[import-not-found,import-untyped,unused-ignore]

    chunk, solve = cloudpickle.loads(blob)
    return _run_chunk(_Payload(chunk, solve))


class _Payload:
    """A chunk of ``(index, item)`` pairs and ``solve`` in an opaque box: Dask walks the tuples,
    lists and dicts it is given (a tuple whose first element is callable reads as a task), so
    items travel wrapped."""

    __slots__ = ("item", "solve")

    def __init__(self, item: Any, solve: Optional[Callable[[Any], Any]]) -> None:
        self.item = item
        self.solve = solve

    def __getstate__(self) -> Tuple[Any, Any]:
        return (self.item, self.solve)

    def __setstate__(self, state: Tuple[Any, Any]) -> None:
        self.item, self.solve = state


def _run_chunk(payload: _Payload, thread: bool = False) -> List[ItemResult]:
    """Run the items of one task, one after another."""
    return [_run(i, it, payload.solve, thread) for i, it in payload.item]


def _failed(index: int, e: BaseException) -> ItemResult:
    """An item whose task could not be sent or whose worker failed (raised on the client side)."""
    return ItemResult(index, False, None, f"{type(e).__name__}: {e}", None, 0.0, "")


def _is_dask_client(client: Any) -> bool:
    return type(client).__module__.split(".")[0] == "distributed" and hasattr(client, "submit")


def _is_ray(client: Any) -> bool:
    return (isinstance(client, str) and client == "ray") or getattr(client, "__name__", None) == "ray"


def map_solve(
    items: Iterable[Any],
    client: Any = None,
    *,
    solve: Optional[Callable[[Any], Any]] = None,
    max_workers: Optional[int] = None,
    batch_size: int = 1,
) -> List[ItemResult]:
    """Solve every item and return one :class:`ItemResult` per item, in input order.

    ``client``: ``None`` (threads), a ``dask.distributed.Client``, ``"ray"``, or a
    ``concurrent.futures.Executor`` (module docs). ``solve``: a function applied to each item
    instead of the built-in dispatch (it must be picklable by cloudpickle for process engines).
    ``max_workers``: threads of the local mode (``1`` runs the items one after another in the
    calling thread) and ``num_cpus`` of ``ray.init`` when Ray is started here. ``batch_size``:
    items per task on Dask, Ray and executors (run one after another in the task), which divides
    the per-task overhead (Dask's is 0.2–1 ms) for many small solves; the thread mode ignores it.

    Failures are per item: ``ok = False`` with the error text, never raised (a task that dies
    fails each item of its batch). Bad arguments to ``map_solve`` itself raise
    ``TypeError``/``ValueError``.
    """
    seq: Sequence[Any] = list(items)
    if solve is not None and not callable(solve):
        raise TypeError("solve must be callable")
    for name, v in (("max_workers", max_workers), ("batch_size", batch_size)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if client is None:
        return _map_threads(seq, solve, max_workers)
    chunks = [list(enumerate(seq))[k : k + batch_size] for k in range(0, len(seq), batch_size)]
    if _is_ray(client):
        return _map_ray(chunks, solve, max_workers)
    if _is_dask_client(client):
        return _map_futures(chunks, lambda c: client.submit(_run_chunk, _Payload(c, solve), pure=False))
    if isinstance(client, concurrent.futures.Executor):
        return _map_executor(chunks, solve, client)
    raise TypeError(
        f"client must be None, a dask.distributed.Client, 'ray' or a concurrent.futures.Executor, "
        f"got {type(client).__name__}"
    )


def _map_threads(seq: Sequence[Any], solve: Optional[Callable[[Any], Any]], max_workers: Optional[int]) -> List[ItemResult]:
    workers = max_workers if max_workers is not None else (os.cpu_count() or 1)
    if workers == 1 or len(seq) <= 1:
        return [_run(i, it, solve, thread=True) for i, it in enumerate(seq)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(workers, len(seq))) as pool:
        futures = [pool.submit(_run, i, it, solve, True) for i, it in enumerate(seq)]
        return [f.result() for f in futures]


Chunk = List[Tuple[int, Any]]


def _map_futures(chunks: Sequence[Chunk], submit: Callable[[Chunk], Any]) -> List[ItemResult]:
    """Submit every chunk, then collect in order; a failed submission or a task that died on its
    worker (the task itself never raises: :func:`_run` catches) fails each item of its chunk."""
    futures: List[Any] = []
    for c in chunks:
        try:
            futures.append(submit(c))
        except Exception as e:  # noqa: BLE001 - e.g. an item cannot be serialized
            futures.append([_failed(i, e) for i, _ in c])
    out: List[ItemResult] = []
    for c, f in zip(chunks, futures):
        if isinstance(f, list):
            out.extend(f)
            continue
        try:
            out.extend(f.result())
        except Exception as e:  # noqa: BLE001 - worker death, deserialization error, cancellation
            out.extend(_failed(i, e) for i, _ in c)
    return out


def _map_executor(chunks: Sequence[Chunk], solve: Optional[Callable[[Any], Any]],
                  executor: concurrent.futures.Executor) -> List[ItemResult]:
    if isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        return _map_futures(chunks, lambda c: executor.submit(_run_chunk, _Payload(c, solve), True))
    try:
        import cloudpickle  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:  # plain pickle: module-level callables only
        return _map_futures(chunks, lambda c: executor.submit(_run_chunk, _Payload(c, solve)))
    return _map_futures(chunks, lambda c: executor.submit(_run_blob, cloudpickle.dumps((c, solve))))


def _map_ray(chunks: Sequence[Chunk], solve: Optional[Callable[[Any], Any]], max_workers: Optional[int]) -> List[ItemResult]:
    try:
        import ray  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as e:
        raise ImportError("client='ray' needs the ray package (pip install ray)") from e
    if not ray.is_initialized():
        ray.init(num_cpus=max_workers, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(_run_chunk)
    return _map_futures(chunks, lambda c: _RayFuture(ray, remote.remote(_Payload(c, solve))))


class _RayFuture:
    """``ray.get`` behind the ``result()`` of a future."""

    def __init__(self, ray: Any, ref: Any) -> None:
        self._ray = ray
        self._ref = ref

    def result(self) -> List[ItemResult]:
        r: List[ItemResult] = self._ray.get(self._ref)
        return r
