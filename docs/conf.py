"""Sphinx configuration: the guides (MyST Markdown) and the API reference (autodoc, autosummary, numpydoc).

``make docs`` builds it with ``-W --keep-going -n``: every warning fails the build, and
nitpicky mode makes every cross-reference that does not resolve a warning. No
intersphinx: the build must not use the network, so types of other packages
(NumPy, PyTorch, Keras, scikit-learn, the standard library, ...) have no
inventory to resolve against; ``nitpick_ignore_regex`` lists them, and only them.
"""
import os
import pkgutil
import sys
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# As the package does (mirex/__init__.py); importing the modules needs neither a GPU nor the network.
os.environ.setdefault("KERAS_BACKEND", "torch")

import mirex  # noqa: E402

project = "mirex"
author = "The mirex authors"
copyright = "the mirex authors"
version = release = mirex.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = f"mirex {release}"

# The reference pages (reference/*.rst) list modules; autosummary writes a page per module into
# reference/generated/ (not kept in git) with the template in _templates/autosummary/.
autosummary_generate = True
# A module's members: those named in its __all__ (a package's page documents what it re-exports under
# the public name, mirex.features.FeatureSpec), else its own public ones.
autodoc_default_options = {"members": True, "show-inheritance": True, "member-order": "bysource"}
# A method without a docstring of its own is left out rather than shown with its base class's
# (Keras callbacks, scikit-learn estimators), whose docstrings are not numpydoc nor ours.
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False

nitpicky = True
# Modules and types of other packages and of the standard library, which have no inventory here
# (no intersphinx). Nothing of mirex belongs here: its references must resolve.
nitpick_ignore_regex = [
    ("py:.*", r"(numpy|pandas|scipy|sklearn|torch|keras|tqdm|platformdirs)(\..*)?"),
    ("py:.*", r"(pathlib|tempfile)(\..*)?"),
]


def _skip_foreign(app, what, name, obj, skip, options):
    """Leave out methods that other packages add to the package's classes (scikit-learn's ``set_*_request``)."""
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and module.partition(".")[0] != "mirex":
        return True
    return None


def _check_every_module_documented(app, env):
    """Warn about a module of the package that no reference page documents."""
    documented = set(env.get_domain("py").modules)
    found = {"mirex"} | {name for _, name, _ in pkgutil.walk_packages(mirex.__path__, "mirex.")}
    for name in sorted(found - documented):
        if not name.endswith(".__main__"):
            logging.getLogger(__name__).warning("module %s is in no page of the API reference (docs/reference/)", name)


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign)
    app.connect("env-check-consistency", _check_every_module_documented)
