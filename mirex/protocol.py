"""The MIREX train and test entry points behind ``run_train.sh`` and ``run_test.sh``.

``train`` extracts (cached) features of the training list, fits the
classifier and stores it in the scratch folder; ``test`` labels every
distinct path of the test list and writes the output list atomically. Files
that cannot be decoded are reported once on stderr: skipped in training,
given the most frequent training label in testing. Malformed list lines are
reported with their line number and skipped. The scratch folder and the
output location are checked before any feature is computed, so an unusable
one fails within seconds; a feature cache that cannot be written only costs
a warning, except for a ``+ivector`` system, whose training frames are read
back from the cache to fit the i-vector system (:mod:`mirex.tasks.combine`).
"""
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mirex.atomic import check_writable
from mirex.cache import FeatureCache
from mirex.errors import DataError, ListFileError, MirexError, ScratchError
from mirex.extract import cached_features, file_key
from mirex.features import DEFAULT_PRESET, FeaturePipeline, FeatureSpec, feature_pipeline
from mirex.features.pipeline import IVECTOR_PASS
from mirex.features.segmented import cached_segments, segments_wanted
from mirex.listfile import check_outputs, read_list, unique_paths, write_list
from mirex.log import logger
from mirex.tasks import classify, combine, tag, tag_lists
from mirex.tasks.scratch import load_record, save_record

__all__ = ["train", "test", "similarity"]


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


class _CachedFrames(Sequence):
    """The i-vector frames of files, read from the feature cache one file at a time."""

    def __init__(self, paths, *, cache_dir):
        self.paths, self.cache = list(paths), FeatureCache(cache_dir)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        path = self.paths[index]
        key, error = file_key(path)
        frames = None if error else self.cache.get(IVECTOR_PASS, key)
        if frames is None:
            raise DataError(f"{path}: its i-vector frames are not in the feature cache {self.cache.root} "
                            "(training a +ivector system needs a cache it can write)")
        return frames


