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
from pathlib import Path

import numpy as np

from mirex.atomic import check_writable
from mirex.cache import FeatureCache
from mirex.errors import DataError, ListFileError, ScratchError
from mirex.extract import extract
from mirex.features import DEFAULT_PRESET, FeatureSpec, make_extractor
from mirex.listfile import read_list, unique_paths, write_list
from mirex.tasks import classify
from mirex.tasks.record import load_record, save_record
from mirex.log import logger

__all__ = ["train", "test"]


_warn = logger.warning


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
        check_writable(Path(output).parent, name=Path(output).name)
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


def train(*, scratch, train_list, spec=None, task_lda="auto", n_jobs=None, cache_dir=None, progress=True):
    """Learn the training list and store the classifier in ``scratch``.

    Parameters
    ----------
    scratch : str or Path
        The folder kept between the train and test calls.
    train_list : str or Path
        Lines ``path<TAB>label``.
    spec : FeatureSpec or str, optional
        The feature system (default: the default preset).
    task_lda : {'auto', 'on', 'off'}
        The task LDA: chosen by inner cross-validation, always, or never.
    n_jobs : int, optional
        Threads, one core each, for extraction and the SVM search (default: all cores).
    cache_dir : str or Path, optional
        Feature cache (default: ``scratch/features``).
    progress : bool

    Returns
    -------
    mirex.tasks.classify.ClassifierRecord
    """
    entries = read_list(train_list, kind="train", warn=_warn)
    scratch = _scratch(scratch)
    extractor = make_extractor(spec or DEFAULT_PRESET)
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
    record = classify.fit(extractor.reduce(result.features[ok]), labels, task_lda=task_lda, n_jobs=n_jobs or 1,
                          spec=str(extractor.spec), fingerprint=extractor.fingerprint)
    record.skipped = int((~ok).sum())
    save_record(record, scratch=scratch)
    return record


def test(*, scratch, test_list, output, spec=None, model=None, n_jobs=None, cache_dir=None, progress=True):
    """Label every distinct path of ``test_list`` and write ``output`` atomically.

    The features are those the stored classifier was trained on; a ``spec``
    or ``model`` (bundle) given explicitly must name the same system.

    Returns
    -------
    predictions : list of (str, str)
        ``(path as given, label)`` in input order.
    """
    scratch = Path(scratch)
    entries = read_list(test_list, kind="test", warn=_warn)
    record = load_record(scratch=scratch)
    _check_output(output)
    trained = FeatureSpec.parse(record.spec)
    asked = FeatureSpec.parse(spec or trained)
    asked = asked.with_bundle(model) if model else asked
    if asked.with_bundle(None) != trained.with_bundle(None):
        raise ScratchError(f"classifier in scratch was trained on features {trained}, not {asked}")
    extractor = make_extractor(asked)
    if extractor.fingerprint != record.fingerprint:
        what = "the model" if asked.bundle == trained.bundle else f"model {asked.bundle or 'default'}"
        raise ScratchError(f"{what} differs from the one the classifier in scratch was trained with "
                           f"({extractor.fingerprint} != {record.fingerprint}); run run_train.sh again")
    paths = unique_paths(entries)
    result = _features(paths, extractor=extractor, cache_dir=cache_dir or scratch / "features", n_jobs=n_jobs,
                       progress=progress)
    labels = np.full(len(paths), record.majority, dtype=object)
    ok = result.ok
    if ok.any():
        labels[ok] = record.predict(extractor.reduce(result.features[ok]))
    if result.errors:
        _warn(f"{len(result.errors)} test file(s) could not be used; labelled {record.majority!r}")
    rows = list(zip(paths, (str(x) for x in labels)))
    write_list(output, rows)
    return rows


def embed(*, list_file, out, spec=None, n_jobs=None, cache_dir=None, progress=True, scheduler=None, workers=None,
          chunk_size=None):
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
    extractor = make_extractor(spec or DEFAULT_PRESET)
    paths = [e.path for e in entries]
    if scheduler is None:
        result = _features(paths, extractor=extractor, cache_dir=cache_dir or project_cache_dir(), n_jobs=n_jobs,
                           progress=progress)
    else:
        from mirex.distributed import CHUNK_SIZE, extract_distributed

        result = extract_distributed(paths, extractor=extractor, scheduler=scheduler,
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
