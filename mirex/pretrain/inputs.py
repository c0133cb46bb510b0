"""The inputs of a training run: the list's clips split, cached, packed and paired with their targets."""
from mirex.errors import DataError
from mirex.frontends.mel import FrontEnd
from mirex.listfile import write_list
from mirex.log import logger
from mirex.pretrain.melcache import MelSplit, build_mel_cache, pack_split
from mirex.pretrain.splits import SPLITS, split_songs
from mirex.pretrain.tasks import make_task

__all__ = ["assign", "prepare"]


def _check_splits(task, artists):
    """Refuse splits a run cannot train on; ``artists`` maps a split name to its clips' artists."""
    for name in ("train", "valid"):
        if task.has_artists and len(set(artists[name])) < 2:
            raise DataError(f"the {name} split has songs of fewer than two artists; "
                            "an artist needs at least two songs (three for a test song)")
        if not len(artists[name]):
            raise DataError(f"the {name} split is empty; the list needs more clips")


def assign(clips, *, settings):
    """Split a list's clips and fit the task to them, refusing splits a run cannot train on.

    Parameters
    ----------
    clips : list of Clip
        As the task's list reader returns them.
    settings : dict
        The run's settings (``seed``, ``task``, ``loss_weights``).

    Returns
    -------
    assigned : dict of str to list of Clip
        The split (:func:`mirex.pretrain.splits.split_songs`).
    task
        The task fitted to the clips (:func:`mirex.pretrain.tasks.make_task`).

    Raises
    ------
    DataError
        If the training or validation split is empty or (tasks on artists) has fewer than two artists.
    """
    assigned = split_songs(clips, seed=settings["seed"])
    task = make_task(settings["task"], clips=clips, assigned=assigned, loss_weights=settings["loss_weights"])
    _check_splits(task, {name: [c.artist for c in members] for name, members in assigned.items()})
    return assigned, task


def prepare(clips, *, assigned, task, work, base, n_jobs, progress, cluster=None):
    """Fill the input cache and pack each split that :func:`assign` made.

    Parameters
    ----------
    clips : list of Clip
        As the task's list reader returns them.
    assigned, task
        As :func:`assign` returns them for ``clips``.
    work : Path
        The run's folder (the cache goes to ``work/mels``, the split to ``work/splits.tsv``).
    base : FrontEnd or WaveformFrontEnd
        The architecture's front end (a mel front end's statistics are replaced by the training split's).
    n_jobs, progress, cluster
        As for :func:`mirex.pretrain.trainer.pretrain`.

    Returns
    -------
    splits : dict of str to MelSplit
    frontend
        ``base``, with the training statistics for a mel front end.

    Raises
    ------
    DataError
        As for :func:`assign`, when files that cannot be decoded are left out.
    """
    keys, errors = build_mel_cache([c.path for c in clips], folder=work / "mels", frontend=base, n_jobs=n_jobs,
                                   progress=progress, cluster=cluster)
    for message in errors.values():
        logger.warning(f"{message} (skipped)")
    key = {c.path: k for c, k in zip(clips, keys)}
    write_list(work / "splits.tsv", [(c.path, c.artist, c.album or c.song, name) if c.artist else (c.path, name)
                                     for name in SPLITS for c in assigned[name]])
    index = {a: i for i, a in enumerate(sorted({c.artist for c in clips}))}
    packed = {}
    for name in SPLITS:
        members = [c for c in assigned[name] if key[c.path] is not None]
        songs = {}
        packed[name] = dict(
            paths=pack_split([key[c.path] for c in members], folder=work / "mels", frontend=base, name=name),
            artists=[index[c.artist] for c in members], targets=task.targets(members),
            songs=[songs.setdefault((c.artist, c.song), len(songs)) for c in members],
        )
    frontend = base
    if isinstance(base, FrontEnd):
        mean, std = MelSplit(*packed["train"]["paths"], artists=packed["train"]["artists"], frontend=base).stats()
        frontend = FrontEnd(**{**base.to_dict(), "mean": mean, "std": std})
    splits = {name: MelSplit(*p["paths"], artists=p["artists"], songs=p["songs"], targets=p["targets"],
                             frontend=frontend) for name, p in packed.items()}
    _check_splits(task, {name: splits[name].artists for name in SPLITS})
    return splits, frontend
