"""``mirex pretrain``: from an artist list to a model bundle with its LDA and a report.

Everything a run needs between invocations lives in ``MODELS/NAME.training/``:
``run.json`` (the settings), ``splits.tsv`` (every clip's split), ``mels/``
(the log-mel cache and the packed splits), ``checkpoint.npz`` (after every
epoch) and ``best.npz`` (the best epoch by validation loss). The bundle
``MODELS/NAME/`` is written at the end, atomically, from the best epoch.
"""
import json
import resource
import time
from pathlib import Path

from mirex.errors import DataError, MirexError
from mirex.frontend import FrontEnd
from mirex.listfile import write_list
from mirex.log import logger
from mirex.pretrain.splits import SPLITS, read_artist_list, split_songs

__all__ = ["MODELS", "DEFAULTS", "pretrain", "training_dir"]

MODELS = ("plain", "siamese")
#: Settings a run falls back on; ``epochs`` and ``patience`` may change on --resume, the others may not.
DEFAULTS = {"model": "plain", "epochs": 50, "batch_size": 32, "lr": 0.1, "patience": 5, "seed": 0}
RESUMABLE = ("epochs", "patience")
N_NEGATIVES, MARGIN = 4, 0.4
#: Batch-norm moving-average momentum in training: 0.9 rather than Keras's 0.99, so that
#: the statistics used at inference settle within tens of steps, not hundreds.
BN_MOMENTUM = 0.9


def training_dir(name, *, root=None):
    """The folder of a training run's state: ``MODELS/NAME.training``."""
    from mirex.bundle import models_dir

    return (Path(root) if root else models_dir()) / f"{name}.training"


def _digest(path):
    from mirex.bundle import sha256

    try:
        return sha256(path)
    except OSError as exc:
        raise MirexError(f"{path}: cannot read artist list ({exc.strerror or exc})") from None


def _settings(work, *, artist_list, resume, asked):
    """The run's settings: new ones written to run.json, or a resumed run's checked against it."""
    asked = {k: v for k, v in asked.items() if v is not None}
    run_file = work / "run.json"
    digest = _digest(artist_list)
    if resume:
        if not run_file.is_file():
            raise MirexError(f"{work}: no training run to resume")
        settings = json.loads(run_file.read_text(encoding="utf-8"))
        for key, value in asked.items():
            if key not in RESUMABLE and settings[key] != value:
                raise MirexError(f"{run_file}: the run was started with {key}={settings[key]!r}, not {value!r}")
        if settings["list_sha256"] != digest:
            raise MirexError(f"{artist_list}: changed since the run in {work} started")
        settings.update({k: v for k, v in asked.items() if k in RESUMABLE})
    else:
        if (work / "checkpoint.npz").exists():
            raise MirexError(f"{work}: holds a training run; pass --resume to continue it, or delete it to start over")
        settings = {**DEFAULTS, **asked, "artist_list": str(Path(artist_list).resolve()), "list_sha256": digest}
    if settings["model"] not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, not {settings['model']!r}")
    from mirex.atomic import write_text

    write_text(run_file, json.dumps(settings, indent=2) + "\n")
    return settings


def _mel_splits(clips, *, work, seed, n_jobs, progress, cluster=None):
    """Split the clips, fill the mel cache, pack each split; returns artists, splits and the front end."""
    from mirex.pretrain.melcache import MelSplit, build_mel_cache, pack_split

    base = FrontEnd()
    paths = [c.path for c in clips]
    keys, errors = build_mel_cache(paths, folder=work / "mels", frontend=base, n_jobs=n_jobs, progress=progress,
                                   cluster=cluster)
    for message in errors.values():
        logger.warning(f"{message} (skipped)")
    key = {c.path: k for c, k in zip(clips, keys)}
    assigned = split_songs(clips, seed=seed)
    write_list(work / "splits.tsv", [(c.path, c.artist, c.song, name) for name in SPLITS for c in assigned[name]])
    artists = sorted({c.artist for c in clips})
    index = {a: i for i, a in enumerate(artists)}
    packed = {}
    for name in SPLITS:
        members = [c for c in assigned[name] if key[c.path] is not None]
        songs = {}
        packed[name] = dict(
            paths=pack_split([key[c.path] for c in members], folder=work / "mels", frontend=base, name=name),
            artists=[index[c.artist] for c in members],
            songs=[songs.setdefault((c.artist, c.song), len(songs)) for c in members],
        )
    mean, std = MelSplit(*packed["train"]["paths"], artists=packed["train"]["artists"], frontend=base).stats()
    frontend = FrontEnd(mean=mean, std=std)
    splits = {name: MelSplit(*p["paths"], artists=p["artists"], songs=p["songs"], frontend=frontend)
              for name, p in packed.items()}
    for name in ("train", "valid"):
        if len(set(splits[name].artists)) < 2:
            raise DataError(f"the {name} split has songs of fewer than two artists; "
                            "an artist needs at least two songs (three for a test song)")
    return artists, splits, frontend