def train(*, scratch, train_list, spec=None, task_lda="auto", use_segments="off", ivector=None, n_jobs=None,
          cache_dir=None, progress=True, device=None, task=None):
    """Learn the training list and store the classifier (or tag model) in ``scratch``.

    Parameters
    ----------
    scratch : str or Path
        The folder kept between the train and test calls.
    train_list : str or Path
        Lines ``path<TAB>label``, or ``path<TAB>label<TAB>group``: the inner
        cross-validation then keeps each group (recording, work, album) on one side.
    spec : FeatureSpec or str, optional
        The feature system (default: the default preset).
    task_lda : {'auto', 'on', 'off'}
        The task LDA: chosen by inner cross-validation, always, or never.
    use_segments : {'auto', 'on', 'off'}
        Training on the clips' segments: chosen by inner cross-validation, always, or never
        (:mod:`mirex.tasks.segments`).
    n_jobs : int, optional
        Threads, one core each, for extraction and the SVM search (default: all cores).
    cache_dir : str or Path, optional
        Feature cache (default: ``scratch/features``).
    progress : bool
    device : torch.device, optional
        Run the front end and the network in PyTorch there (default: NumPy and CPU threads).
    task : {'classify', 'tag'}, optional
        Default: 'tag' when a quarter or more of the paths carry two or more labels
        (:mod:`mirex.tasks.tag`; ``task_lda`` does not apply), else 'classify'
        (a path keeps its first label).
    ivector : mirex.tasks.combine.IVectorOptions, optional
        The i-vector's sizes and how it is combined, for a ``+ivector`` spec
        (default: ``IVectorOptions()``).

    Returns
    -------
    mirex.tasks.classify.ClassifierRecord or mirex.tasks.tag.TagRecord
    """
    entries = read_list(train_list, kind="train", warn=_warn)
    scratch = _scratch(scratch)
    extractor = FeaturePipeline(spec or DEFAULT_PRESET, device=device)  # of a +ivector spec: its frames
    if ivector is not None and not extractor.spec.ivector:
        raise MirexError(f"the --ivector options are for +ivector systems, not {extractor.spec}")
    ivector = ivector or combine.IVectorOptions()
    if extractor.spec.ivector:
        combine.check(ivector, other_features=extractor.spec.uses_network or extractor.spec.mfcc)
    if task == "tag" or (task is None and tag_lists.is_multilabel(entries)):
        if extractor.spec.ivector:
            raise DataError(f"{train_list}: the +ivector systems label single-label lists only")
        return _train_tags(entries, scratch=scratch, train_list=train_list, extractor=extractor, n_jobs=n_jobs,
                           cache_dir=cache_dir, progress=progress)
    first = {}
    for entry in entries:  # a duplicate path keeps its first label
        kept = first.setdefault(entry.path, entry)
        if kept.label != entry.label:
            _warn(f"{train_list}:{entry.line}: {entry.path} is labelled {kept.label!r} on line {kept.line}; "
                  f"label {entry.label!r} ignored")
    paths = list(first)
    _two_labels([e.label for e in first.values()], train_list=train_list)  # fail before any extraction
    cache_dir = cache_dir or scratch / "features"
    segmented = segments_wanted(extractor, mode=use_segments, n_clips=len(paths))
    result = (cached_segments if segmented else cached_features)(
        paths, extractor=extractor, cache_dir=cache_dir, n_jobs=n_jobs, progress=progress, warn=_warn)
    ok = result.ok
    if not ok.any():
        raise DataError(f"{train_list}: none of the {len(paths)} training files could be used")
    labels = [first[p].label for p, good in zip(paths, ok) if good]
    groups = [first[p].group for p, good in zip(paths, ok) if good]  # the third column: inner folds keep each whole
    _two_labels(labels, train_list=train_list, skipped=len(result.errors))
    fit = dict(groups=groups, task_lda=task_lda, n_jobs=n_jobs or 1, spec=str(extractor.spec),
               fingerprint=extractor.fingerprint)
    if extractor.spec.ivector:
        frames = _CachedFrames([p for p, good in zip(paths, ok) if good], cache_dir=cache_dir)
        record = combine.fit(result.features[ok], labels, frames=frames, options=ivector, **fit)
    else:
        record = classify.fit(result.features[ok], labels, segments=result.segments(ok) if segmented else None,
                              use_segments=use_segments, **fit)
    record.skipped = int((~ok).sum())
    save_record(record, scratch=scratch)
    return record


def _train_tags(entries, *, scratch, train_list, extractor, n_jobs, cache_dir, progress):
    paths, tag_sets = tag_lists.tag_sets(entries)
    result = cached_features(paths, extractor=extractor, cache_dir=cache_dir or scratch / "features", n_jobs=n_jobs,
                       progress=progress, warn=_warn)
    ok = result.ok
    if not ok.any():
        raise DataError(f"{train_list}: none of the {len(paths)} training files could be used")
    record = tag.fit_tags(features=result.features[ok],
                          tag_sets=[t for t, good in zip(tag_sets, ok) if good], spec=str(extractor.spec),
                          fingerprint=extractor.fingerprint, n_jobs=n_jobs or 1, skipped=int((~ok).sum()))
    save_record(record, scratch=scratch)
    return record


