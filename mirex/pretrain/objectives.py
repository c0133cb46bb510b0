"""What an embedding is trained on: the objective's concept sub-spaces over a task's classes.

Without a concept table the embedding is one space over the task's classes
(artists or tags); with one (tags task only) it has a sub-space per concept
of the table, each trained on the concept's tags alone (see
:mod:`mirex.nets.concepts`).
"""
import importlib

import numpy as np

from mirex.errors import MirexError
from mirex.features.spec import FeatureSpec
from mirex.nets.concepts import ConceptSpace, read_concept_table
from mirex.nets.projection import Head, OBJECTIVES

__all__ = ["LOSSES", "check_objective", "concept_space", "one_hot", "network_head"]

#: The ``--loss`` choices.
LOSSES = OBJECTIVES


def check_objective(*, loss, concepts, task, tracks=False):
    """Refuse combinations that cannot train.

    Raises
    ------
    MirexError
        For an unknown loss, concepts on a task without tags, the joint
        task with an embedding objective, or track similarity without the
        triplet loss.
    """
    if loss not in LOSSES:
        raise MirexError(f"loss must be one of {', '.join(LOSSES)}, not {loss!r}")
    if concepts and task != "tags":
        raise MirexError("a concept table groups tags: use it with the tags task")
    if task == "joint" and (loss != "classification" or concepts):
        raise MirexError("the joint task trains with its classification heads only")
    if tracks and loss != "triplet":
        raise MirexError("track similarity is trained by the triplet loss")


def concept_space(task, *, dim, concepts=None, tracks=False):
    """The sub-spaces of an embedding of ``dim`` values for a task.

    Parameters
    ----------
    task
        An artist or tags task (:func:`mirex.pretrain.tasks.make_task`).
    dim : int
    concepts : str or Path, optional
        A concept table (tags task).
    tracks : bool
        Add the track sub-space.

    Returns
    -------
    space : ConceptSpace
    columns : list of np.ndarray or None
        Each concept's columns of the task's multi-hot (or :func:`one_hot`) targets.
    """
    kind = "artist" if task.has_artists else "tags"
    classes = task.classes[kind]
    table = read_concept_table(concepts) if concepts else {kind: tuple(classes)}
    space = ConceptSpace.from_table(table, dim=dim, tracks=tracks)
    return space, space.columns(classes)


def one_hot(targets, n_classes):
    """Class ids (n,) as a float32 one-hot matrix; multi-hot targets (n, classes) as they are."""
    targets = np.asarray(targets)
    return np.eye(n_classes, dtype=np.float32)[targets] if targets.ndim == 1 else targets.astype(np.float32)


def network_head(space, *, objective, arch):
    """The head of a network trained as the embedding itself: no layers, the space's masks over its feature.

    Its feature system is the network's feature as the extractor computes it
    (the max over time of the last block, of ReSE-2's last three), averaged
    over a clip's segments.
    """
    names = getattr(importlib.import_module(arch.module), "MULTI_LEVEL", arch.blocks[-1:])
    spec = FeatureSpec(blocks=tuple(arch.blocks.index(n) + 1 for n in names), pool="max", stats="mean")
    return Head(objective=objective, features=str(spec), concepts=space.concepts, tags=space.tags,
                masks=space.masks(), layers=(), offset=np.zeros(space.dim, np.float32),
                scale=np.ones(space.dim, np.float32))