def _build(settings, *, n_artists, frontend):
    """The feature model, the training model (compiled, optimizer built) and its batch plan."""
    import functools

    import keras

    from mirex import network
    from mirex.pretrain.batches import plain_plan, siamese_plan

    keras.utils.set_random_seed(settings["seed"])
    features = network.build_feature_model(frames=frontend.segment_frames, n_mels=frontend.n_mels,
                                           seed=settings["seed"], bn_momentum=BN_MOMENTUM)
    if settings["model"] == "plain":
        model = network.build_softmax_model(features, n_artists=n_artists, seed=settings["seed"])
        loss, metrics, plan = "sparse_categorical_crossentropy", ["accuracy"], plain_plan
    else:
        model = network.build_siamese_model(features, n_negatives=N_NEGATIVES)
        loss, metrics = network.hinge_loss(MARGIN), [network.ranking_accuracy]
        plan = functools.partial(siamese_plan, n_negatives=N_NEGATIVES)
    optimizer = keras.optimizers.SGD(learning_rate=float(settings["lr"]), momentum=0.9, nesterov=True)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    optimizer.build(model.trainable_variables)
    return features, model, plan


def _evaluate(settings, *, features, model, splits, n_artists):
    """Test-song accuracies and the training songs' features (for the LDA)."""
    from scipy.special import softmax

    from mirex.pretrain.evaluate import accuracies, centroid_scores, segment_features, song_features

    train_songs = song_features(features, splits["train"])
    test = splits["test"]
    results = {}
    if len(test):
        feats, owner = segment_features(features, test)
        scores = centroid_scores(feats, train_songs=train_songs, train_artists=splits["train"].artists,
                                 n_artists=n_artists)
        results["centroid"] = accuracies(scores, owner=owner, artists=test.artists)
        if settings["model"] == "plain":
            kernel, bias = model.get_layer("artist").get_weights()
            results["softmax"] = accuracies(softmax(feats @ kernel + bias, axis=1), owner=owner, artists=test.artists)
    return results, train_songs


def _device():
    import keras

    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        return f"torch on {torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}"
    return backend


def _markdown(report):
    lines = [f"# Pre-training report: {report['name']}", "",
             f"{report['model']} model, {report['artists']} artists; songs (clips) train/valid/test: "
             + " / ".join(f"{report['songs'][s]} ({report['clips'][s]})" for s in SPLITS) + ".",
             f"Epochs run: {report['epochs_run']} (best {report['best_epoch']}, validation loss "
             f"{report['best_val_loss']}){', stopped early' if report['stopped_early'] else ''}.", "",
             "| classifier | segment accuracy | song accuracy |", "|---|---|---|"]
    for name, acc in report["test_accuracy"].items():
        lines.append(f"| {name} | {acc['segment']:.3f} | {acc['song']:.3f} |")
    lines += ["", f"Chance: {report['chance']:.3f}. Songs are clips; a song's prediction averages its segments' "
              "scores. softmax: the training head; centroid: nearest artist centroid (cosine) of training songs.",
              "", f"Wall time (this invocation): {report['wall_time_s']['total']:.0f} s (mel cache "
              f"{report['wall_time_s']['mel_cache']:.0f} s, training {report['wall_time_s']['training']:.0f} s); "
              f"all epochs {report['epoch_time_s']:.0f} s. Peak RSS {report['peak_rss_mb']:.0f} MB. "
              f"Device: {report['device']}.", ""]
    return "\n".join(lines)


