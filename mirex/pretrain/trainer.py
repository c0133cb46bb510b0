"""``mirex pretrain``: from a list to a model bundle with its LDA and a report.

Everything a run needs between invocations lives in ``MODELS/NAME.training/``:
``run.json`` (the settings), ``splits.tsv`` (every clip's split), ``mels/``
(the input cache, log-mels or decoded waveforms, and the packed splits),
``checkpoint.npz`` (after every epoch) and ``best.npz`` (the best epoch by
validation loss). The bundle ``MODELS/NAME/`` is written at the end,
atomically, from the best epoch; its manifest names the architecture
(``arch``) and the front end (``frontend``, with its ``kind``).
"""
import json
import resource
import sys
import time
from pathlib import Path

from mirex.log import logger, progress_shown
from mirex.nets import get_arch
from mirex.pretrain.inputs import assign, prepare
from mirex.pretrain.objectives import concept_space, network_head
from mirex.pretrain.settings import run_settings
from mirex.pretrain.splits import SPLITS
from mirex.pretrain.tasks import reader

__all__ = ["pretrain", "training_dir"]

N_NEGATIVES, MARGIN = 4, 0.4
#: Batch-norm moving-average momentum in training: 0.9 rather than Keras's 0.99, so that
#: the statistics used at inference settle within tens of steps, not hundreds.
BN_MOMENTUM = 0.9
#: Threads reading training batches ahead of the device.
LOADER_THREADS = 4


def training_dir(name, *, root=None):
    """The folder of a training run's state: ``MODELS/NAME.training``."""
    from mirex.folders import writable_models_dir

    return (Path(root) if root else writable_models_dir()) / f"{name}.training"


def _build(settings, *, arch, task, frontend):
    """The feature model, the training model (compiled, optimizer built), its batch plan and evaluated heads."""
    import functools

    import keras

    from mirex.nets import dcnn
    from mirex.nets.embedding import build_embedding_model
    from mirex.nets.heads import build_training_model
    from mirex.pretrain.batches import plain_plan, siamese_plan

    keras.utils.set_random_seed(settings["seed"])
    features = arch.build_feature_model(frontend=frontend, seed=settings["seed"], bn_momentum=BN_MOMENTUM)
    if settings["model"] == "siamese":
        model = dcnn.build_siamese_model(features, n_negatives=N_NEGATIVES)
        compiled = dict(loss=dcnn.hinge_loss(MARGIN), metrics=[dcnn.ranking_accuracy])
        plan, heads = functools.partial(siamese_plan, n_negatives=N_NEGATIVES), ()
    elif settings["loss"] != "classification" or settings["concepts"]:
        space, columns = concept_space(task, dim=int(features.output.shape[-1]), concepts=settings["concepts"])
        model, _, loss = build_embedding_model(
            features.input, features.output, objective=settings["loss"], space=space, columns=columns,
            n_classes=len(task.classes["artist"]) if task.has_artists else None, seed=settings["seed"])
        compiled, plan, heads = dict(loss=loss), plain_plan, ()
    else:
        model = build_training_model(features, outputs=task.outputs(), hidden=arch.hidden, seed=settings["seed"],
                                     bn_momentum=BN_MOMENTUM)
        compiled, plan, heads = task.compile_args(), plain_plan, tuple(task.outputs())
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=float(settings["lr"]), momentum=0.9, nesterov=True),
                  **compiled)
    model.optimizer.build(model.trainable_variables)
    return features, model, plan, heads


def _mixed_precision(asked):
    """Whether this run computes in float16 (asked for, and a CUDA device present)."""
    import torch

    if asked and not torch.cuda.is_available():
        logger.warning("--mixed-precision needs a CUDA device; training in float32")
    return asked and torch.cuda.is_available()


def _evaluate(task, *, evaluator, splits, batch_size):
    """Test scores and the training songs' features (for the LDA)."""
    from mirex.pretrain.evaluate import accuracies, centroid_scores, segment_outputs, song_means, tag_auc

    train_songs = song_means(evaluator, splits["train"], batch_size=batch_size)
    test = splits["test"]
    results = {}
    if len(test):
        out, owner = segment_outputs(evaluator, test, batch_size=batch_size)
        if task.has_artists:
            scores = centroid_scores(out["feature"], train_songs=train_songs, train_artists=splits["train"].artists,
                                     n_artists=len(task.classes["artist"]))
            results["centroid"] = accuracies(scores, owner=owner, artists=test.artists)
        if "artist" in out:
            results["softmax"] = accuracies(out["artist"], owner=owner, artists=test.artists)
        if "tags" in out:
            results["tags"] = tag_auc(out["tags"], owner=owner, targets=test.targets)
    return results, train_songs