def test(*, scratch, test_list, output, binary=None, spec=None, model=None, n_jobs=None, cache_dir=None,
         progress=True, device=None):
    """Label every distinct path of ``test_list`` and write ``output`` atomically.

    The features are those the stored classifier was trained on; a ``spec``
    or ``model`` (bundle) given explicitly must name the same system. A tag
    model writes two lists, ``output`` (AFFINITY) and ``binary`` (BINARY);
    a classifier one. ``device`` is as for :func:`train`.

    Returns
    -------
    predictions : list of (str, str)
        ``(path as given, label)`` in input order (a tag model: ``(path, tag)``
        of every BINARY 1).
    """
    scratch = Path(scratch)
    entries = read_list(test_list, kind="test", warn=_warn)
    record = load_record(scratch=scratch)
    is_tag = record.task == "tag"
    if is_tag != (binary is not None):
        raise ScratchError(f"{scratch}: holds a {'tag model' if is_tag else 'single-label classifier'}; give "
                           + ("AFFINITY_OUT and BINARY_OUT" if is_tag else "one OUTPUT"))
    outputs = [out for out in (output, binary) if out is not None]
    check_outputs(outputs, list_file=test_list, entries=entries)
    for out in outputs:
        _check_output(out)
    trained = FeatureSpec.parse(record.spec)
    asked = FeatureSpec.parse(spec or trained)
    asked = asked.with_bundle(model) if model else asked
    if asked.with_bundle(None) != trained.with_bundle(None):
        raise ScratchError(f"classifier in scratch was trained on features {trained}, not {asked}")
    extractor = feature_pipeline(asked, device=device, ivector=record.system if trained.ivector else None)
    if extractor.fingerprint != record.fingerprint:
        what = "the model" if asked.bundle == trained.bundle else f"model {asked.bundle or 'default'}"
        raise ScratchError(f"{what} differs from the one the classifier in scratch was trained with "
                           f"({extractor.fingerprint} != {record.fingerprint}); run run_train.sh again")
    paths = unique_paths(entries)
    segmented = record.on_segments
    result = (cached_segments if segmented else cached_features)(
        paths, extractor=extractor, cache_dir=cache_dir or scratch / "features", n_jobs=n_jobs, progress=progress,
        warn=_warn)
    if is_tag:
        return _test_tags(record, paths, result, affinity_out=output, binary_out=binary)
    labels = np.full(len(paths), record.majority, dtype=object)
    ok = result.ok
    if ok.any():
        if segmented:
            inputs, owners = result.segments(ok)
            labels[ok] = record.predict(inputs, owners=owners)
        else:
            labels[ok] = record.predict(result.features[ok])
    if result.errors:
        _warn(f"{len(result.errors)} test file(s) could not be used; labelled {record.majority!r}")
    rows = list(zip(paths, (str(x) for x in labels)))
    write_list(output, rows)
    return rows


def _test_tags(record, paths, result, *, affinity_out, binary_out):
    scores, binary = tag.predict(record=record, features=result.features)
    if result.errors:
        _warn(f"{len(result.errors)} test file(s) could not be used; given the tag priors as scores")
    tag_lists.write_outputs(paths=paths, record=record, scores=scores, binary=binary, affinity_out=affinity_out,
                      binary_out=binary_out)
    return [(p, t) for p, row in zip(paths, binary) for t, b in zip(record.tags, row) if b]


def similarity(*, list_file, out, spec=None, fmt="full", top=100, n_jobs=None, cache_dir=None, progress=True,
               device=None, concept=None):
    """Write the MIREX distance matrix of every distinct path of ``list_file`` (see :mod:`mirex.tasks.similarity`).

    Parameters
    ----------
    list_file : str or Path
        A path list (extra columns ignored).
    out : str or Path
        Written atomically; its header line is the feature system (``str(spec)``).
    spec : FeatureSpec or str, optional
        Default: the default preset.
    fmt : {'full', 'sparse'}
    top : int
        Nearest files per query in the sparse format.
    n_jobs, cache_dir, progress, device
        As for :func:`train`; the cache defaults to the project's.
    concept : str, optional
        Distances in this concept's sub-space of the bundle's embedding head
        (:func:`mirex.features.head.concept_embedder`); ``spec`` must be
        the head's feature system (:func:`mirex.features.head.head_spec`).

    Returns
    -------
    n : int
        Number of files in the matrix.
    """
    from mirex.folders import feature_cache_dir
    from mirex.tasks.similarity import write_matrix

    entries = read_list(list_file, kind="any", warn=_warn)
    check_outputs([out], list_file=list_file, entries=entries)
    _check_output(out)
    paths = unique_paths(entries)
    extractor = feature_pipeline(spec or DEFAULT_PRESET, device=device)
    result = cached_features(paths, extractor=extractor, cache_dir=cache_dir or feature_cache_dir(), n_jobs=n_jobs,
                       progress=progress, warn=_warn)
    features, name = result.features, str(extractor.spec)
    if concept:
        from mirex.features.head import concept_embedder

        features = concept_embedder(extractor.bundle, spec=extractor.spec, concept=concept)(features)
        name += f" concept={concept}"
    write_matrix(out=out, paths=paths, features=features, name=name, fmt=fmt, top=top)
    return len(paths)