def pretrain(*, artist_list, out, model=None, epochs=None, batch_size=None, lr=None, patience=None, seed=None,
             resume=False, n_jobs=None, root=None, progress=True, cluster=None):
    """Train the artist DCNN on an artist list and write bundle ``out`` with its LDA and report.

    Parameters
    ----------
    artist_list : str or Path
        Lines ``path<TAB>artist[<TAB>song]``.
    out : str
        Bundle name; the bundle goes to ``root/out``, the run's state to ``root/out.training``.
    model : {'plain', 'siamese'}, optional
        Softmax over artists, or the Siamese cosine-hinge model (default plain).
    epochs, batch_size, lr, patience, seed : optional
        Defaults in :data:`DEFAULTS`. ``patience``: epochs without a better
        validation loss before stopping; the learning rate is divided by 5
        after ``max(1, patience // 2)`` such epochs.
    resume : bool
        Continue the run in ``out.training`` from its last checkpoint (only
        ``epochs`` and ``patience`` may change).
    n_jobs : int, optional
        Threads for log-mels and training (default: all cores).
    root : str or Path, optional
        The models folder (default :func:`mirex.bundle.models_dir`).
    progress : bool
        Progress bars (Keras's, with loss and accuracy).
    log : callable, optional
        Receives one-line messages (default: print to stderr).
    cluster : mirex.cluster.Cluster, optional
        Compute the log-mel cache on a Dask cluster (see
        :func:`mirex.pretrain.melcache.build_mel_cache`). The models folder
        must then be shared with the workers.

    Returns
    -------
    mirex.bundle.Bundle
    """
    import torch

    from mirex.bundle import save_bundle
    from mirex.extract import default_jobs
    from mirex.pretrain.batches import Batches, EpochSync
    from mirex.pretrain.checkpoint import Progress, load_variables
    from mirex.pretrain.lda import fit_lda

    started = time.perf_counter()
    work = training_dir(out, root=root)
    work.mkdir(parents=True, exist_ok=True)
    settings = _settings(work, artist_list=artist_list, resume=resume, asked=dict(
        model=model, epochs=epochs, batch_size=batch_size, lr=lr, patience=patience, seed=seed))
    clips = read_artist_list(artist_list)
    artists, splits, frontend = _mel_splits(clips, work=work, seed=settings["seed"], n_jobs=n_jobs,
                                            progress=progress, cluster=cluster)
    mel_seconds = time.perf_counter() - started
    torch.set_num_threads(n_jobs or default_jobs())
    features, training, plan = _build(settings, n_artists=len(artists), frontend=frontend)
    checkpoint, best = work / "checkpoint.npz", work / "best.npz"
    state = load_variables(checkpoint, model=training, optimizer=training.optimizer) if checkpoint.exists() else None
    tracker = Progress(checkpoint=checkpoint, best=best, patience=settings["patience"],
                       lr_patience=max(1, settings["patience"] // 2), state=state)
    first = tracker.state["epoch"]
    logger.info(f"{settings['model']} model, {len(artists)} artists, segments train/valid/test "
        + "/".join(str(int(splits[s].n_segments.sum())) for s in SPLITS) + f"; device: {_device()}"
        + (f"; resuming at epoch {first + 1}" if first else ""))
    fit_started = time.perf_counter()
    if not tracker.state["stopped"] and first < settings["epochs"]:
        batches = {name: Batches(splits[name], plan=plan, batch_size=settings["batch_size"], seed=settings["seed"],
                                 train=name == "train") for name in ("train", "valid")}
        training.fit(batches["train"], validation_data=batches["valid"], epochs=settings["epochs"],
                     initial_epoch=first, callbacks=[EpochSync(batches["train"]), tracker],
                     verbose="auto" if progress else 0)
    fit_seconds = time.perf_counter() - fit_started
    if best.exists():
        load_variables(best, model=training)
    state = tracker.state
    results, train_songs = _evaluate(settings, features=features, model=training, splits=splits,
                                     n_artists=len(artists))
    lda = fit_lda(train_songs, splits["train"].artists)
    report = {
        "name": out, "model": settings["model"], "artists": len(artists),
        "songs": {s: int(len(set(splits[s].songs))) for s in SPLITS}, "clips": {s: len(splits[s]) for s in SPLITS},
        "segments": {s: int(splits[s].n_segments.sum()) for s in SPLITS},
        "epochs_run": state["epoch"], "best_epoch": state["best_epoch"], "best_val_loss": state["best_loss"],
        "stopped_early": state["stopped"], "test_accuracy": results, "chance": 1 / len(artists),
        "lda_components": int(lda.n_components), "frontend": frontend.to_dict(), "settings": settings,
        "history": state["history"], "device": _device(),
        "wall_time_s": {"mel_cache": mel_seconds, "training": fit_seconds,
                        "total": time.perf_counter() - started},
        "epoch_time_s": sum(h.get("seconds", 0.0) for h in state["history"]),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    bundle = save_bundle(
        name=out, feature_model=features, frontend=frontend, source=f"pretrain {settings['model']}: {artist_list}",
        n_artists=len(artists), lda=lda, root=root,
        extra={"training": {**settings, "best_epoch": state["best_epoch"], "epochs_run": state["epoch"]},
               "lda": {"components": int(lda.n_components), "songs": len(splits["train"]), "artists": len(artists),
                       "artist_list": settings["artist_list"], "split": "train"}},
        attachments={"report.json": json.dumps(report, indent=2) + "\n", "report.md": _markdown(report)},
    )
    for name, acc in results.items():
        logger.info(f"test accuracy ({name}): segment {acc['segment']:.3f}, song {acc['song']:.3f} "
            f"(chance {1 / len(artists):.3f})")
    logger.info(f"wrote {bundle.path} (report.md inside); run state in {work}")
    return bundle
