"""Artist identification on the music that Debian's game packages ship, with per-track credits.

``python -m mirex.datasets.games --out data/games`` (or ``make game-data``)
builds it. The packages of :data:`~mirex.datasets.games_packages.PACKAGES` are
fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x`` (neither
needs root); each track's artist comes only from a credit shipped in its
package (:mod:`mirex.datasets.games_packages`). Artists with at least 4
tracks of at least 30 s are kept; each of their tracks gives up to 3
non-overlapping 30-s clips spread over it (:mod:`mirex.datasets.games_clips`).

Layout under ``out_dir``: ``debs/`` (the .deb files), ``pkgs/<package>/``
(each unpacked), ``wav/<package>/<package>_<track>_cN.wav`` (mono, 22,050 Hz, 16-bit),
the list file ``games.txt`` (``path<TAB>artist<TAB>package/track``) and the
side table ``games-clips.tsv`` (each clip's artist, track, package and
licence). Every step skips what an earlier build finished, and every file is
written atomically (a folder is unpacked under a temporary name and renamed).
"""
import argparse
import csv
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from joblib import Parallel, delayed

from mirex.datasets import games_clips as clips
from mirex.datasets import games_credits as credits
from mirex.datasets.games_packages import PACKAGES, scan
from mirex.errors import DataError
from mirex.log import progress_bar, run_command

__all__ = ["AptMissing", "download", "unpack", "build_games", "summary", "main"]

log = logging.getLogger(__name__)


class AptMissing(DataError):
    """``apt-get`` or ``dpkg-deb`` is not installed (not a Debian-like system)."""


def _program(name):
    program = shutil.which(name)
    if program is None:
        raise AptMissing(f"no {name}: the game-music dataset fetches and unpacks Debian packages "
                         f"and needs apt-get and dpkg-deb (Debian or Ubuntu)")
    return program


def _cached_deb(package, deb_dir):
    found = sorted(deb_dir.glob(f"{package}_*.deb"))
    return found[-1] if found else None


def _apt_download(packages, deb_dir):
    """``apt-get download`` into a temporary folder, then move the .deb files in: no partial file is kept."""
    apt = _program("apt-get")
    with tempfile.TemporaryDirectory(dir=deb_dir, prefix=".download-") as tmp:
        done = subprocess.run([apt, "download", *packages], cwd=tmp, capture_output=True, text=True)
        for deb in Path(tmp).glob("*.deb"):
            os.replace(deb, deb_dir / deb.name)
    return done


def download(packages, deb_dir):
    """Fetch the .deb of every package not yet in ``deb_dir``; run ``apt-get update`` once if apt knows none.

    Returns
    -------
    debs : dict of str to Path
    """
    deb_dir.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if _cached_deb(p, deb_dir) is None]
    if missing:
        done = _apt_download(missing, deb_dir)
        if done.returncode != 0 and os.geteuid() == 0:  # package lists may be absent or stale
            subprocess.run([_program("apt-get"), "update"], capture_output=True, text=True)
            done = _apt_download([p for p in missing if _cached_deb(p, deb_dir) is None], deb_dir)
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()
            raise DataError(f"apt-get download failed: {reason[-1] if reason else done.returncode}"
                            + ("" if os.geteuid() == 0 else " (try 'sudo apt-get update')"))
    return {p: _cached_deb(p, deb_dir) for p in packages}


def unpack(package, deb, pkg_dir):
    """Unpack ``deb`` into ``pkg_dir/<package>`` (and the package's zip archives beside themselves)."""
    final = pkg_dir / package
    if final.is_dir():
        return final
    tmp = pkg_dir / f".{package}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    done = subprocess.run([_program("dpkg-deb"), "-x", str(deb), str(tmp)], capture_output=True, text=True)
    if done.returncode != 0:
        raise DataError(f"{deb}: dpkg-deb -x failed: {done.stderr.strip()[-300:]}")
    for archive in PACKAGES[package].archives:
        try:
            with zipfile.ZipFile(tmp / archive) as zf:
                zf.extractall(tmp / f"{archive}.d")
        except (OSError, zipfile.BadZipFile) as exc:
            raise DataError(f"{deb}: cannot unpack {archive} ({exc})") from None
    os.replace(tmp, final)
    return final


def _labels(tracks):
    """The label of each artist key; two different artists may not share a label."""
    labels, owner = {}, {}
    for track in tracks:
        key, label = credits.artist_key(track.artist), credits.artist_label(track.artist)
        if owner.setdefault(label, key) != key:
            raise DataError(f"artists {track.artist!r} and {owner[label]!r} would share the label {label!r}")
        labels[key] = label
    return labels


def _rows(tracks, cuts):
    """The side-table rows of the clips of ``tracks`` (``cuts``: each track's clips)."""
    labels = _labels(tracks)
    return [{"path": path, "artist": t.artist, "label": labels[credits.artist_key(t.artist)], "track": t.group,
             "package": t.package, "licence": t.licence, "source": "+".join(Path(s).name for s in t.sources),
             "start_s": f"{start / clips.SAMPLE_RATE:.2f}"}
            for t in tracks for path, start in cuts[t.group]]


