"""``report.html``: one self-contained page per evaluation.

The page holds everything in itself: tables as HTML, figures as base64 PNG
``data:`` images, the style in a ``<style>`` element; it uses no script,
no other file and no network. It ends with how it was made: the
``mirex evaluate`` command that runs the evaluation again, the command line
of the process that ran it, and the versions of the packages involved.
"""
import base64
import html
import platform
import shlex
import sys
from datetime import datetime, timezone
from importlib import metadata

import pandas as pd

import mirex
from mirex.atomic import write_text

__all__ = ["PACKAGES", "table", "image", "text", "section", "versions", "write_page"]

PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "torch", "keras", "librosa", "soundfile")
"""The packages whose versions a page names, beside mirex and Python."""

_STYLE = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 75em; padding: 0 1em; color: #222; background: #fff; }
h1 { border-bottom: 2px solid #36c; padding-bottom: .2em; }
h2 { margin-top: 1.6em; color: #236; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #bbb; padding: .2em .5em; text-align: right; }
th { background: #e8eef8; }
tbody tr:nth-child(even) { background: #f6f8fb; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; height: auto; display: block; margin: .6em 0; }
code, pre { background: #f3f3f3; padding: .1em .3em; }
pre { padding: .6em; white-space: pre-wrap; word-break: break-all; }
.note { color: #555; max-width: 60em; }
.wide { overflow-x: auto; }
"""


def table(frame, *, digits=4):
    """A DataFrame (with its index) as an HTML table; floats with ``digits`` decimals, text escaped."""
    return ('<div class="wide">' + frame.to_html(float_format=lambda x: f"{x:.{digits}f}", na_rep="NaN", border=0,
                                                  escape=True) + "</div>")


def image(data, *, alt):
    """PNG bytes as an inline ``<img>``."""
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def text(words, *, note=False):
    """A paragraph of escaped text (``note``: in the quieter style of explanations)."""
    return ('<p class="note">' if note else "<p>") + html.escape(words) + "</p>"


def section(heading, *parts):
    """A ``<section>`` with an ``<h2>`` heading and the given HTML parts."""
    return f"<section><h2>{html.escape(heading)}</h2>\n" + "\n".join(parts) + "\n</section>"


def versions():
    """mirex, Python, the platform and each of :data:`PACKAGES`, with their versions.

    Returns
    -------
    versions : DataFrame
        Index ``package``, column ``version`` ('not installed' where absent).
    """
    rows = {"mirex": mirex.__version__, "python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            rows[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            rows[name] = "not installed"
    return pd.DataFrame({"version": rows}).rename_axis("package")


def write_page(*, path, title, facts, sections, command):
    """Write the page atomically.

    Parameters
    ----------
    path : Path
    title : str
    facts : list of str
        Lines about the dataset, folds and systems (plain text).
    sections : list of str
        HTML from :func:`section`.
    command : str
        The ``mirex evaluate`` command that runs the evaluation again.
    """
    made = section(
        "How this page was made",
        "<p>Command (every setting spelled out):</p>", f"<pre>{html.escape(command)}</pre>",
        "<p>Command line of the process:</p>", f"<pre>{html.escape(shlex.join([sys.executable, *sys.argv]))}</pre>",
        text(f"Written {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC."), table(versions()))
    body = "\n".join([f"<h1>{html.escape(title)}</h1>",
                      "<ul>" + "".join(f"<li>{html.escape(fact)}</li>" for fact in facts) + "</ul>",
                      *sections, made])
    write_text(path, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
                     f"<body>\n{body}\n</body>\n</html>\n")
