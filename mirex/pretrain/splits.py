"""Artist lists and their song-level train/validation/test splits.

An artist list has one ``path<TAB>artist`` per line; an optional third column
names the song (or album, or work) a file belongs to, so that all files of one
song land in the same split. Without it every file is its own song. Each
artist's songs are shuffled with a seed derived from the run's seed and the
artist's name (so adding an artist never reshuffles the others) and cut
15/3/2 of 20: 75 % train, 15 % validation, 10 % test, rounded, with at least
one training song per artist.
"""
import hashlib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from mirex.errors import DataError
from mirex.listfile import read_list

__all__ = ["SPLITS", "Clip", "read_artist_list", "split_counts", "split_songs"]

SPLITS = ("train", "valid", "test")
#: Share of an artist's songs in each split (15/3/2 of 20 in the paper).
SHARES = {"valid": 0.15, "test": 0.10}


@dataclass(frozen=True)
class Clip:
    """One audio file of an artist list.

    Attributes
    ----------
    path : str
        The path as written in the list.
    artist : str
        The artist ('' in a tag list: one group for the split).
    song : str
        The song group (third column of an artist list), or the path.
    album : str, optional
        The album (third column of a joint list).
    tags : tuple of str
        The clip's tags (tag list).
    """

    path: str
    artist: str
    song: str
    album: Optional[str] = None
    tags: tuple = ()


def read_artist_list(path):
    """Read an artist list: ``path<TAB>artist[<TAB>song]`` per line.

    A path listed twice keeps its first line.

    Returns
    -------
    clips : list of Clip
        In file order.

    Raises
    ------
    ListFileError
        If a line has no artist.
    DataError
        If the list names fewer than two artists.
    """
    clips = {}
    for entry in read_list(path, kind="train"):
        clips.setdefault(entry.path, Clip(entry.path, entry.label, entry.group or entry.path))
    clips = list(clips.values())
    if len({c.artist for c in clips}) < 2:
        raise DataError(f"{path}: an artist list needs at least two artists")
    return clips


def _round(x):
    return int(np.floor(x + 0.5))


def split_counts(n_songs):
    """Songs of an artist with ``n_songs`` in (train, valid, test): 20 -> (15, 3, 2).

    Validation and test each get at least one song while a training song is
    left, validation first.
    """
    valid = max(_round(n_songs * SHARES["valid"]), 1) if n_songs >= 2 else 0
    test = max(_round(n_songs * SHARES["test"]), 1) if n_songs >= 3 else 0
    return n_songs - valid - test, valid, test


def _artist_seed(seed, artist):
    return [seed, int.from_bytes(hashlib.blake2b(artist.encode(), digest_size=8).digest(), "little")]


def split_songs(clips, *, seed=0):
    """Assign every clip to a split, song by song.

    Parameters
    ----------
    clips : sequence of Clip
    seed : int

    Returns
    -------
    splits : dict of str to list of Clip
        ``{'train': [...], 'valid': [...], 'test': [...]}``, each in list order.
        All clips of one (artist, song) are in the same split; the result
        depends only on the clips and the seed, not on their order.
    """
    songs = {}
    for clip in clips:
        songs.setdefault(clip.artist, set()).add(clip.song)
    where = {}
    for artist, names in songs.items():
        order = sorted(names)
        np.random.default_rng(_artist_seed(seed, artist)).shuffle(order)
        n_train, n_valid, _ = split_counts(len(order))
        for rank, song in enumerate(order):
            where[artist, song] = SPLITS[(rank >= n_train) + (rank >= n_train + n_valid)]
    return {name: [c for c in clips if where[c.artist, c.song] == name] for name in SPLITS}
