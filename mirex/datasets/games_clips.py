"""Choosing artists, cutting tracks into clips and writing the game-music list and side table."""
import csv
import io
import json
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf

from mirex import audio
from mirex.atomic import atomic_path, write_text
from mirex.datasets import games_credits as credits
from mirex.listfile import write_list

__all__ = ["SAMPLE_RATE", "CLIP_SECONDS", "SIDE_COLUMNS", "clip_starts", "keep_artists", "cut_track",
           "write_tables"]

SAMPLE_RATE = 22050
CLIP_SECONDS = 30.0
PEAK = 10 ** (-1 / 20)  # clips are peak-normalised to -1 dBFS, as in the composer set
SILENCE = 10 ** (-60 / 20)  # samples below -60 dBFS are silence; so is a clip with an RMS below it
#: Columns of the side table of the clips, in order (see :func:`write_tables`).
SIDE_COLUMNS = ("path", "artist", "label", "track", "package", "licence", "source", "start_s")


def clip_starts(n_samples, *, length, max_clips=3):
    """Sample offsets of up to ``max_clips`` non-overlapping clips of ``length`` samples.

    The track is divided into as many equal parts as clips fit (at most
    ``max_clips``) and one clip is taken from the middle of each part, so the
    clips spread over the whole track. A track shorter than ``length`` gives none.

    Returns
    -------
    starts : list of int
        Increasing offsets; ``starts[i + 1] - starts[i] >= length`` and
        ``starts[-1] + length <= n_samples``.
    """
    count = min(max_clips, n_samples // length)
    if count < 1:
        return []
    part = n_samples / count
    return [int(round(i * part + (part - length) / 2)) for i in range(count)]


def keep_artists(tracks, *, min_tracks=4, min_seconds=CLIP_SECONDS):
    """Keep the credited tracks of at least ``min_seconds`` whose artist has ``min_tracks`` such tracks.

    Artists merge by :func:`~mirex.datasets.games_credits.artist_key` (case
    and blanks ignored), across packages too.

    Parameters
    ----------
    tracks : list of Track
    min_tracks : int
    min_seconds : float

    Returns
    -------
    kept : list of Track
        In the given order.
    """
    usable = [t for t in tracks if t.artist and t.seconds >= min_seconds]
    counts = Counter(credits.artist_key(t.artist) for t in usable)
    return [t for t in usable if counts[credits.artist_key(t.artist)] >= min_tracks]


def _mix(paths):
    """Decode the stems of a track and sum them (the shorter padded with silence)."""
    signals = [audio.load(p, sr=SAMPLE_RATE) for p in paths]
    mixed = np.zeros(max(len(s) for s in signals), dtype=np.float32)
    for signal in signals:
        mixed[:len(signal)] += signal
    return mixed


def _active_span(signal):
    """First and last-plus-one sample louder than :data:`SILENCE`."""
    loud = np.flatnonzero(np.abs(signal) > SILENCE)
    return (int(loud[0]), int(loud[-1]) + 1) if loud.size else (0, 0)


def cut_track(sources, stem, *, length, max_clips=3):
    """Decode (and mix) a track, cut its clips and write them, atomically; reuse an earlier cut.

    Silence before and after the music is left out before the clips are
    placed (:func:`clip_starts`), and a clip whose RMS is below -60 dBFS is
    skipped. Each clip is written as ``<stem>_cN.wav`` (PCM 16-bit, mono,
    22,050 Hz, peak-normalised to -1 dBFS); ``<stem>.json``, written last,
    records the clips and the settings and marks the track done (a cut with
    other settings is redone).

    Parameters
    ----------
    sources : sequence of str
        The track's audio files, summed into one signal.
    stem : Path
        Destination path without suffix.
    length : int
        Clip length in samples at 22,050 Hz.
    max_clips : int
        Most clips cut from the track.

    Returns
    -------
    clips : list of (str, int)
        Each clip's path and its start in samples.
    """
    stem = Path(stem)
    manifest = stem.with_name(f"{stem.name}.json")
    settings = {"length": length, "max_clips": max_clips}
    record = json.loads(manifest.read_text()) if manifest.exists() else {}
    if isinstance(record, dict) and record.get("settings") == settings:  # clips are named relative to the folder, which may have moved
        return [(str(stem.parent / name), start) for name, start in record["clips"]]
    signal = _mix(sources)
    first, last = _active_span(signal)
    written = []
    for start in (first + s for s in clip_starts(last - first, length=length, max_clips=max_clips)):
        clip = signal[start:start + length]
        if np.sqrt(np.mean(np.square(clip, dtype=np.float64))) < SILENCE:
            continue
        name = f"{stem.name}_c{len(written)}.wav"
        with atomic_path(stem.parent / name) as tmp:
            sf.write(tmp, clip * np.float32(PEAK / np.abs(clip).max()), SAMPLE_RATE, subtype="PCM_16", format="WAV")
        written.append((name, start))
    for stale in stem.parent.glob(f"{stem.name}_c*.wav"):  # from a cut with other settings
        if stale.name not in {name for name, _ in written}:
            stale.unlink()
    write_text(manifest, json.dumps({"settings": settings, "clips": written}))
    return [(str(stem.parent / name), start) for name, start in written]


def write_tables(list_path, side_path, clips):
    """Write the list file and its side table, atomically.

    Parameters
    ----------
    list_path : Path
        ``path<TAB>label<TAB>group`` per clip (group = the track, so that no
        track is on both sides of a fold).
    side_path : Path
        Tab-separated with a header of :data:`SIDE_COLUMNS`: each clip's
        artist (display name), label, track, package, licence, source file
        inside the package and start in seconds.
    clips : list of dict
        One per clip, with the keys of :data:`SIDE_COLUMNS`.
    """
    write_list(list_path, [(c["path"], c["label"], c["track"]) for c in clips])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SIDE_COLUMNS, delimiter="\t", lineterminator="\n",
                            quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(clips)
    write_text(side_path, buffer.getvalue())
