"""Tag classification evaluation: group-filtered folds through the two scripts.

A tag dataset list has one ``path<TAB>tag[<TAB>group]`` line per (clip, tag)
pair; the group (artist, work) must be the same on every line of a clip. Tags
are compared normalised (lower-case, letters and digits only), clips by
:func:`~mirex.evaluate.dataset.clip_key`. Folds are made by
:func:`~mirex.evaluate.folds.make_folds` with each clip's rarest tag as its
stratum and the group as the artist filter. For every fold and system the
runner writes ``train.txt`` (``path<TAB>tag`` per pair) and ``test.txt``
(paths), calls ``run_train.sh SCRATCH TRAIN --task tag ...`` and
``run_test.sh SCRATCH TEST AFFINITY BINARY`` and scores both outputs with
:mod:`~mirex.evaluate.tagmetrics` (a missing pair counts 0).
"""
import itertools
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mirex.errors import DataError
from mirex.evaluate.dataset import clip_key
from mirex.evaluate.folds import make_folds
from mirex.evaluate.metrics import normalise_label
from mirex.evaluate.runner import project_root, run_script
from mirex.evaluate.tagmetrics import PRECISION_AT, affinity_scores, binary_scores, tag_matrix
from mirex.listfile import read_list, write_list

__all__ = ["TagDataset", "TagFold", "TagSystemResult", "load_tag_dataset", "fold_summary", "run_tag_system",
           "tag_folds"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TagDataset:
    """A tag dataset, one entry per distinct clip.

    Attributes
    ----------
    source : Path
    paths : list of str
        Absolute paths in list order.
    tags : list of tuple of str
        Each clip's normalised tags.
    groups : list of str or None
    vocabulary : list of str
        Every normalised tag, in first-seen order.
    """

    source: Path
    paths: list
    tags: list
    groups: list
    vocabulary: list

    @property
    def name(self):
        """The list file's name without extension."""
        return self.source.stem

    def truth(self, indices):
        """The 0/1 (clip x tag) matrix of the clips at ``indices``."""
        column = {t: j for j, t in enumerate(self.vocabulary)}
        matrix = np.zeros((len(indices), len(self.vocabulary)))
        for row, i in enumerate(indices):
            matrix[row, [column[t] for t in self.tags[i]]] = 1
        return matrix


def load_tag_dataset(*, path):
    """Read a tag dataset list.

    Raises
    ------
    ListFileError
        If the list is unreadable or a line lacks a tag.
    DataError
        If a tag has no letters or digits, a clip has two groups, two clips
        share a base name, or there are fewer than two tags.
    """
    clips, keys = {}, {}
    for entry in read_list(path, kind="train"):
        tag = normalise_label(entry.label)
        if not tag:
            raise DataError(f"{path}:{entry.line}: tag {entry.label!r} has no letters or digits")
        clip = clips.get(entry.resolved)
        if clip is None:
            key = clip_key(entry.path)
            if key in keys:
                raise DataError(f"{path}:{entry.line}: {entry.path!r} has the same base name as line {keys[key]}; "
                                "outputs are matched by base name")
            keys[key] = entry.line
            clip = clips[entry.resolved] = {"tags": [], "group": entry.group, "line": entry.line}
        elif entry.group != clip["group"]:
            raise DataError(f"{path}:{entry.line}: group {entry.group!r} differs from {clip['group']!r} "
                            f"on line {clip['line']}")
        if tag not in clip["tags"]:
            clip["tags"].append(tag)
    vocabulary = list(dict.fromkeys(t for c in clips.values() for t in c["tags"]))
    if len(vocabulary) < 2:
        raise DataError(f"{path}: needs at least two tags to evaluate a tagger")
    return TagDataset(Path(path), list(clips), [tuple(c["tags"]) for c in clips.values()],
                      [c["group"] for c in clips.values()], vocabulary)


def tag_folds(*, dataset, n_folds, seed):
    """Group-filtered folds, stratified by each clip's rarest tag."""
    counts = Counter(t for tags in dataset.tags for t in tags)
    strata = [min(tags, key=lambda t: (counts[t], t)) for tags in dataset.tags]
    return make_folds(labels=strata, groups=dataset.groups, n_folds=n_folds, seed=seed)


def _write_fold_lists(dataset, fold, folder):
    train, test = folder / "train.txt", folder / "test.txt"
    write_list(train, [(dataset.paths[i], tag) for i in fold.train for tag in dataset.tags[i]])
    write_list(test, [(dataset.paths[i],) for i in fold.test])
    return train, test


def _read_output(output, *, dataset, indices):
    """The (clip x tag) matrix of an output list; lines without a value are skipped with one warning."""
    rows, short = [], 0
    for entry in read_list(output, kind="any"):
        if entry.group is None:
            short += 1
        else:
            rows.append((clip_key(entry.path), normalise_label(entry.label), entry.group))
    if short:
        log.warning("%s: %d line(s) without a value ignored", output, short)
    return tag_matrix(rows=rows, tracks=[clip_key(dataset.paths[i]) for i in indices], tags=dataset.vocabulary,
                      name=str(output))


@dataclass(frozen=True)
class TagFold:
    """One fold's scores: :class:`~mirex.evaluate.tagmetrics.BinaryScores` and ``AffinityScores``."""

    number: int
    binary: object
    affinity: object


@dataclass(frozen=True)
class TagSystemResult:
    """One system's outcome: its folds' scores and the script timings (index ``fold``)."""

    name: str
    options: list
    folds: list
    timings: pd.DataFrame


def fold_summary(*, fold):
    """One row of fold-level numbers.

    Pooled BINARY metrics over the fold's (clip, tag) pairs; ``tag_f_measure``
    and ``track_f_measure`` (means of per-tag and per-track F-measure);
    ``pooled_auc``, ``tag_auc``, ``track_auc``; ``p@N`` (mean over clips).
    """
    row = dict(fold.binary.overall)
    row["tag_f_measure"] = float(fold.binary.per_tag["f_measure"].mean())
    row["track_f_measure"] = float(fold.binary.per_track["f_measure"].mean())
    row["pooled_auc"] = fold.affinity.pooled_auc
    row["tag_auc"] = float(fold.affinity.per_tag["auc"].mean())
    row["track_auc"] = float(fold.affinity.per_track["auc"].mean())
    row.update({f"p@{n}": float(fold.affinity.per_track[f"p@{n}"].mean()) for n in PRECISION_AT})
    return row


def run_tag_system(*, name, options, dataset, folds, out_dir, scripts_dir=None, n_jobs=None, cache_dir=None,
                   progress=None):
    """Train and test one system on every fold through the scripts, and score it.

    Parameters
    ----------
    name : str
        Scratch ``out_dir/scratch/NAME``; outputs ``out_dir/outputs/NAME/foldK.{affinity,binary}.txt``.
    options : list of str
        Extra options for ``run_train.sh`` (``run_test.sh`` uses the system the scratch folder records).
    dataset : TagDataset
    folds : list of Fold
    out_dir : Path
    scripts_dir : Path, optional
    n_jobs : int, optional
    cache_dir : Path, optional
    progress : callable, optional

    Returns
    -------
    TagSystemResult
    """
    scripts_dir = Path(scripts_dir) if scripts_dir else project_root()
    out_dir = Path(out_dir)
    scratch = out_dir / "scratch" / name
    extra = [*(["-numThreads", str(n_jobs)] if n_jobs else []), *(["--cache", str(cache_dir)] if cache_dir else [])]
    results, timings = [], []
    for fold in folds:
        if progress:
            progress(f"{name} fold {fold.number}/{len(folds)}: train on {len(fold.train)}, test on {len(fold.test)}")
        train, test = _write_fold_lists(dataset, fold, out_dir / "folds" / f"fold{fold.number}")
        affinity, binary = (out_dir / "outputs" / name / f"fold{fold.number}.{kind}.txt"
                            for kind in ("affinity", "binary"))
        affinity.parent.mkdir(parents=True, exist_ok=True)
        train_s = run_script(script=scripts_dir / "run_train.sh",
                             args=[scratch, train, "--task", "tag", *options, *extra])
        test_s = run_script(script=scripts_dir / "run_test.sh", args=[scratch, test, affinity, binary, *extra])
        truth = dataset.truth(fold.test)
        tracks = [dataset.paths[i] for i in fold.test]
        names = {"tracks": tracks, "tags": dataset.vocabulary}
        results.append(TagFold(
            fold.number,
            binary_scores(truth=truth, predicted=_read_output(binary, dataset=dataset, indices=fold.test), **names),
            affinity_scores(truth=truth, affinity=_read_output(affinity, dataset=dataset, indices=fold.test),
                            **names)))
        timings.append({"fold": fold.number, "train_s": train_s, "test_s": test_s})
    return TagSystemResult(name, list(options), results, pd.DataFrame(timings).set_index("fold"))


def run_tag_evaluation(*, dataset_list, systems, folds, out_dir, n_jobs, cache_dir, seed, scripts_dir=None,
                       progress=None):
    """Cross-validate tag systems on a tag dataset list and write the report.

    Returns
    -------
    board : DataFrame
        See :func:`mirex.evaluate.tagreport.write_tag_report`.
    """
    from mirex.errors import EvaluationError
    from mirex.evaluate.tagreport import write_tag_report

    dataset = load_tag_dataset(path=dataset_list)
    out_dir = Path(out_dir) if out_dir else Path("results") / f"{dataset.name}-tag"
    splits = tag_folds(dataset=dataset, n_folds=folds, seed=seed)
    if progress:
        progress(f"tag evaluation: {len(dataset.paths)} clips, {folds} folds, systems: {', '.join(systems)}; "
                 f"results in {out_dir}")
    steps = itertools.count(1)
    results = []
    for name, options in systems.items():
        try:
            results.append(run_tag_system(
                name=name, options=options, dataset=dataset, folds=splits, out_dir=out_dir, scripts_dir=scripts_dir,
                n_jobs=n_jobs, cache_dir=cache_dir,
                progress=progress and (lambda m: progress(f"[{next(steps)}/{len(systems) * folds}] {m}"))))
        except EvaluationError as exc:
            raise EvaluationError(f"system {name!r}: {exc}") from None
    return write_tag_report(out_dir=out_dir, dataset=dataset, n_folds=folds, seed=seed, results=results)
