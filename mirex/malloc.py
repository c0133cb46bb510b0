"""Keep freed buffers in the process instead of handing them back to the OS.

Every clip allocates and frees the same few buffers of a few MB (frames,
spectrum, segments, activations). With glibc's default thresholds they are
returned to the kernel when freed and fault back in, page by page, for the
next clip: that costs as much CPU time as the log-mel itself. Fixed
thresholds keep them: buffers under 32 MB come from the heap, and up to
64 MB of free heap top is kept. Peak memory does not change; the process
just stops shrinking between clips.
"""
import ctypes
import ctypes.util
import functools

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value on 64-bit
_TRIM_THRESHOLD = 64 << 20


@functools.cache
def keep_freed_memory():
    """Set glibc's malloc thresholds for this process (once; nothing elsewhere).

    Returns
    -------
    bool
        Whether they were set (False without glibc, e.g. macOS or musl).
    """
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
