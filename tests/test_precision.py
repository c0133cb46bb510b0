import threading

import pytest
import torch

from mirex.precision import _switches, full_float32


@pytest.fixture
def tf32_allowed():
    """The switches set to the caller's TF32 choice, and restored after the test."""
    switches = _switches(torch)
    saved = [getattr(owner, name) for owner, name, _ in switches]
    for owner, name, ieee in switches:
        setattr(owner, name, "tf32" if isinstance(ieee, str) else True)
    yield switches
    for (owner, name, _), value in zip(switches, saved):
        setattr(owner, name, value)


def _values(switches):
    return [getattr(owner, name) for owner, name, _ in switches]


def test_cuda_blocks_run_in_ieee_float32_and_restore_the_callers_choice(tf32_allowed):
    before = _values(tf32_allowed)
    with full_float32(torch.device("cuda")):  # the settings need no GPU to be set
        assert _values(tf32_allowed) == [ieee for _, _, ieee in tf32_allowed]
    assert _values(tf32_allowed) == before
    with pytest.raises(ValueError), full_float32("cuda:0"):
        raise ValueError
    assert _values(tf32_allowed) == before


def test_other_devices_change_nothing(tf32_allowed):
    before = _values(tf32_allowed)
    with full_float32("cpu"):
        assert _values(tf32_allowed) == before


def test_a_second_thread_waits_for_the_first():
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with full_float32("cuda"):
            inside.set()
            release.wait(5)
            order.append("first")

    def second():
        with full_float32("cuda"):
            order.append("second")

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert inside.wait(5)
    threads.append(threading.Thread(target=second))
    threads[1].start()
    threads[1].join(0.2)
    assert order == []  # still waiting
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first", "second"]
