"""The MIREX train and test entry points behind ``run_train.sh`` and ``run_test.sh``.

``train`` extracts (cached) features of the training list, fits the
classifier and stores it in the scratch folder; ``test`` labels every
distinct path of the test list and writes the output list atomically. Files
that cannot be decoded are reported once on stderr: skipped in training,
given the most frequent training label in testing. Malformed list lines are
reported with their line number and skipped. The scratch folder and the
output location are checked before any feature is computed, so an unusable
one fails within seconds; a feature cache that cannot be written only costs
a warning.
"""
import os
import sys
from pathlib import Path

import numpy as np

from mirex import classifier
from mirex.atomic import check_writable
from mirex.bundle import load_bundle
from mirex.cache import FeatureCache
from mirex.errors import DataError, ListFileError, ScratchError
from mirex.extract import extract
from mirex.extractors import make_extractor
from mirex.listfile import read_list, unique_paths, write_list

__all__ = ["train", "test"]


def _warn(message):
    print(f"mirex: warning: {message}", file=sys.stderr)


def _scratch(scratch):
    scratch = Path(scratch)
    try:
        check_writable(scratch)
    except OSError as exc:
        raise ScratchError(f"{scratch}: cannot write to scratch folder ({exc.strerror or exc})") from None
    return scratch


def _two_labels(labels, *, train_list, skipped=0):
    if len(set(labels)) < 2:
        after = f" after skipping {skipped} unusable file(s)" if skipped else ""
        raise DataError(f"{train_list}: need at least two labels to train, got {sorted(set(labels))}{after}")


def _check_output(output):
    if os.path.isdir(output):
        raise ListFileError(f"{output}: output is a folder, not a file")
    try:
        check_writable(Path(output).parent)
    except OSError as exc:
        raise ListFileError(f"{output}: cannot write output here ({exc.strerror or exc})") from None


def _features(paths, *, extractor, cache_dir, n_jobs, progress):
    """Extract with a feature cache in ``cache_dir``; every problem is warned about once."""
    cache = FeatureCache(cache_dir)
    result = extract(paths, extractor=extractor, cache=cache, n_jobs=n_jobs, progress=progress)
    for message in result.errors.values():
        _warn(message)
    if cache.write_error:
        _warn(cache.write_error)
    return result


def train(*, scratch, train_list, features="dcnn", model=None, lda=True, n_jobs=None, cache_dir=None, progress=True):
    """Learn the training list and store the classifier in ``scratch``.

    Parameters
    ----------
    scratch : str or Path
        The folder kept between the train and test calls.
    train_list : str or Path
        Lines ``path<TAB>label``.
    features : {'dcnn', 'mfcc'}
    model : str, optional
        Bundle name or folder (default: the default bundle).
    lda : bool
        Apply the bundle's LDA when it has one.
    n_jobs : int, optional
        Threads, one core each, for extraction and the SVM search (default: all cores).
    cache_dir : str or Path, optional
        Feature cache (default: ``scratch/features``).
    progress : bool

    Returns
    -------
    model : dict
        What :func:`mirex.classifier.fit` returned, plus ``n_train`` and ``skipped``.
    """
    entries = read_list(train_list, kind="train", warn=_warn)
    scratch = _scratch(scratch)
    extractor = make_extractor(features=features, model=model, lda=lda)
    first = {}
    for entry in entries:  # a duplicate path keeps its first label
        kept = first.setdefault(entry.path, entry)
        if kept.label != entry.label:
            _warn(f"{train_list}:{entry.line}: {entry.path} is labelled {kept.label!r} on line {kept.line}; "
                  f"label {entry.label!r} ignored")
    paths = list(first)
    _two_labels([e.label for e in first.values()], train_list=train_list)  # fail before any extraction
    result = _features(paths, extractor=extractor, cache_dir=cache_dir or scratch / "features", n_jobs=n_jobs,
                       progress=progress)
    ok = result.ok
    if not ok.any():
        raise DataError(f"{train_list}: none of the {len(paths)} training files could be used")
    labels = [first[p].label for p, good in zip(paths, ok) if good]
    _two_labels(labels, train_list=train_list, skipped=len(result.errors))
    fitted = classifier.fit(extractor.reduce(result.features[ok]), labels, n_jobs=n_jobs or 1)
    fitted.update(n_train=int(ok.sum()), skipped=int((~ok).sum()))
    classifier.save(fitted, scratch=scratch, extra={"extractor": extractor.describe()})
    return fitted


