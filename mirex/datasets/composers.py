"""Classical-composer identification, rendered from the music21 corpus.

``python -m mirex.datasets.composers --out data/composers`` (or ``make demo-data``)
builds it. Each score is written as MIDI with every part on Acoustic Grand Piano
(:mod:`mirex.datasets.scores`), rendered with FluidSynth, and cut into
non-overlapping clips of 30 s from its start (:mod:`mirex.datasets.render`);
a clip in which no note sounds is skipped and a remainder shorter than 30 s is
dropped. Clips are taken from a composer's works in turn, so each composer
gets ``clips_per_composer`` clips spread over as many works as the corpus has.

Layout under ``out_dir``: ``midi/<composer>/<piece>.mid`` with ``<piece>.json``,
the spans in which notes sound (a score that cannot be parsed leaves
``<piece>.failed`` instead), ``wav/<composer>/<piece>_cNNN.wav``
(clip NNN of the piece: mono, 22,050 Hz, 16-bit) and the list file
``composers.txt`` with one ``path<TAB>composer<TAB>work`` line per clip. All
files are written atomically and reused by the next build.
"""
import argparse
import json
import logging
import math
import os
import sys
import warnings
from pathlib import Path

from joblib import Parallel, delayed

from mirex.atomic import atomic_path, write_text
from mirex.datasets import render, scores
from mirex.errors import DataError
from mirex.listfile import write_list
from mirex.log import progress_bar, run_command

__all__ = ["build_composers", "main"]

CLIP_SECONDS = 30.0
log = logging.getLogger(__name__)


