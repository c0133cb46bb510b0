"""``mirex pretrain --head BUNDLE``: an embedding head trained on a bundle's frozen segment features.

The bundle's extractor computes every clip's segment features once (the
feature system's blocks and pooling of each non-overlapping segment); the
clips are split as a training run splits them (:func:`mirex.pretrain.splits.split_songs`)
and the head (standardisation, a ReLU layer, a linear projection, the
concept sub-spaces) is trained on them with Adam (:func:`fit_head`),
keeping the epoch of the lowest validation loss, on one PyTorch thread (the
head is small: more threads would only wait on each other). A batch holds
:data:`PER_CLIP` segments of each of its clips, so segments of one track
are there to be each other's positives.
The head applies to song features, the mean of a clip's segment features,
which is what the feature system gives with ``stats=mean``. The result is a
new bundle: the base bundle's files and the head (:mod:`mirex.features.head`).
"""
import time

import numpy as np

from mirex.errors import AudioError, DataError, MirexError
from mirex.log import logger, progress_bar
from mirex.features.head import save_head_bundle
from mirex.features.spec import FeatureSpec
from mirex.nets.projection import Head
from mirex.pretrain.objectives import check_objective, concept_space, one_hot
from mirex.pretrain.splits import SPLITS, split_songs
from mirex.pretrain.tasks import make_task, reader

__all__ = ["HEAD_DEFAULTS", "PER_CLIP", "head_extractor", "segment_features", "fit_head", "train_head"]

#: Settings of a head run.
HEAD_DEFAULTS = {"task": "tags", "loss": "classification", "features": "dcnn:blocks=1-5,pool=max,stats=mean",
                 "dim": 128, "hidden": 512, "epochs": 40, "batch_size": 64, "lr": 1e-3, "patience": 8, "seed": 0}
#: Segments drawn from each clip of a batch.
PER_CLIP = 2


def head_extractor(*, base, features):
    """The feature pipeline, on bundle ``base``, of the feature system a head takes.

    Raises
    ------
    MirexError
        Unless it is network features with ``stats=mean``, one segment length, no ``+mfcc`` or ``+lda``.
    """
    from mirex.features import feature_pipeline

    spec = FeatureSpec.parse(features).with_bundle(str(base.path))
    if not spec.uses_network or spec.mfcc or spec.lda or spec.stats != "mean" or len(spec.seg) > 1:
        raise MirexError(f"{features}: a head takes network features with stats=mean, one segment length, "
                         "no +mfcc or +lda")
    return feature_pipeline(spec)


def segment_features(extractor, paths, *, progress=False):
    """Each file's segment features (n_segments, segment_dim), or None where it cannot be decoded."""
    from mirex.audio import load

    (name,) = [n for n, length in extractor.passes.items() if length is not None]
    out = []
    with progress_bar(enabled=progress, total=len(paths), unit="clip", desc="segment features", leave=False) as bar:
        for path in paths:
            try:
                y = load(path, sr=extractor.sr)
                out.append(extractor.segment_features(extractor.pooled(extractor.prepare([y], [name])[name])))
            except AudioError as exc:
                logger.warning(f"{exc} (skipped)")
                out.append(None)
            bar.update()
    return out


