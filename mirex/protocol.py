"""The MIREX train and test entry points behind ``run_train.sh`` and ``run_test.sh``.

``train`` extracts (cached) features of the training list, fits the
classifier and stores it in the scratch folder; ``test`` labels every
distinct path of the test list and writes the output list atomically. Files
that cannot be decoded are reported once on stderr: skipped in training,
given the most frequent training label in testing.
"""
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from mirex import classifier
from mirex.cache import FeatureCache
from mirex.errors import DataError, ScratchError
from mirex.extract import extract
from mirex.extractors import make_extractor
from mirex.listfile import read_list, unique_paths, write_list

__all__ = ["train", "test"]


def _warn(message):
    print(f"mirex: warning: {message}", file=sys.stderr)


def _scratch(scratch):
    scratch = Path(scratch)
    try:
        scratch.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScratchError(f"{scratch}: cannot create scratch folder ({exc.strerror or exc})") from None
    return scratch


def _features(paths, *, extractor, scratch, cache_dir, n_jobs, progress):
    cache = FeatureCache(cache_dir or scratch / "features")
    result = extract(paths, extractor=extractor, cache=cache, n_jobs=n_jobs, progress=progress)
    for message in result.errors.values():
        _warn(message)
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
        Worker processes and threads (default: all cores).
    cache_dir : str or Path, optional
        Feature cache (default: ``scratch/features``).
    progress : bool

    Returns
    -------
    model : dict
        What :func:`mirex.classifier.fit` returned, plus ``n_train`` and ``skipped``.
    """
    entries = read_list(train_list, kind="train")
    scratch = _scratch(scratch)
    extractor = make_extractor(features=features, model=model, lda=lda)
    labelled = {}
    for entry in entries:  # a duplicate path keeps its first label
        labelled.setdefault(entry.path, entry.label)
    paths = list(labelled)
    result = _features(paths, extractor=extractor, scratch=scratch, cache_dir=cache_dir, n_jobs=n_jobs, progress=progress)
    ok = result.ok
    if not ok.any():
        raise DataError(f"{train_list}: none of the {len(paths)} training files could be decoded")
    labels = [labelled[p] for p, good in zip(paths, ok) if good]
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
    entries = read_list(test_list, kind="test")
    stored = classifier.load(scratch=scratch)
    spec = stored["extractor"]
    _check_same(spec, features=features, model=model, lda=lda)
    extractor = make_extractor(features=spec["features"], model=spec["model"], lda=spec["lda"])
    if extractor.fingerprint != spec["fingerprint"]:
        raise ScratchError(f"model {spec['model']!r} changed since training; run run_train.sh again")
    paths = unique_paths(entries)
    result = _features(paths, extractor=extractor, scratch=scratch, cache_dir=cache_dir, n_jobs=n_jobs, progress=progress)
    labels = np.full(len(paths), stored["majority"], dtype=object)
    ok = result.ok
    if ok.any():
        labels[ok] = stored["estimator"].predict(extractor.reduce(result.features[ok]))
    if result.errors:
        _warn(f"{len(result.errors)} test file(s) could not be decoded; labelled {stored['majority']!r}")
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

    entries = read_list(list_file, kind="any")
    extractor = make_extractor(features=features, model=model, lda=lda)
    paths = [e.path for e in entries]
    if scheduler is None:
        result = extract(paths, extractor=extractor, cache=FeatureCache(cache_dir or project_cache_dir()),
                         n_jobs=n_jobs, progress=progress)
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
