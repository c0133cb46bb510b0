"""Dask plumbing: where the cluster is, connecting to it, and running chunks of a list on it.

:class:`Cluster` is the one value that names a cluster (scheduler address or
``'local'``, local worker count, list lines per task); it declares its own
command-line options. Commands that spread work over a cluster (``mirex
embed``, the pre-training log-mel cache) take a ``Cluster`` and call
:meth:`Cluster.map`. Dask is imported only when a cluster is used.
"""
import contextlib
import logging
from dataclasses import dataclass

from mirex.errors import MirexError
from mirex.extract import positive_int
from mirex.threads import default_jobs

__all__ = ["CHUNK_SIZE", "Cluster", "ClusterError", "map_chunks"]

#: Chunk size used when none is given: large enough that the per-task overhead
#: of the scheduler (milliseconds) vanishes next to the extraction (~0.1 s a clip).
CHUNK_SIZE = 256


class ClusterError(MirexError):
    """The Dask scheduler cannot be reached, its workers cannot do the job, or the settings disagree."""


@dataclass(frozen=True)
class Cluster:
    """A Dask cluster to compute on.

    Parameters
    ----------
    scheduler : str
        ``'local'`` for a cluster of worker processes on this machine, or the
        address of a running scheduler (``tcp://HOST:PORT``).
    workers : int, optional
        Worker processes of a local cluster, one thread each (default: all
        cores); only with ``scheduler='local'``.
    chunk_size : int
        List lines per Dask task.

    Raises
    ------
    ClusterError
        If ``workers`` is given for a remote scheduler, or a size is below 1.
    """

    scheduler: str
    workers: int | None = None
    chunk_size: int = CHUNK_SIZE

    def __post_init__(self):
        if self.workers is not None and self.scheduler != "local":
            raise ClusterError("--workers is the size of a local cluster: give it with --scheduler local")
        if (self.workers is not None and self.workers < 1) or self.chunk_size < 1:
            raise ClusterError(f"workers and chunk size must be at least 1, not {self.workers} and {self.chunk_size}")

    @staticmethod
    def add_arguments(parser):
        """Declare ``--scheduler``, ``--workers`` and ``--chunk-size`` on an argparse parser."""
        group = parser.add_argument_group("Dask (optional: pip install -e '.[dask]')")
        group.add_argument("--scheduler", metavar="ADDRESS",
                           help="compute on a Dask cluster: tcp://HOST:PORT of a running scheduler, or 'local' for "
                                "worker processes on this machine (embed: results go by the chunk to OUT's .chunks "
                                "folder and a re-run resumes there; pretrain: the log-mel cache)")
        group.add_argument("--workers", type=positive_int, metavar="N",
                           help="worker processes of --scheduler local (default: all cores)")
        group.add_argument("--chunk-size", type=positive_int, metavar="N",
                           help=f"list lines per Dask task (default: {CHUNK_SIZE})")

    @classmethod
    def from_args(cls, args):
        """The cluster that parsed arguments name, or None without ``--scheduler``.

        Raises
        ------
        ClusterError
            If ``--workers`` or ``--chunk-size`` is given without a fitting ``--scheduler``.
        """
        if not args.scheduler:
            if args.workers:
                raise ClusterError("--workers is the size of a local cluster: give it with --scheduler local")
            if args.chunk_size:
                raise ClusterError("--chunk-size applies to Dask tasks: give it with --scheduler")
            return None
        return cls(args.scheduler, workers=args.workers, chunk_size=args.chunk_size or CHUNK_SIZE)

    def chunks(self, items):
        """``[(start, items[start:start + chunk_size]), ...]`` over a sequence."""
        return [(start, items[start : start + self.chunk_size]) for start in range(0, len(items), self.chunk_size)]

    @contextlib.contextmanager
    def connect(self):
        """A Dask client; closed (and a local cluster shut down) on exit.

        Raises
        ------
        ClusterError
            If Dask is not installed or the scheduler cannot be reached.
        """
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ClusterError("--scheduler needs Dask: pip install -e '.[dask]' (make install does)") from None
        if self.scheduler == "local":
            with LocalCluster(n_workers=self.workers or default_jobs(), threads_per_worker=1, processes=True,
                              host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                    Client(cluster) as client:
                yield client
            return
        try:
            client = Client(self.scheduler)
        except (OSError, ValueError) as exc:
            raise ClusterError(f"{self.scheduler}: cannot reach the Dask scheduler ({exc})") from None
        with client:
            yield client

    def map(self, func, chunks, *, on_result, **kwargs):
        """Connect and run ``func(items, **kwargs)`` for every chunk (see :func:`map_chunks`)."""
        with self.connect() as client:
            map_chunks(client, func, chunks, on_result=on_result, **kwargs)


def map_chunks(client, func, chunks, *, on_result, **kwargs):
    """Run ``func(items, **kwargs)`` on the cluster for every chunk, handling results as they come.

    Parameters
    ----------
    client : distributed.Client
    func : callable
        A module-level function (workers import it by name).
    chunks : iterable of (int, list)
        Chunk index (or start) and the items of that chunk.
    on_result : callable
        Called as ``on_result(index, value)`` in the caller's thread as each
        chunk finishes, in completion order.
    **kwargs
        Passed to every call of ``func``.

    A chunk whose worker dies is run again on another worker (Dask's own
    bookkeeping); an exception raised by ``func`` is raised here.

    Raises
    ------
    ClusterError
        If a chunk's workers died every time it was tried (out of memory?).
    """
    from distributed import KilledWorker, as_completed

    futures = {client.submit(func, items, pure=False, **kwargs): index for index, items in chunks}
    for future in as_completed(list(futures)):
        index = futures.pop(future)
        try:
            value = future.result()
        except KilledWorker:
            raise ClusterError(f"chunk {index}: its workers died each time it ran (out of memory? try a smaller "
                               "--chunk-size)") from None
        future.release()
        on_result(index, value)
