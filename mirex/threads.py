"""Threads for per-file work: results in order, bounded memory, one core per task.

:func:`in_order` runs a function over tasks in a pool of threads and yields
the results in order, with at most a few tasks in flight per thread, so
memory stays flat in the number of tasks; :func:`indexed_batches` cuts a
list into such tasks. Inside each task PyTorch and BLAS run single-threaded
(:func:`one_thread_per_task`): tasks in parallel use the cores better than
one task on all of them, and idle BLAS threads would spin on the cores.
:func:`mirex.extract.extract` runs the feature extraction this way; the
pre-training log-mel cache and the API's segment features do too.
"""
import contextlib
import functools
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

from threadpoolctl import ThreadpoolController

__all__ = ["TASKS_PER_THREAD", "default_jobs", "in_order", "indexed_batches", "one_thread_per_task"]

#: Tasks in flight per thread (bounds memory; keeps threads busy).
TASKS_PER_THREAD = 2


def default_jobs():
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def in_order(work, tasks, *, n_jobs):
    """``work(task)`` of each task, in order, in ``n_jobs`` threads.

    Tasks are submitted only as results are consumed, so at most
    ``TASKS_PER_THREAD * n_jobs`` of them are pending at any time; with one
    job everything runs in the calling thread. Each thread runs PyTorch with
    the caller's thread count (``torch.get_num_threads()``).

    Parameters
    ----------
    work : callable
        Thread-safe; its heavy parts should release the GIL.
    tasks : iterable
    n_jobs : int

    Yields
    ------
    The result of each task.
    """
    tasks = iter(tasks)
    if n_jobs <= 1:
        yield from map(work, tasks)
        return
    import torch

    # The OpenMP count that torch.set_num_threads sets is the calling thread's: each new thread would start
    # with OpenMP's default, every core, for MKL's FFT and oneDNN's convolutions in it.
    with ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="mirex", initializer=torch.set_num_threads,
                            initargs=(torch.get_num_threads(),)) as pool:
        pending = deque(pool.submit(work, task) for task in islice(tasks, TASKS_PER_THREAD * n_jobs))
        try:
            while pending:
                result = pending.popleft().result()
                pending.extend(pool.submit(work, task) for task in islice(tasks, 1))
                yield result
        finally:  # stopped early (an error, an interrupt): drop what has not started
            for future in pending:
                future.cancel()


def indexed_batches(paths, size, *, n_jobs=1):
    """Tasks for :func:`in_order`: lists of up to ``size`` ``(index, path)`` pairs, in order.

    Towards the end of the list the tasks shrink (to a ``2 * n_jobs``-th of
    what is left, one pair at least), so that the ``n_jobs`` threads finish
    together rather than one idling while another ends a whole batch.
    """
    items = list(enumerate(paths))
    start = 0
    while start < len(items):
        step = min(size, max(1, -(-(len(items) - start) // (2 * n_jobs))))
        yield items[start : start + step]
        start += step


@functools.cache
def _blas():
    """The BLAS libraries loaded (looked up once: a lookup reads the process's whole library list, about 5 ms)."""
    return ThreadpoolController().select(user_api="blas")


@contextlib.contextmanager
def one_thread_per_task():
    """PyTorch and BLAS at one thread each while the block runs (restored after): tasks run in parallel,
    and idle BLAS threads would spin on the cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with _blas().limit(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)