def _check_same(stored, **asked):
    for key, value in asked.items():
        if value is not None and stored.get(key) != value:
            raise ScratchError(f"classifier in scratch was trained with {key}={stored.get(key)!r}, not {value!r}")


def test(*, scratch, test_list, output, features=None, model=None, lda=None, n_jobs=None, cache_dir=None, progress=True):
    """Label every distinct path of ``test_list`` and write ``output`` atomically.

    The feature settings default to those the stored classifier was trained
    with; given explicitly, they must agree with them.

    Returns
    -------
    predictions : list of (str, str)
        ``(path as given, label)`` in input order.
    """
    scratch = Path(scratch)
    entries = read_list(test_list, kind="test", warn=_warn)
    stored = classifier.load(scratch=scratch)
    _check_output(output)
    spec = stored["extractor"]
    _check_same(spec, features=features, lda=lda)
    if model is not None and str(load_bundle(model).path.resolve()) != spec.get("bundle"):
        raise ScratchError(f"classifier in scratch was trained with model {spec['model']!r}, not {model!r}")
    extractor = make_extractor(features=spec["features"], model=spec.get("bundle"), lda=spec["lda"])
    if extractor.fingerprint != spec["fingerprint"]:
        raise ScratchError(f"model {spec['model']!r} changed since training; run run_train.sh again")
    paths = unique_paths(entries)
    result = _features(paths, extractor=extractor, cache_dir=cache_dir or scratch / "features", n_jobs=n_jobs,
                       progress=progress)
    labels = np.full(len(paths), stored["majority"], dtype=object)
    ok = result.ok
    if ok.any():
        labels[ok] = stored["estimator"].predict(extractor.reduce(result.features[ok]))
    if result.errors:
        _warn(f"{len(result.errors)} test file(s) could not be used; labelled {stored['majority']!r}")
    rows = list(zip(paths, (str(x) for x in labels)))
    write_list(output, rows)
    return rows


def embed(*, list_file, out, features="dcnn", model=None, lda=True, n_jobs=None, cache_dir=None, progress=True,
          scheduler=None, workers=None, chunk_size=None):
    """Write song features of every line of ``list_file`` to ``out`` (``.npy``), in list order.

    Rows of files that cannot be decoded are NaN (each reported on stderr).

    With ``scheduler`` (``'local'`` or ``tcp://HOST:PORT``) the features are
    computed on a Dask cluster by :func:`mirex.distributed.extract_distributed`,
    chunk by chunk into the resumable folder ``out`` with suffix ``.chunks``;
    ``workers`` (local cluster size), ``chunk_size`` and ``n_jobs`` (threads
    per task) apply there, and ``cache_dir`` defaults to each worker's own cache.

    Returns
    -------
    features : np.ndarray, shape (n_lines, dim)
    """
    from mirex.atomic import atomic_path
    from mirex.cache import project_cache_dir

    entries = read_list(list_file, kind="any", warn=_warn)
    extractor = make_extractor(features=features, model=model, lda=lda)
    paths = [e.path for e in entries]
    if scheduler is None:
        result = _features(paths, extractor=extractor, cache_dir=cache_dir or project_cache_dir(), n_jobs=n_jobs,
                           progress=progress)
    else:
        from mirex.distributed import CHUNK_SIZE, extract_distributed

        result = extract_distributed(paths, extractor=extractor, features=features, model=model, scheduler=scheduler,
                                     folder=Path(out).with_suffix(".chunks"), workers=workers,
                                     chunk_size=chunk_size or CHUNK_SIZE, cache_dir=cache_dir, n_jobs=n_jobs,
                                     progress=progress)
        for message in result.errors.values():
            _warn(message)
    values = result.features
    if result.ok.any():
        values = np.full((len(entries), extractor.reduce(values[result.ok][:1]).shape[1]), np.nan, dtype=np.float32)
        values[result.ok] = extractor.reduce(result.features[result.ok])
    with atomic_path(out, suffix=".npy") as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, values)
    return values
