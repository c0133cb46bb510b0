"""Reporting: one ``mirex`` logger, and progress bars, that can never cost a result.

Warnings print as ``mirex: warning: ...``, errors as ``mirex: error: ...``
and information as plain lines, on whatever ``sys.stderr`` is when they are
written. A closed stderr (``2>&-``) or a pipe whose reader has gone
(``2>&1 | head -0``) only loses the messages: the handler swallows every
stream error, and :func:`configure` puts ``/dev/null`` on a closed standard
descriptor so that no file the run opens later takes its number (where C
libraries would write into it). Modules log through ``logger`` or a child
(``logging.getLogger(__name__)``); every command runs through
:func:`run_command`, which calls :func:`configure` once and reports a user
error as one line.
"""
import logging
import os
import sys

from mirex.errors import MirexError

__all__ = ["logger", "configure", "run_command", "progress_bar", "progress_shown"]

logger = logging.getLogger("mirex")


class _Format(logging.Formatter):
    def format(self, record):
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            return f"mirex: error: {message}"
        if record.levelno >= logging.WARNING:
            return f"mirex: warning: {message}"
        return message


class _SafeStderr:
    """``sys.stderr`` as it is at each call, or nothing; write errors are swallowed.

    A stderr that fails (closed, or a pipe whose reader is gone) is dropped
    (``sys.stderr = None``, as Python sets it when fd 2 is closed at start):
    what it still buffers would otherwise fail again at exit, which turns the
    exit status into 120.
    """

    def write(self, text):
        stream = sys.stderr
        try:
            stream.write(text)
            stream.flush()
        except Exception:  # the message is lost, the run goes on
            if stream is not None and sys.stderr is stream:
                sys.stderr = None
        return len(text)

    def flush(self):
        try:
            sys.stderr.flush()
        except Exception:  # as in write
            pass

    def isatty(self):
        try:
            return sys.stderr.isatty()
        except Exception:  # as in write
            return False


_STDERR = _SafeStderr()


class _Handler(logging.Handler):
    def emit(self, record):
        try:
            _STDERR.write(self.format(record) + "\n")
        except Exception:  # a message that cannot be formatted
            pass

    def handleError(self, record):  # never print a traceback about a message
        pass


def _reserve_standard_descriptors():
    """Open ``/dev/null`` on each of fds 0-2 that is closed, lowest first (so each lands on its number)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                opened = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return
            if opened != fd:  # a lower one was taken meanwhile: leave things as they are
                os.close(opened)
                return


def configure(*, quiet=False):
    """Send the ``mirex`` logger's records to stderr; call once, at the start of a command.

    Parameters
    ----------
    quiet : bool
        Warnings and errors only (no information lines).
    """
    _reserve_standard_descriptors()
    for handler in [h for h in logger.handlers if isinstance(h, _Handler)]:
        logger.removeHandler(handler)
    handler = _Handler()
    handler.setFormatter(_Format())
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def run_command(command, *, quiet=False):
    """Run a command line's work, ``command()``, and return its exit status.

    The logger is configured first (:func:`configure`). A user error
    (:class:`mirex.errors.MirexError`) prints as one line ``mirex: error:
    ...`` and gives status 2; an interrupt gives 130.
    """
    configure(quiet=quiet)
    try:
        command()
    except MirexError as exc:
        logger.error(" ".join(str(exc).splitlines()))  # never raises: a lost message must not change the status
        return 2
    except KeyboardInterrupt:
        logger.error("interrupted")
        return 130
    return 0


def progress_shown(*, enabled=True, stream=None):
    """Whether progress bars are shown: ``enabled`` and ``stream`` (default stderr) is a terminal.

    ``MIREX_PROGRESS=1`` in the environment shows them on any stream (a log
    file); ``MIREX_PROGRESS=0`` never.
    """
    wanted = os.environ.get("MIREX_PROGRESS", "")
    try:
        terminal = (stream or _STDERR).isatty()
    except Exception:  # a closed stream
        terminal = False
    return enabled and wanted != "0" and (wanted == "1" or terminal)


def progress_bar(*, enabled=True, **options):
    """A tqdm progress bar on stderr, shown only when :func:`progress_shown` says so.

    Writing it never raises. ``options`` go to :class:`tqdm.tqdm`.
    """
    from tqdm import tqdm

    return tqdm(file=_STDERR, disable=not progress_shown(enabled=enabled), **options)
