"""The metric-learning task: embedding heads trained by each objective, compared on held-out clips.

The dataset list and its folds are the tag task's (:mod:`~mirex.evaluate.tagdata`:
``path<TAB>tag[<TAB>group]``, group-filtered folds); a concept table
(``tag<TAB>concept``, :func:`~mirex.nets.concepts.read_concept_table`)
names the concepts; its tags are compared as the tag list's are, lower-cased
with non-alphanumerics dropped (:func:`~mirex.evaluate.classmetrics.normalise_label`).
A system is an embedding: ``--loss LOSS`` trains a
head (:func:`mirex.pretrain.head.fit_head`, the ``mirex pretrain --head``
training) with that objective on the training clips' segment features of
the system's bundle, one sub-space per concept with ``--concepts``, one
space over every tag without; no ``--loss`` is the bundle's song features
themselves, standardised on the training clips (the reference). The
feature system is the head's (``--features``, default
:data:`~mirex.pretrain.head.HEAD_DEFAULTS`'s) on the default bundle or
``--model``. Every clip's segment features are computed once per feature
system; a clip that cannot be decoded is left out of every fold. The
measures are :mod:`~mirex.evaluate.metricmeasures`'s, on each fold's
held-out clips, then averaged over the folds; the training time is summed.
"""
import logging

import numpy as np
import pandas as pd

from mirex.errors import EvaluationError
from mirex.evaluate import metricmeasures as measures
from mirex.evaluate.classmetrics import normalise_label
from mirex.evaluate.metricreport import MetricResult, write_metric_report
from mirex.evaluate.systems import System
from mirex.evaluate.tagdata import TagFolding
from mirex.features.spec import FeatureSpec
from mirex.listfile import write_list
from mirex.nets.concepts import read_concept_table
from mirex.pretrain.head import HEAD_DEFAULTS, fit_head, head_extractor, segment_features
from mirex.pretrain.objectives import LOSSES
from mirex.pretrain.splits import Clip

__all__ = ["METRIC_SYSTEMS", "METRIC_DEFAULTS", "MetricTask", "head_settings"]

log = logging.getLogger(__name__)

METRIC_SYSTEMS = {"base": System("base", HEAD_DEFAULTS["features"]),
                  **{f"{loss}{suffix}": System(f"{loss}{suffix}", HEAD_DEFAULTS["features"], None,
                                               ("--loss", loss, *extra))
                     for loss in LOSSES for suffix, extra in (("", ()), ("-concepts", ("--concepts",)))}}
"""The default systems: the base features, and a head of each objective with and without concepts."""
METRIC_DEFAULTS = {"epochs": HEAD_DEFAULTS["epochs"], "dim": HEAD_DEFAULTS["dim"], "triplets": 1000,
                   "neighbours": 10}
"""Head training epochs and embedding length (``mirex pretrain --head``'s), triplets drawn per concept and fold,
neighbourhood size N."""


def _normalised(table, *, path):
    """A concept table's tags spelt as the tag list's (:func:`~mirex.evaluate.classmetrics.normalise_label`).

    Raises
    ------
    EvaluationError
        If two tags of the table become one.
    """
    seen, normalised = {}, {}
    for concept, tags in table.items():
        for tag in tags:
            key = normalise_label(tag)
            if key in seen:
                raise EvaluationError(f"{path}: tags {seen[key]!r} and {tag!r} are the same tag once lower-cased "
                                      "without punctuation")
            seen[key] = tag
        normalised[concept] = tuple(normalise_label(tag) for tag in tags)
    return normalised


def _mean(values):
    """The mean of the values that are not NaN; NaN when none is."""
    values = np.asarray(values, dtype=float)
    return float(values[~np.isnan(values)].mean()) if (~np.isnan(values)).any() else float("nan")


def head_settings(system):
    """A system's objective and whether it is disentangled: ``(loss or None, concepts)``.

    Raises
    ------
    EvaluationError
        For a task-LDA choice, an option other than ``--loss LOSS`` and
        ``--concepts``, an unknown loss, or ``--concepts`` without a loss.
    """
    tokens, loss, concepts = list(system.options), None, False
    while tokens:
        option, _, value = tokens.pop(0).partition("=")
        if option == "--concepts" and not value:
            concepts = True
        elif option == "--loss" and (value or tokens):
            loss = value or tokens.pop(0)
        else:
            raise EvaluationError(f"system {system.name!r}: the metric task takes --loss LOSS, --concepts, "
                                  f"--features and --model, not {option}")
    if system.task_lda is not None:
        raise EvaluationError(f"system {system.name!r}: the metric task takes no --task-lda")
    if loss is not None and loss not in LOSSES:
        raise EvaluationError(f"system {system.name!r}: --loss takes {', '.join(LOSSES)}, not {loss!r}")
    if concepts and loss is None:
        raise EvaluationError(f"system {system.name!r}: --concepts needs a head (--loss LOSS)")
    return loss, concepts


