"""What a pre-training run learns: artists, tags, or artist, album and track together.

Each task reads its list format, turns the split clips into training
targets, and names the training model's outputs, losses and metrics:

- ``artist``: ``path<TAB>artist[<TAB>song]``; a softmax over artists.
- ``tags``: ``path<TAB>tag``, one line per (clip, tag) pair, a path on as
  many lines as it has tags; a sigmoid per tag, binary cross-entropy. The
  clips are split 75/15/10 as one group.
- ``joint``: ``path<TAB>artist<TAB>album``; softmax heads over artists,
  albums and tracks (a track is a file) on the shared network, their losses
  summed with per-head weights. Clips are split by track (each artist's
  tracks 75/15/10), so albums and artists are seen in training; album and
  track classes are those of the training split, and a validation or test
  clip whose album (always its track) has no training clip is left out of
  that head's loss (target -1).
"""
import numpy as np

from mirex.errors import DataError, ListFileError
from mirex.listfile import read_list
from mirex.pretrain.splits import Clip, read_artist_list

__all__ = ["TASKS", "make_task", "read_tag_list", "read_joint_list"]

TASKS = ("artist", "tags", "joint")
#: Default loss weights of the joint task's heads.
JOINT_WEIGHTS = {"artist": 1.0, "album": 0.5, "track": 0.5}


def read_tag_list(path):
    """Read a tag list: ``path<TAB>tag`` per line, a path on one line per tag.

    Returns
    -------
    clips : list of Clip
        One per distinct path, in order of first appearance, ``tags`` sorted.

    Raises
    ------
    ListFileError
        If a line has no tag.
    DataError
        If the list names fewer than two tags.
    """
    tags = {}
    for entry in read_list(path, kind="train"):
        tags.setdefault(entry.path, set()).add(entry.label)
    if len(set().union(*tags.values())) < 2:
        raise DataError(f"{path}: a tag list needs at least two tags")
    return [Clip(p, "", p, tags=tuple(sorted(t))) for p, t in tags.items()]


def read_joint_list(path):
    """Read a joint list: ``path<TAB>artist<TAB>album`` per line (a path listed twice keeps its first line).

    Raises
    ------
    ListFileError
        If a line lacks the artist or the album, naming the file and line.
    DataError
        If the list names fewer than two artists.
    """
    clips = {}
    for entry in read_list(path, kind="train"):
        if entry.group is None:
            raise ListFileError(f"{path}:{entry.line}: expected 'path<TAB>artist<TAB>album'")
        clips.setdefault(entry.path, Clip(entry.path, entry.label, entry.path, album=entry.group))
    if len({c.artist for c in clips.values()}) < 2:
        raise DataError(f"{path}: a joint list needs at least two artists")
    return list(clips.values())


def _index(names):
    return {name: i for i, name in enumerate(names)}


class ArtistTask:
    """Softmax over artists."""

    name, has_artists = "artist", True
    read = staticmethod(read_artist_list)

    def __init__(self, clips, assigned, *, loss_weights=None):
        self.classes = {"artist": sorted({c.artist for c in clips})}

    def outputs(self):
        """Output layer name -> (units, activation)."""
        return {name: (len(names), "softmax") for name, names in self.classes.items()}

    def targets(self, clips):
        """Artist index of each clip."""
        index = _index(self.classes["artist"])
        return np.array([index[c.artist] for c in clips], dtype=np.int64)

    def compile_args(self):
        """Keyword arguments of ``model.compile`` besides the optimizer."""
        return dict(loss="sparse_categorical_crossentropy", metrics=["accuracy"])


class TagTask:
    """A sigmoid per tag, binary cross-entropy."""

    name, has_artists = "tags", False
    read = staticmethod(read_tag_list)

    def __init__(self, clips, assigned, *, loss_weights=None):
        self.classes = {"tags": sorted(set().union(*(c.tags for c in clips)))}

    def outputs(self):
        """Output layer name -> (units, activation)."""
        return {"tags": (len(self.classes["tags"]), "sigmoid")}

    def targets(self, clips):
        """Multi-hot tags of each clip, float32 (n_clips, n_tags)."""
        index = _index(self.classes["tags"])
        hot = np.zeros((len(clips), len(index)), dtype=np.float32)
        for row, clip in enumerate(clips):
            hot[row, [index[t] for t in clip.tags]] = 1
        return hot

    def compile_args(self):
        """Keyword arguments of ``model.compile`` besides the optimizer."""
        import keras

        return dict(loss="binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])


class JointTask:
    """Artist, album and track softmax heads trained together.

    Parameters
    ----------
    loss_weights : dict of str to float, optional
        Per-head loss weights (default :data:`JOINT_WEIGHTS`).
    """

    name, has_artists = "joint", True
    read = staticmethod(read_joint_list)

    def __init__(self, clips, assigned, *, loss_weights=None):
        train = assigned["train"]
        self.classes = {"artist": sorted({c.artist for c in clips}),
                        "album": sorted({f"{c.artist}\t{c.album}" for c in train}),
                        "track": [c.path for c in train]}
        self.loss_weights = {**JOINT_WEIGHTS, **(loss_weights or {})}

    def outputs(self):
        """Output layer name -> (units, activation)."""
        return {name: (len(names), "softmax") for name, names in self.classes.items()}

    def targets(self, clips):
        """Dict of artist, album and track indices of each clip (-1: no such training class)."""
        artist, album, track = (_index(self.classes[k]) for k in ("artist", "album", "track"))
        keys = {"artist": lambda c: artist[c.artist], "album": lambda c: album.get(f"{c.artist}\t{c.album}", -1),
                "track": lambda c: track.get(c.path, -1)}
        return {name: np.array([key(c) for c in clips], dtype=np.int64) for name, key in keys.items()}

    def compile_args(self):
        """Keyword arguments of ``model.compile`` besides the optimizer."""
        import keras

        def loss(head):
            return keras.losses.SparseCategoricalCrossentropy(ignore_class=None if head == "artist" else -1)

        return dict(loss={head: loss(head) for head in self.classes}, loss_weights=dict(self.loss_weights),
                    metrics={"artist": ["accuracy"]})


_TASKS = {"artist": ArtistTask, "tags": TagTask, "joint": JointTask}


def make_task(name, *, clips, assigned, loss_weights=None):
    """The task ``name`` fitted to a list's clips and their split.

    Parameters
    ----------
    name : {'artist', 'tags', 'joint'}
    clips : list of Clip
        As the task's reader returns them.
    assigned : dict of str to list of Clip
        The split (:func:`mirex.pretrain.splits.split_songs`).
    loss_weights : dict of str to float, optional
        The joint task's per-head weights.
    """
    if name not in _TASKS:
        raise ValueError(f"task must be one of {TASKS}, not {name!r}")
    return _TASKS[name](clips, assigned, loss_weights=loss_weights)


def reader(name):
    """The list reader of task ``name``."""
    if name not in _TASKS:
        raise ValueError(f"task must be one of {TASKS}, not {name!r}")
    return _TASKS[name].read


def parse_loss_weights(text):
    """The joint heads' loss weights from ``'ARTIST,ALBUM,TRACK'``, e.g. ``'1,0.5,0.5'``.

    Raises
    ------
    ValueError
        Unless the text holds three non-negative numbers.
    """
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 3 or min(values) < 0:
        raise ValueError(f"expected three non-negative weights ARTIST,ALBUM,TRACK, not {text!r}")
    return dict(zip(JOINT_WEIGHTS, values))
