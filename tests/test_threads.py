"""Threads for per-file work: results in order, a bounded number of tasks ahead, one core per task."""
import threading
import time

from mirex import threads as th


def test_in_order_keeps_order_and_runs_a_bounded_number_of_tasks_ahead():
    started, threads = [], set()

    def work(task):
        started.append(task)
        threads.add(threading.get_ident())
        time.sleep(0.01)
        return task * task

    results = th.in_order(work, range(60), n_jobs=3)
    assert next(results) == 0
    time.sleep(0.5)  # unbounded threads would finish the whole list meanwhile
    assert len(started) <= th.TASKS_PER_THREAD * 3 + 1
    assert list(results) == [i * i for i in range(1, 60)]
    assert len(threads) == 3 and threading.get_ident() not in threads
    threads.clear()
    assert list(th.in_order(work, range(5), n_jobs=1)) == [0, 1, 4, 9, 16]
    assert threads == {threading.get_ident()}


def test_batches_cover_the_list_in_order_and_shrink_at_its_end():
    paths = [f"{i}.wav" for i in range(200)]
    batches = list(th.indexed_batches(paths, 8, n_jobs=2))
    assert [item for batch in batches for item in batch] == list(enumerate(paths))
    sizes = [len(batch) for batch in batches]
    assert sizes[:21] == [8] * 21 and sizes[-4:] == [1] * 4  # the last tasks: a clip each, the threads end together
    assert sizes == sorted(sizes, reverse=True)
    assert [len(b) for b in th.indexed_batches(paths[:3], 8, n_jobs=4)] == [1, 1, 1]
    assert list(th.indexed_batches([], 8, n_jobs=2)) == []


def test_in_order_threads_run_openmp_with_the_callers_thread_count():
    from threadpoolctl import threadpool_info

    def openmp_threads(_):  # OpenMP's count is per thread: a new one starts with every core
        return {i["num_threads"] for i in threadpool_info()
                if i["user_api"] == "openmp" and "torch" in i["filepath"]}  # not scikit-learn's own

    with th.one_thread_per_task():
        seen = set().union(*th.in_order(openmp_threads, range(4), n_jobs=2))
    assert seen <= {1}