class MetricTask(TagFolding):
    """``--task metric`` (see the module docstring and :mod:`~mirex.evaluate.harness`).

    Parameters
    ----------
    concepts : str or Path
        The concept table.
    epochs, dim, triplets, neighbours : int, optional
        See :data:`METRIC_DEFAULTS` (None: the default).

    Raises
    ------
    TypeError
        For an unknown setting.
    EvaluationError
        Without a concept table.
    ListFileError
        For an unusable one.
    """

    name, suffix, folded, systems = "metric", "-metric", True, METRIC_SYSTEMS

    def __init__(self, *, concepts=None, **settings):
        unknown = set(settings) - set(METRIC_DEFAULTS)
        if unknown:
            raise TypeError(f"unknown settings {sorted(unknown)}")
        if concepts is None:
            raise EvaluationError("the metric task needs a concept table (--concepts TABLE)")
        self.table_path, self.table = concepts, _normalised(read_concept_table(concepts), path=concepts)
        self.settings = {**METRIC_DEFAULTS, **{k: v for k, v in settings.items() if v is not None}}
        self._segments = {}

    def arguments(self):
        """The task's settings as ``mirex evaluate`` options."""
        return ["--concepts", str(self.table_path),
                *(word for key, value in self.settings.items() for word in (f"--{key}", str(value)))]

    def check(self, *, system):
        """Refuse options other than the head's (:func:`head_settings`)."""
        head_settings(system)

    def step(self, *, system, fold, n_folds):
        """The progress line of one fold."""
        loss, concepts = head_settings(system)
        what = f"a {loss} head{' on concepts' if concepts else ''}" if loss else "no head"
        return f"{system.name} fold {fold.number}/{n_folds}: {what}, {len(fold.train)} training clips"

    def _features(self, *, spec, dataset, plan):
        """Each clip's segment features (None where undecodable), computed once per feature system."""
        from mirex.bundle import load_bundle

        if str(spec) not in self._segments:
            if plan.n_jobs:
                import torch

                torch.set_num_threads(plan.n_jobs)
            extractor = head_extractor(base=load_bundle(spec.bundle), features=str(spec.with_bundle(None)))
            self._segments[str(spec)] = segment_features(extractor, dataset.paths)
        return self._segments[str(spec)]

    def run_fold(self, *, system, dataset, fold, lists, plan):
        """Train the system's head on the training clips and measure it on the held-out ones: one row (dict)."""
        loss, concepts = head_settings(system)
        spec = FeatureSpec.parse(system.spec or HEAD_DEFAULTS["features"])
        segments = self._features(spec=spec, dataset=dataset, plan=plan)
        train, test = ([i for i in side if segments[i] is not None] for side in (fold.train, fold.test))
        songs = {i: segments[i].mean(axis=0) for i in (*train, *test)}
        seconds = 0.0
        if loss is None:
            x = np.stack([songs[i] for i in train])
            offset, scale = x.mean(axis=0), 1 / np.maximum(x.std(axis=0), 1e-6)

            def embed(rows):
                return (np.stack([songs[i] for i in rows]) - offset) * scale
            names, masks = (), None
        else:
            clips = [Clip(dataset.paths[i], "", dataset.paths[i], tags=dataset.tags[i]) for i in train]
            table = plan.out_dir / "concepts.txt"  # the concept table with the tag list's spelling of its tags
            write_list(table, [(tag, concept) for concept, tags in self.table.items() for tag in tags])
            head, info = fit_head(clips=clips, segments=[segments[i] for i in train],
                                  concepts=table if concepts else None, task="tags", loss=loss,
                                  features=str(spec.with_bundle(None)), epochs=self.settings["epochs"],
                                  dim=self.settings["dim"], seed=plan.seed)
            seconds, names, masks = info["training_s"], head.concepts, head.masks

            def embed(rows):
                return head(np.stack([songs[i] for i in rows]))
        return {"fold": fold.number, **self._measure(dataset=dataset, train=train, test=test, embed=embed,
                                                     names=names, masks=masks, seed=plan.seed),
                "train_s": seconds}

    def _measure(self, *, dataset, train, test, embed, names, masks, seed):
        """Every measure of one fold (:mod:`~mirex.evaluate.metricmeasures`)."""
        held_out, n = embed(test), self.settings["neighbours"]
        groups = [dataset.groups[i] for i in test]
        row, whole = {}, []
        for k, (concept, tags) in enumerate(self.table.items()):
            labels = measures.concept_labels(tags=[dataset.tags[i] for i in test], concept_tags=tags)
            view = measures.concept_view(held_out, concepts=names, masks=masks, concept=concept)
            row[f"precision_{concept}"] = measures.concept_precision(embeddings=view, labels=labels, groups=groups,
                                                                     n=n)
            whole.append(measures.concept_precision(embeddings=held_out, labels=labels, groups=groups, n=n))
            triplets = measures.concept_triplets(labels=labels, count=self.settings["triplets"], seed=seed + k)
            row[f"triplet_{concept}"] = measures.triplet_accuracy(embeddings=view, triplets=triplets)
        row["precision_all"] = _mean(whole)
        row["triplet_mean"] = _mean([row[f"triplet_{concept}"] for concept in self.table])
        row["tag_auc"] = measures.probe_auc(train=embed(train), train_truth=dataset.truth(train), test=held_out,
                                            test_truth=dataset.truth(test), tracks=[dataset.paths[i] for i in test],
                                            tags=dataset.vocabulary, seed=seed)
        return row

    def collect(self, *, system, dataset, runs):
        """A :class:`~mirex.evaluate.metricreport.MetricResult` of the folds' rows."""
        loss, concepts = head_settings(system)
        return MetricResult(system.name, system.arguments(), loss or "none", concepts,
                            pd.DataFrame(runs).set_index("fold"))

    def report(self, *, dataset, plan, results):
        """Write the report (:func:`~mirex.evaluate.metricreport.write_metric_report`); return the table."""
        return write_metric_report(out_dir=plan.out_dir, dataset=dataset, table=self.table, settings=self.settings,
                                   n_folds=plan.n_folds, results=results, command=plan.command)

    @staticmethod
    def format(*, board):
        """The printed table."""
        return board.to_string(index=False, float_format="%.4f")
