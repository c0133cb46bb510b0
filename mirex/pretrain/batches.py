"""Training and validation batches drawn from memory-mapped inputs (log-mels or waveforms).

Training takes one random segment-long crop per segment's worth of audio of
every clip, in a new order and at new positions each epoch; validation uses
each clip's fixed non-overlapping segments. The draw of epoch ``e`` depends
only on ``(seed, e)``, so a resumed run sees the same data it would have seen;
batches are read by several threads at once and delivered in order.
"""
import math

import keras
import numpy as np

__all__ = ["Batches", "EpochSync", "plain_plan", "siamese_plan"]


def _anchors(split, rng, *, train):
    clips, starts = split.fixed()
    if train:
        clips = clips[rng.permutation(len(clips))]
        starts = split.random_starts(clips, rng)
    return clips, starts


def _take(targets, rows):
    """Rows of a target array, or of each array of a dict of them."""
    if isinstance(targets, dict):
        return {name: values[rows] for name, values in targets.items()}
    return targets[rows]


def plain_plan(split, rng, *, train):
    """Inputs ``[(clips, starts)]`` and the split's targets (artists, tags, or a dict of heads)."""
    clips, starts = _anchors(split, rng, train=train)
    return [(clips, starts)], _take(split.targets, clips)


def _pick(pools, keys, rng):
    """One random member of ``pools[key]`` for each key."""
    return np.array([pools[key][rng.integers(len(pools[key]))] for key in keys], dtype=np.int64)


def siamese_plan(split, rng, *, train, n_negatives=4):
    """Inputs anchor, positive and negatives ``[(clips, starts)] * (2 + K)`` and dummy targets.

    The positive is a clip of the anchor's artist from another song when the
    artist has one in the split (else from the same song); each negative is a
    clip of another artist chosen uniformly among artists. Training crops are
    random; validation items use fixed segments (the rng then fixes the choice).
    """
    clips, starts = _anchors(split, rng, train=train)
    songs = split.songs
    by_artist, by_artist_song = {}, {}
    for clip, (artist, song) in enumerate(zip(split.artists, songs)):
        by_artist.setdefault(artist, []).append(clip)
        by_artist_song.setdefault((artist, song), []).append(clip)
    positive_pool = {}
    for clip in range(len(split)):
        artist = split.artists[clip]
        elsewhere = [c for c in by_artist[artist] if songs[c] != songs[clip]]
        positive_pool[clip] = elsewhere or by_artist_song[artist, songs[clip]]
    positives = _pick(positive_pool, clips, rng)
    artists = np.array(sorted(by_artist))
    inputs = [(clips, starts), (positives, split.random_starts(positives, rng, aligned=not train))]
    anchor_rank = np.searchsorted(artists, split.artists[clips])
    for _ in range(n_negatives):
        rank = (anchor_rank + rng.integers(1, len(artists), size=len(clips))) % len(artists)
        negatives = _pick(by_artist, artists[rank], rng)
        inputs.append((negatives, split.random_starts(negatives, rng, aligned=not train)))
    return inputs, np.zeros((len(clips), 1 + n_negatives), dtype=np.float32)


class Batches(keras.utils.PyDataset):
    """Batches of a plan over a :class:`~mirex.pretrain.melcache.MelSplit`.

    Parameters
    ----------
    split : MelSplit
    plan : callable
        ``plan(split, rng, train=...) -> (inputs, targets)``, e.g. :func:`plain_plan`.
    batch_size : int
    seed : int
    train : bool
        Draw a new plan for each epoch (from ``(seed, epoch)``, see
        :meth:`set_epoch`); otherwise one fixed plan.
    workers : int
        Threads reading batches ahead of the training step (Keras delivers
        them in order, so the data stay those of the plan).
    """

    def __init__(self, split, *, plan, batch_size, seed, train, workers=1):
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=2 * workers)
        self.split, self.make_plan, self.batch_size = split, plan, batch_size
        self.seed, self.train, self.epoch = seed, train, None
        self.set_epoch(0)

    def set_epoch(self, epoch):
        """Draw the plan of ``epoch`` (a fixed plan whatever the epoch when not training)."""
        if self.epoch is None or (self.train and epoch != self.epoch):
            self.epoch = epoch
            rng = np.random.default_rng([self.seed, epoch] if self.train else [self.seed])
            self.inputs, self.targets = self.make_plan(self.split, rng, train=self.train)

    def __len__(self):
        return math.ceil(len(self.inputs[0][0]) / self.batch_size)

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        xs = tuple(self.split.read(clips[rows], starts[rows]) for clips, starts in self.inputs)
        return (xs[0] if len(xs) == 1 else xs), _take(self.targets, rows)


class EpochSync(keras.callbacks.Callback):
    """Tell training batches which epoch begins (Keras numbers them from 0, resumed runs included)."""

    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def on_epoch_begin(self, epoch, logs=None):
        self.batches.set_epoch(epoch)