def _device():
    import keras

    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        return f"torch on {torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}"
    return backend


def pretrain(*, artist_list, out, arch=None, task=None, model=None, epochs=None, batch_size=None, lr=None,
             patience=None, seed=None, loss_weights=None, mixed_precision=None, loss=None, concepts=None,
             resume=False, n_jobs=None, root=None, progress=True, cluster=None):
    """Train a network on a list and write bundle ``out`` with its LDA and report.

    Parameters
    ----------
    artist_list : str or Path
        The task's list: ``path<TAB>artist[<TAB>song]`` (artist),
        ``path<TAB>tag`` (tags) or ``path<TAB>artist<TAB>album`` (joint); see
        :mod:`mirex.pretrain.tasks`.
    out : str
        Bundle name; the bundle goes to ``root/out``, the run's state to ``root/out.training``.
    arch : {'dcnn', 'samplecnn', 'resse'}, optional
        The network (default dcnn, on log-mels; the others on waveforms).
    task : {'artist', 'tags', 'joint'}, optional
        What it learns (default artist).
    model : {'plain', 'siamese'}, optional
        Output heads, or (dcnn on artists only) the Siamese cosine-hinge model (default plain).
    epochs, batch_size, lr, patience, seed : optional
        Defaults in :data:`~mirex.pretrain.settings.DEFAULTS`. ``patience``: epochs without a better
        validation loss before stopping; the learning rate is divided by 5
        after ``max(1, patience // 2)`` such epochs.
    loss_weights : dict of str to float, optional
        The joint task's per-head loss weights (default artist 1, album 0.5, track 0.5).
    mixed_precision : bool, optional
        Compute in float16 (float32 variables and outputs) on a CUDA device;
        ignored with a warning without one.
    loss : {'classification', 'triplet', 'proxy'}, optional
        The objective (default classification, the task's heads); the others
        train the network's feature as the embedding (:mod:`mirex.nets.embedding`).
    concepts : str or Path, optional
        A ``tag<TAB>concept`` table (tags task): the feature is cut into one
        sub-space per concept, each trained on its concept's tags only; the
        bundle then holds the concepts' masks as its head.
    resume : bool
        Continue the run in ``out.training`` from its last checkpoint (only
        ``epochs`` and ``patience`` may change).
    n_jobs : int, optional
        Threads for the input cache and training (default: all cores).
    root : str or Path, optional
        The models folder (default :func:`mirex.folders.writable_models_dir`).
    progress : bool
        Progress bars (Keras's, with loss and accuracy) where the output is a terminal
        (:func:`mirex.log.progress_shown`), otherwise one line per epoch.
    cluster : mirex.cluster.Cluster, optional
        Compute the input cache on a Dask cluster (see
        :func:`mirex.pretrain.melcache.build_mel_cache`). The models folder
        must then be shared with the workers.

    Returns
    -------
    mirex.bundle.Bundle
    """
    import keras
    import torch

    from mirex.bundle_save import save_bundle
    from mirex.pretrain.batches import Batches, EpochSync
    from mirex.pretrain.checkpoint import EpochLog, Progress, load_variables
    from mirex.pretrain.evaluate import evaluator_model
    from mirex.pretrain.lda import fit_lda
    from mirex.pretrain.report import markdown, throughput
    from mirex.threads import default_jobs

    from mirex.atomic import write_text

    started = time.perf_counter()
    work = training_dir(out, root=root)
    settings = run_settings(work, artist_list=artist_list, resume=resume, asked=dict(
        arch=arch, task=task, model=model, epochs=epochs, batch_size=batch_size, lr=lr, patience=patience, seed=seed,
        loss_weights=loss_weights, mixed_precision=mixed_precision, loss=loss,
        concepts=str(Path(concepts).resolve()) if concepts else None))
    network = get_arch(settings["arch"])
    clips = reader(settings["task"])(artist_list)
    assigned, task = assign(clips, settings=settings)  # a list no run can use is refused before anything is written
    write_text(work / "run.json", json.dumps(settings, indent=2) + "\n")
    splits, frontend = prepare(clips, assigned=assigned, task=task, work=work, base=network.default_frontend(),
                               n_jobs=n_jobs, progress=progress, cluster=cluster)
    cache_seconds = time.perf_counter() - started
    torch.set_num_threads(n_jobs or default_jobs())
    policy = keras.mixed_precision.dtype_policy()
    if _mixed_precision(settings["mixed_precision"]):
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        features, training, plan, heads = _build(settings, arch=network, task=task, frontend=frontend)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    checkpoint, best = work / "checkpoint.npz", work / "best.npz"
    state = load_variables(checkpoint, model=training, optimizer=training.optimizer) if checkpoint.exists() else None
    tracker = Progress(checkpoint=checkpoint, best=best, patience=settings["patience"],
                       lr_patience=max(1, settings["patience"] // 2), state=state)
    first = tracker.state["epoch"]
    logger.info(f"{settings['arch']} network, {settings['task']} task ({settings['model']}), "
        + ", ".join(f"{len(names)} {name} classes" for name, names in task.classes.items())
        + ", segments train/valid/test " + "/".join(str(int(splits[s].n_segments.sum())) for s in SPLITS)
        + f"; device: {_device()}" + (f"; resuming at epoch {first + 1}" if first else ""))
    fit_started = time.perf_counter()
    if not tracker.state["stopped"] and first < settings["epochs"]:
        batches = {name: Batches(splits[name], plan=plan, batch_size=settings["batch_size"], seed=settings["seed"],
                                 train=name == "train", workers=LOADER_THREADS) for name in ("train", "valid")}
        bars = progress_shown(enabled=progress, stream=sys.stdout)  # Keras draws its bars on stdout
        callbacks = [EpochSync(batches["train"]), tracker] + ([] if bars else [EpochLog(epochs=settings["epochs"])])
        training.fit(batches["train"], validation_data=batches["valid"], epochs=settings["epochs"],
                     initial_epoch=first, callbacks=callbacks, verbose=1 if bars else 0)
    fit_seconds = time.perf_counter() - fit_started
    if best.exists():
        load_variables(best, model=training)
    state = tracker.state
    evaluator = evaluator_model(features, training, heads=heads)
    results, train_songs = _evaluate(task, evaluator=evaluator, splits=splits, batch_size=settings["batch_size"])
    lda = fit_lda(train_songs, splits["train"].artists) if task.has_artists else None
    train_segments = int(splits["train"].n_segments.sum())
    n_artists = len(task.classes.get("artist", ()))
    report = {
        "name": out, "arch": settings["arch"], "task": settings["task"], "model": settings["model"],
        "artists": n_artists or None, "classes": ", ".join(f"{len(v)} {k} classes" for k, v in task.classes.items()),
        "songs": {s: int(len(set(splits[s].songs))) for s in SPLITS}, "clips": {s: len(splits[s]) for s in SPLITS},
        "segments": {s: int(splits[s].n_segments.sum()) for s in SPLITS},
        "epochs_run": state["epoch"], "best_epoch": state["best_epoch"], "best_val_loss": state["best_loss"],
        "stopped_early": state["stopped"], "test_accuracy": results, "chance": 1 / n_artists if n_artists else None,
        "lda_components": lda.n_out if lda else None, "frontend": frontend.to_dict(),
        "settings": settings, "history": state["history"], "device": _device(),
        "wall_time_s": {"mel_cache": cache_seconds, "training": fit_seconds, "total": time.perf_counter() - started},
        "epoch_time_s": sum(h.get("seconds", 0.0) for h in state["history"]),
        "segments_per_s": throughput(state["history"], train_segments=train_segments),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    extra = {"arch": settings["arch"],
             "training": {**settings, "best_epoch": state["best_epoch"], "epochs_run": state["epoch"]}}
    if lda is not None:
        extra["lda"] = {"components": lda.n_out, "songs": len(splits["train"]), "artists": n_artists,
                        "artist_list": settings["artist_list"], "split": "train"}
    bundle = save_bundle(
        name=out, feature_model=features, frontend=frontend, lda=lda, root=root, extra=extra,
        source=f"pretrain {settings['arch']} {settings['task']} {settings['model']}: {artist_list}",
        n_artists=n_artists or None,
        attachments={"report.json": json.dumps(report, indent=2) + "\n", "report.md": markdown(report)},
    )
    if settings["loss"] != "classification" or settings["concepts"]:
        from mirex.features.head import save_head_bundle

        space, _ = concept_space(task, dim=bundle.manifest["feature_dim"], concepts=settings["concepts"])
        bundle = save_head_bundle(bundle, name=out, head=network_head(space, objective=settings["loss"],
                                                                      arch=network))
    for name, acc in results.items():
        logger.info(f"test {name}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                         for k, v in acc.items()))
    logger.info(f"wrote {bundle.path} (report.md inside); run state in {work}")
    return bundle