def _batches(segments, clips, rng, *, batch_size):
    """Row indices of each batch: clips in a random order, :data:`PER_CLIP` random segments of each."""
    order = rng.permutation(clips)
    per_batch = max(1, batch_size // PER_CLIP)
    for begin in range(0, len(order), per_batch):
        yield np.concatenate([segments[c][rng.choice(len(segments[c]), min(PER_CLIP, len(segments[c])),
                                                     replace=False)] for c in order[begin : begin + per_batch]])


def _head(embedder, *, space, objective, features, offset, scale):
    dense = [layer for layer in embedder.layers if layer.name.startswith(("head_", "projection"))]
    layers = tuple((*(np.asarray(w, np.float32) for w in layer.get_weights()), layer.activation.__name__)
                   for layer in dense)
    return Head(objective=objective, features=features, concepts=space.concepts, tags=space.tags,
                masks=space.masks(), layers=layers, offset=offset, scale=scale)


def _settings(settings):
    unknown = set(settings) - set(HEAD_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}")
    return {**HEAD_DEFAULTS, **{k: v for k, v in settings.items() if v is not None}}


def _epochs(model, data, *, offset, scale, settings):
    """Train epoch by epoch until the validation loss stops falling: the loss history and the best epoch."""
    s = settings
    rng, history, best, waited = np.random.default_rng(s["seed"]), [], (np.inf, None, 0), 0
    for epoch in range(1, s["epochs"] + 1):
        losses = {}
        for name, train in (("train", True), ("valid", False)):
            x, y, rows_of = data[name]
            draw = rng if train else np.random.default_rng(s["seed"])
            step = model.train_on_batch if train else model.test_on_batch
            values = [float(step((x[rows] - offset) * scale, y[rows]))
                      for rows in _batches(rows_of, np.arange(len(rows_of)), draw, batch_size=s["batch_size"])]
            losses[name] = float(np.mean(values))
        history.append(losses)
        if losses["valid"] < best[0]:
            best, waited = (losses["valid"], model.get_weights(), epoch), 0
        else:
            waited += 1
            if waited >= s["patience"]:
                break
    return history, best


def fit_head(*, clips, segments, concepts=None, tracks=False, **settings):
    """Train an embedding head on clips' segment features (the training part of :func:`train_head`).

    Parameters
    ----------
    clips : list of mirex.pretrain.splits.Clip
        As the task's list reader gives them.
    segments : list of np.ndarray
        Each clip's segment features (n_segments, segment_dim), from :func:`segment_features`.
    concepts, tracks, **settings
        As :func:`train_head` takes them (``features`` only names the feature system in the head).

    Returns
    -------
    head : mirex.nets.projection.Head
    info : dict
        The settings, the best epoch and its validation loss, the loss history and the training time.

    Raises
    ------
    DataError
        If the clips are too few for a training and a validation split.
    """
    import keras
    import torch

    from mirex.nets.embedding import build_embedding_model

    s = _settings(settings)
    check_objective(loss=s["loss"], concepts=concepts, task=s["task"], tracks=tracks)
    assigned = split_songs(clips, seed=s["seed"])
    task = make_task(s["task"], clips=clips, assigned=assigned)
    space, columns = concept_space(task, dim=s["dim"], concepts=concepts, tracks=tracks)
    by_path = {c.path: f for c, f in zip(clips, segments)}
    dim_in = segments[0].shape[1]
    data = {}
    for name in SPLITS:
        members = assigned[name]
        rows = [by_path[c.path] for c in members]
        targets = one_hot(task.targets(members), len(task.classes["artist"])) if task.has_artists else \
            task.targets(members)
        owner = np.concatenate([np.full(len(r), i) for i, r in enumerate(rows)]) if rows else np.zeros(0, int)
        y = np.concatenate([targets[owner], owner[:, None].astype(np.float32)], axis=1)
        x = np.concatenate(rows) if rows else np.zeros((0, dim_in), np.float32)
        data[name] = (x, y, np.split(np.arange(len(x)), np.cumsum([len(r) for r in rows])[:-1]))
    if not len(data["train"][0]) or not len(data["valid"][0]):
        raise DataError(f"{len(clips)} clips are too few for a training and a validation split")
    offset = data["train"][0].mean(axis=0)
    scale = (1 / np.maximum(data["train"][0].std(axis=0), 1e-6)).astype(np.float32)
    keras.utils.set_random_seed(s["seed"])
    inputs = keras.Input((dim_in,))
    model, embedder, loss = build_embedding_model(inputs, inputs, objective=s["loss"], space=space, columns=columns,
                                                  hidden=(s["hidden"],), project=True, seed=s["seed"])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=s["lr"]), loss=loss)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a layer or two on small batches: more threads only wait on each other
    try:
        fit_started = time.perf_counter()
        history, best = _epochs(model, data, offset=offset, scale=scale, settings=s)
        fit_seconds = time.perf_counter() - fit_started
    finally:
        torch.set_num_threads(threads)
    model.set_weights(best[1])
    features_text = str(FeatureSpec.parse(s["features"]).with_bundle(None))
    head = _head(embedder, space=space, objective=s["loss"], features=features_text, offset=offset, scale=scale)
    info = {"settings": {**s, "tracks": tracks, "concepts": str(concepts) if concepts else None},
            "best_epoch": best[2], "best_val_loss": best[0], "epochs_run": len(history), "history": history,
            "training_s": fit_seconds}
    logger.info(f"head ({s['loss']}, {', '.join(space.concepts)}) trained in {fit_seconds:.1f} s, "
                f"best validation loss {best[0]:.4f} at epoch {best[2]}")
    return head, info


def train_head(*, head_list, base, out, concepts=None, tracks=False, n_jobs=None, progress=True, **settings):
    """Train an embedding head on a bundle's features and write bundle ``out`` (beside ``base``).

    Parameters
    ----------
    head_list : str or Path
        The task's list (``path<TAB>tag`` for tags, ``path<TAB>artist[<TAB>song]`` for artists).
    base : str
        The bundle (name or folder) whose network computes the features.
    out : str
        Name of the new bundle.
    concepts : str or Path, optional
        A concept table (tags task): one sub-space per concept.
    tracks : bool
        Add the track sub-space (segments of one track are its positives; triplet loss).
    n_jobs : int, optional
        PyTorch threads.
    progress : bool
    **settings
        Any of :data:`HEAD_DEFAULTS` (``task``, ``loss``, ``features``, ``dim``,
        ``hidden``, ``epochs``, ``batch_size``, ``lr``, ``patience``, ``seed``);
        None keeps the default.

    Returns
    -------
    mirex.bundle.Bundle
    """
    import torch

    from mirex.bundle import load_bundle

    s = _settings(settings)
    check_objective(loss=s["loss"], concepts=concepts, task=s["task"], tracks=tracks)
    if n_jobs:
        torch.set_num_threads(n_jobs)
    started = time.perf_counter()
    bundle = load_bundle(base)
    extractor = head_extractor(base=bundle, features=s["features"])
    clips = reader(s["task"])(head_list)
    features = segment_features(extractor, [c.path for c in clips], progress=progress)
    kept = [(c, f) for c, f in zip(clips, features) if f is not None]
    feature_seconds = time.perf_counter() - started
    try:
        head, info = fit_head(clips=[c for c, _ in kept], segments=[f for _, f in kept], concepts=concepts,
                              tracks=tracks, **s)
    except DataError as exc:
        raise DataError(f"{head_list}: {exc}") from None
    info = {"base": bundle.name, "list": str(head_list), **info,
            "wall_time_s": {"features": feature_seconds, "training": info.pop("training_s")}}
    return save_head_bundle(bundle, name=out, head=head, info=info)
