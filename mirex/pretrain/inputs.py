"""The inputs of a training run: the list's clips split, cached, packed and paired with their targets."""
from mirex.errors import DataError
from mirex.frontend import FrontEnd
from mirex.listfile import write_list
from mirex.log import logger
from mirex.pretrain.melcache import MelSplit, build_mel_cache, pack_split
from mirex.pretrain.splits import SPLITS, split_songs
from mirex.pretrain.tasks import make_task

__all__ = ["prepare"]


def prepare(clips, *, settings, work, base, n_jobs, progress, cluster=None):
    """Split the clips, fill the input cache and pack each split.

    Parameters
    ----------
    clips : list of Clip
        As the task's list reader returns them.
    settings : dict
        The run's settings (``seed``, ``task``, ``loss_weights``).
    work : Path
        The run's folder (the cache goes to ``work/mels``, the split to ``work/splits.tsv``).
    base : FrontEnd or WaveformFrontEnd
        The architecture's front end (a mel front end's statistics are replaced by the training split's).
    n_jobs, progress, cluster
        As for :func:`mirex.pretrain.trainer.pretrain`.

    Returns
    -------
    task
        The task fitted to the clips (:func:`mirex.pretrain.tasks.make_task`).
    splits : dict of str to MelSplit
    frontend
        ``base``, with the training statistics for a mel front end.

    Raises
    ------
    DataError
        If the training or validation split is empty or (tasks on artists) has fewer than two artists.
    """
    keys, errors = build_mel_cache([c.path for c in clips], folder=work / "mels", frontend=base, n_jobs=n_jobs,
                                   progress=progress, cluster=cluster)
    for message in errors.values():
        logger.warning(f"{message} (skipped)")
    key = {c.path: k for c, k in zip(clips, keys)}
    assigned = split_songs(clips, seed=settings["seed"])
    write_list(work / "splits.tsv", [(c.path, c.artist, c.album or c.song, name) if c.artist else (c.path, name)
                                     for name in SPLITS for c in assigned[name]])
    task = make_task(settings["task"], clips=clips, assigned=assigned, loss_weights=settings["loss_weights"])
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
    for name in ("train", "valid"):
        if task.has_artists and len(set(splits[name].artists)) < 2:
            raise DataError(f"the {name} split has songs of fewer than two artists; "
                            "an artist needs at least two songs (three for a test song)")
        if not len(splits[name]):
            raise DataError(f"the {name} split is empty; the list needs more clips")
    return task, splits, frontend
