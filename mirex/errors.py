"""The exception hierarchy for user errors.

Every error a user can cause (a bad list line, an unreadable audio file, an
unusable scratch folder, a missing model) derives from :class:`MirexError`.
The command line turns these into one line on stderr and exit status 2.
"""


class MirexError(Exception):
    """Root of all user-facing errors."""


class ListFileError(MirexError):
    """A list file is missing or a line in it is malformed."""


class AudioError(MirexError):
    """An audio file is missing or cannot be decoded."""


class BundleError(MirexError):
    """A model bundle is missing, incomplete or inconsistent."""


class ScratchError(MirexError):
    """The scratch folder cannot be used, or holds no trained classifier."""


class DataError(MirexError):
    """The data cannot support the requested operation (too few labels, no usable files)."""


class EvaluationError(MirexError):
    """An evaluation cannot run: an unknown system, a failing script, an unusable output."""


class SignalError(MirexError, ValueError):
    """A signal given to the Python API cannot be used (its shape, no samples, features that are not finite)."""
