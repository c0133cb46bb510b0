"""Freed buffers stay in the process: repeated clips cost no page faults."""
import resource
import sys

import numpy as np
import pytest

from mirex.frontends.mel import FrontEnd, LogMel
from mirex.malloc import keep_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_repeated_log_mels_do_not_fault_pages_back_in():
    assert keep_freed_memory()
    logmel = LogMel(FrontEnd())
    y = np.random.default_rng(0).standard_normal(22050 * 30).astype(np.float32)
    logmel.segments(y)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        logmel.segments(y)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
    assert faults < 200  # glibc's defaults: about 1,700 per 30-s clip (its buffers come back from the kernel)