def _windows(intervals, *, seconds):
    """Return the numbers of the full clips of ``seconds`` in which some note sounds."""
    end = max((e for _, e in intervals), default=0.0)
    return [i for i in range(int(end // seconds))
            if any(s < (i + 1) * seconds and e > i * seconds for s, e in intervals)]


def _activity(intervals):
    """Merge note intervals into the sorted, disjoint spans in which something sounds."""
    spans = []
    for start, end in sorted(intervals):
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [[round(s, 3), round(e, 3)] for s, e in spans]


def _midi_windows(piece, midi_dir, *, seconds):
    """Make (or reuse) the piece's MIDI file; return its clip windows, or None if it cannot be parsed.

    Beside ``<piece>.mid`` goes ``<piece>.json``, the spans in which notes
    sound; it is written last, so it marks a complete entry in the cache.
    """
    midi = midi_dir / piece.composer / f"{piece.slug}.mid"
    spans, failed = midi.with_suffix(".json"), midi.with_suffix(".failed")
    if failed.exists():
        return None
    if not spans.exists():
        import music21  # imported here: a cached build never needs it, and it is slow to load

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score = music21.converter.parse(scores.corpus_root() / piece.source)
            with atomic_path(midi) as tmp:
                intervals = scores.write_midi(score, tmp)
        except Exception as exc:  # music21 raises many kinds on malformed scores
            with atomic_path(failed) as tmp:
                tmp.write_text(f"{type(exc).__name__}: {exc}\n")
            return None
        write_text(spans, json.dumps(_activity(intervals)))
    return _windows(json.loads(spans.read_text()), seconds=seconds)


def _allocate(found, *, clips):
    """Take clips from the works in turn until there are ``clips``.

    Parameters
    ----------
    found : list of (Piece, list of int)
        Pieces in candidate order with their usable clip windows.
    clips : int
        How many clips to take.

    Returns
    -------
    chosen : dict of Piece to list of int
    """
    queues = {}
    for piece, windows in found:
        queues.setdefault(piece.work, []).append([(piece, w) for w in windows])
    streams = []
    for pieces in queues.values():  # within a work, its pieces take turns too
        stream = [x for turn in range(max(map(len, pieces))) for p in pieces if turn < len(p)
                  for x in [p[turn]]]
        streams.append(stream)
    chosen = {}
    taken = 0
    for turn in range(max(map(len, streams), default=0)):
        for stream in streams:
            if taken < clips and turn < len(stream):
                piece, window = stream[turn]
                chosen.setdefault(piece, []).append(window)
                taken += 1
    return chosen


def _capped_total(found, *, per_work):
    totals = {}
    for piece, windows in found:
        totals[piece.work] = totals.get(piece.work, 0) + len(windows)
    return sum(min(n, per_work) for n in totals.values())


def _scan(composers, midi_dir, *, clips, per_work, seconds, n_jobs, progress):
    """Parse pieces, a batch at a time, until every composer has enough clips.

    A composer has enough once its works, counting at most ``per_work`` clips
    each, hold ``clips`` clips; or once every work has had a piece parsed and
    they hold ``clips`` clips in all (more pieces would add no work); or once
    its candidates run out.
    """
    pending = {c: scores.candidates(c) for c in composers}
    # candidates() puts one piece of every work first: once those are parsed, every work is known
    first_pass_done = {c: len(pending[c]) - len({p.work for p in pending[c]}) for c in composers}
    found = {c: [] for c in composers}

    def missing(c):
        if len(pending[c]) <= first_pass_done[c] and _capped_total(found[c], per_work=clips) >= clips:
            return 0
        return clips - _capped_total(found[c], per_work=per_work)

    bar = progress_bar(enabled=progress, desc="scores", unit="score")
    with Parallel(n_jobs=n_jobs, return_as="generator") as parallel:
        while True:
            batch = []
            for c in composers:
                if missing(c) > 0 and pending[c]:
                    take = min(len(pending[c]), max(n_jobs, math.ceil(missing(c) / per_work)))
                    batch.extend(pending[c][:take])
                    del pending[c][:take]
            if not batch:
                break
            bar.total = (bar.total or 0) + len(batch)
            jobs = (delayed(_midi_windows)(p, midi_dir, seconds=seconds) for p in batch)
            for piece, windows in zip(batch, parallel(jobs)):
                bar.update()
                if windows is None:
                    log.warning("skipped %s: music21 cannot read it", piece.source)
                else:
                    found[piece.composer].append((piece, windows))
    bar.close()
    return found


def _clip_paths(piece, windows, wav_dir):
    return [wav_dir / piece.composer / f"{piece.slug}_c{w:03d}.wav" for w in windows]


def _render_piece(piece, windows, midi_dir, wav_dir, *, soundfont, seconds):
    paths = _clip_paths(piece, windows, wav_dir)
    if all(p.exists() for p in paths):
        return
    audio = render.render(midi_dir / piece.composer / f"{piece.slug}.mid", soundfont=soundfont,
                          seconds=(max(windows) + 1) * seconds)
    render.write_clips(audio, windows, paths, seconds=seconds)


def build_composers(*, out_dir, composers=None, clips_per_composer=40, clips_per_work=3,
                    clip_seconds=CLIP_SECONDS, soundfont=render.SOUNDFONT, n_jobs=None,
                    progress=True):
    """Build (or reuse) the classical-composer demo dataset.

    Parameters
    ----------
    out_dir : str or Path
        Folder for the MIDI and audio caches and the list file.
    composers : list of str, optional
        Labels to include (keys of :data:`mirex.datasets.scores.COMPOSERS`); all by default.
    clips_per_composer : int
        Clips per composer; fewer only where the corpus holds too little music.
    clips_per_work : int
        Scores are parsed until the composer's works, counting at most this many
        clips each, hold ``clips_per_composer`` clips. Clips are then taken from
        the works in turn, so no work gives much more than this unless the
        composer has too few works.
    clip_seconds : float
        Clip length in seconds.
    soundfont : str or Path
        General MIDI soundfont (default: FluidR3_GM from Debian's ``fluid-soundfont-gm``).
    n_jobs : int, optional
        Parallel processes; defaults to the number of CPUs.
    progress : bool
        Show progress bars (on a terminal: :func:`mirex.log.progress_bar`).

    Returns
    -------
    list_path : Path
        ``out_dir/composers.txt``, one ``path<TAB>composer<TAB>work`` line per clip
        (absolute paths).

    Raises
    ------
    DataError
        If FluidSynth or the soundfont is missing, a label is unknown, or a
        composer ends up with no clips.
    """
    render.check_fluidsynth(soundfont=soundfont)
    composers = list(scores.COMPOSERS) if composers is None else list(composers)
    unknown = sorted(set(composers) - set(scores.COMPOSERS))
    if unknown:
        raise DataError(f"unknown composer(s) {', '.join(unknown)}; choose from {', '.join(scores.COMPOSERS)}")
    if clips_per_composer < 1 or clips_per_work < 1:
        raise DataError("clips_per_composer and clips_per_work must be at least 1")
    out_dir = Path(out_dir).resolve()
    midi_dir, wav_dir = out_dir / "midi", out_dir / "wav"
    n_jobs = n_jobs or os.cpu_count() or 1
    found = _scan(composers, midi_dir, clips=clips_per_composer, per_work=clips_per_work,
                  seconds=clip_seconds, n_jobs=n_jobs, progress=progress)
    chosen = {c: _allocate(found[c], clips=clips_per_composer) for c in composers}
    for c in composers:
        if not chosen[c]:
            raise DataError(f"{c}: the corpus gave no clip of {clip_seconds:g} s")
        count = sum(map(len, chosen[c].values()))
        if count < clips_per_composer:
            log.warning("%s: only %d clips of %g s in the corpus", c, count, clip_seconds)
    jobs = [(p, sorted(w)) for c in composers for p, w in chosen[c].items()]
    Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_render_piece)(p, w, midi_dir, wav_dir, soundfont=soundfont, seconds=clip_seconds)
        for p, w in progress_bar(enabled=progress, iterable=jobs, desc="render", unit="score"))
    rows = [(str(path), p.composer, p.work) for p, w in jobs for path in _clip_paths(p, w, wav_dir)]
    list_path = out_dir / "composers.txt"
    write_list(list_path, rows)
    return list_path


def main(argv=None):
    """Command line: ``python -m mirex.datasets.composers [--out DIR] ...``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 on a user error (one line ``mirex: error: ...`` on stderr).
    """
    parser = argparse.ArgumentParser(prog="python -m mirex.datasets.composers",
                                     description="Build the classical-composer demo dataset.")
    parser.add_argument("--out", default="data/composers", help="output folder (default: %(default)s)")
    parser.add_argument("--composers", help="comma-separated labels (default: all of "
                        + ", ".join(scores.COMPOSERS) + ")")
    parser.add_argument("--clips-per-composer", type=int, default=40, help="default: %(default)s")
    parser.add_argument("--clips-per-work", type=int, default=3, help="default: %(default)s")
    parser.add_argument("--jobs", type=int, default=None, help="parallel processes (default: all CPUs)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    return run_command(lambda: print(build_composers(
        out_dir=args.out, composers=args.composers.split(",") if args.composers else None,
        clips_per_composer=args.clips_per_composer, clips_per_work=args.clips_per_work, n_jobs=args.jobs,
        progress=not args.quiet)), quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