def build_games(*, out_dir, deb_dir=None, packages=None, min_tracks=4, clips_per_track=3,
                clip_seconds=clips.CLIP_SECONDS, n_jobs=None, progress=True):
    """Build (or reuse) the game-music artist dataset.

    Parameters
    ----------
    out_dir : str or Path
        Folder for the unpacked packages, the clips, the list and the side table.
    deb_dir : str or Path, optional
        Cache of .deb files (default ``out_dir/debs``); a package found there is not downloaded again.
    packages : list of str, optional
        Keys of :data:`~mirex.datasets.games_packages.PACKAGES`; all by default.
    min_tracks : int
        An artist is kept with at least this many credited tracks of at least ``clip_seconds``.
    clips_per_track : int
        Most clips cut from one track.
    clip_seconds : float
        Clip length in seconds.
    n_jobs : int, optional
        Tracks decoded at once (threads); defaults to the number of CPUs.
    progress : bool
        Show a progress bar (on a terminal: :func:`mirex.log.progress_bar`).

    Returns
    -------
    list_path : Path
        ``out_dir/games.txt``: ``path<TAB>artist label<TAB>package/track`` per clip (absolute paths);
        beside it ``games-clips.tsv``.

    Raises
    ------
    AptMissing
        If a package must be fetched or unpacked and apt-get or dpkg-deb is missing.
    DataError
        If a package is unknown or cannot be fetched, or no artist has enough tracks.
    """
    packages = list(PACKAGES) if packages is None else list(packages)
    unknown = sorted(set(packages) - set(PACKAGES))
    if unknown:
        raise DataError(f"unknown package(s) {', '.join(unknown)}; choose from {', '.join(PACKAGES)}")
    if min_tracks < 1 or clips_per_track < 1:
        raise DataError("min_tracks and clips_per_track must be at least 1")
    out_dir = Path(out_dir).resolve()
    pkg_dir, wav_dir = out_dir / "pkgs", out_dir / "wav"
    unpacked = [p for p in packages if (pkg_dir / p).is_dir()]
    debs = download([p for p in packages if p not in unpacked], Path(deb_dir or out_dir / "debs").resolve())
    tracks = [t for p in packages for t in scan(p, unpack(p, debs.get(p), pkg_dir))]
    kept = clips.keep_artists(tracks, min_tracks=min_tracks, min_seconds=clip_seconds)
    if len({t.group for t in kept}) < len(kept):
        raise DataError("two tracks of one package have the same name")
    length = round(clip_seconds * clips.SAMPLE_RATE)
    cut = Parallel(n_jobs=n_jobs or os.cpu_count() or 1, prefer="threads")(
        # the package in the file name too: graders match outputs by base name, and packages share track names
        delayed(clips.cut_track)(t.sources, wav_dir / t.package / f"{t.package}_{t.name}", length=length,
                                 max_clips=clips_per_track)
        for t in progress_bar(enabled=progress, iterable=kept, desc="clips", unit="track"))
    cuts = {t.group: c for t, c in zip(kept, cut)}
    # a track that was mostly silence may give no clip: count the artist's tracks again
    final = clips.keep_artists([t for t in kept if cuts[t.group]], min_tracks=min_tracks, min_seconds=clip_seconds)
    for track in sorted(set(kept) - set(final), key=kept.index):
        log.warning("left out %s (%s): %s", track.group, track.artist,
                    "no clip above -60 dBFS" if not cuts[track.group] else "too few tracks with clips")
    if not final:
        raise DataError(f"no artist has {min_tracks} credited tracks of {clip_seconds:g} s")
    list_path = out_dir / "games.txt"
    clips.write_tables(list_path, out_dir / "games-clips.tsv", _rows(final, cuts))
    return list_path


def summary(side_path):
    """Clips, tracks and artists per package of a built side table, as text lines."""
    with open(side_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    lines = [f"{'package':28s} {'clips':>5s} {'tracks':>6s}  artists"]
    for package in dict.fromkeys(r["package"] for r in rows):
        mine = [r for r in rows if r["package"] == package]
        artists = ", ".join(f"{a} ({sum(r['artist'] == a for r in mine)})"
                            for a in dict.fromkeys(r["artist"] for r in mine))
        lines.append(f"{package:28s} {len(mine):5d} {len({r['track'] for r in mine}):6d}  {artists}")
    lines.append(f"{'total':28s} {len(rows):5d} {len({r['track'] for r in rows}):6d}  "
                 f"{len({r['label'] for r in rows})} artists")
    return lines


def main(argv=None):
    """Command line: ``python -m mirex.datasets.games [--out DIR] ...``.

    Returns
    -------
    status : int
        0 on success, 2 on a user error (one line on stderr; ``mirex: error: no apt-get: ...``
        when the packages must be fetched on a machine without apt-get).
    """
    parser = argparse.ArgumentParser(prog="python -m mirex.datasets.games",
                                     description="Build the game-music artist dataset from Debian packages.")
    parser.add_argument("--out", default="data/games", help="output folder (default: %(default)s)")
    parser.add_argument("--debs", help="cache of .deb files (default: OUT/debs)")
    parser.add_argument("--packages", help="comma-separated packages (default: all of " + ", ".join(PACKAGES) + ")")
    parser.add_argument("--min-tracks", type=int, default=4, help="default: %(default)s")
    parser.add_argument("--clips-per-track", type=int, default=3, help="default: %(default)s")
    parser.add_argument("--jobs", type=int, default=None, help="tracks decoded at once (default: all CPUs)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    args = parser.parse_args(argv)

    def build():
        path = build_games(out_dir=args.out, deb_dir=args.debs,
                           packages=args.packages.split(",") if args.packages else None,
                           min_tracks=args.min_tracks, clips_per_track=args.clips_per_track,
                           n_jobs=args.jobs, progress=not args.quiet)
        log.info("\n".join(summary(path.with_name("games-clips.tsv"))))
        print(path)

    return run_command(build, quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
