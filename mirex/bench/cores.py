"""How fast each core is right now: a fixed pure-Python loop, timed on each core in turn.

A virtual machine's cores can be hardware threads whose sibling runs some
other guest's work: then the same code runs slower on them, by up to about
1.75 times for this loop on the 2-core VM the project is developed on, and
each core switches between the two speeds as the host's load comes and
goes. The benchmark records these times beside each measurement, so that
rates taken at different times can be compared.
"""
import os
import threading
import time

__all__ = ["core_speeds"]

#: Iterations of the reference loop (about 8 ms on a fast 2.5 GHz x86 core).
LOOP = 200_000


def _loop():
    total = 0
    for i in range(LOOP):
        total += i
    return total


def core_speeds(*, repeats=5):
    """Milliseconds of the reference loop on each core this process may use, the best of ``repeats``.

    Each core is timed alone, by a thread bound to it (CPU time of that
    thread, so that a wait for the GIL or the scheduler does not count).

    Returns
    -------
    dict of int to float
        Core number -> milliseconds; empty where threads cannot be bound to
        cores (not on Linux).
    """
    if not hasattr(os, "sched_setaffinity"):
        return {}
    speeds = {}

    def time_on(core):
        os.sched_setaffinity(0, {core})  # on Linux, 0 is the calling thread
        times = []
        for _ in range(repeats):
            start = time.thread_time()
            _loop()
            times.append(time.thread_time() - start)
        speeds[core] = 1000 * min(times)

    for core in sorted(os.sched_getaffinity(0)):
        thread = threading.Thread(target=time_on, args=(core,))
        thread.start()
        thread.join()
    return speeds
