"""The user error raised by the evaluation package."""
from mirex.errors import MirexError

__all__ = ["EvaluationError"]


class EvaluationError(MirexError):
    """An evaluation cannot run: an unknown system, a failing script, an unusable output."""
