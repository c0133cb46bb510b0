"""The Debian game packages of the game-music dataset and how each one credits its music.

:data:`PACKAGES` maps each package to a :class:`Package`: where its music lies
in the unpacked package, which credit rule names a track's artist, and where
its licence is read. A credit rule is a function ``rule(source) -> str | None``
of a :class:`Source`; a track none of whose credits names an artist is left out.
"""
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mirex.datasets import games_credits as credits

__all__ = ["Source", "Package", "Track", "PACKAGES", "by_tag", "by_dep5", "by_dep5_role",
           "by_song_ini", "by_credits_file", "scan"]


@dataclass(frozen=True)
class Source:
    """One music file of an unpacked package, as a credit rule sees it."""

    package: str
    root: Path  #: the unpacked package (``dpkg -x`` output)
    path: Path  #: the audio file (for a multi-stem song, its first stem)
    upstream: str  #: its path in the upstream tree, as ``debian/copyright`` names files
    tag: str  #: its ARTIST tag ('' when untagged)


def _copyright(source):
    return _stanzas(source.root / "usr/share/doc" / source.package / "copyright")


@lru_cache(maxsize=None)
def _stanzas(path):
    return credits.parse_dep5(path.read_text(encoding="utf-8", errors="replace")) if path.is_file() else []


def by_tag(source):
    """The audio file's own ARTIST tag."""
    return source.tag or None


def by_dep5(source):
    """The holder of the ``debian/copyright`` stanza that names this file.

    Only a stanza with a single holder counts, and not the catch-all ``Files: *``.
    """
    stanza = credits.dep5_stanza(_copyright(source), source.upstream)
    if stanza is None or stanza.files == ("*",) or len(stanza.holders) != 1:
        return None
    return credits.holder_name(stanza.holders[0]) or None


def by_dep5_role(role):
    """A rule: the one holder of the governing stanza whose remark in brackets mentions ``role``.

    ``2008-2018 Roberto Lorenz (Music compositon and arrangement)`` is the
    music's holder for ``role='music'``.
    """
    def rule(source):
        stanza = credits.dep5_stanza(_copyright(source), source.upstream)
        holders = [h for h in (stanza.holders if stanza else ())
                   if re.search(rf"\([^)]*\b{re.escape(role)}", h, re.I)]
        if len(holders) != 1:
            return None
        return credits.holder_name(holders[0]) or None

    rule.__doc__ = f"The holder marked ({role} ...) in the governing debian/copyright stanza."
    return rule


def by_song_ini(source):
    """``artist = ...`` of the ``song.ini`` beside the song (Frets on Fire)."""
    ini = source.path.parent / "song.ini"
    return credits.song_ini_artist(ini.read_text(encoding="utf-8", errors="replace")) if ini.is_file() else None


def by_credits_file(name):
    """A rule: the artist that the credits file ``name`` in the track's folder names for it."""
    def rule(source):
        listing = source.path.parent / name
        if not listing.is_file():
            return None
        return credits.credits_list(listing.read_text(encoding="utf-8", errors="replace")).get(source.path.name)

    rule.__doc__ = f"The artist named for the file in {name} beside it."
    return rule


@dataclass(frozen=True)
class Package:
    """Where a package's music lies, who made it and under which licence.

    ``music`` are globs under the unpacked package; ``stems`` (for multi-track
    songs) the files of one song folder to mix, the first found by ``music``;
    ``upstream`` maps an installed prefix to the upstream prefix that
    ``debian/copyright`` uses; ``licence`` is fixed text, or None to take the
    ``License:`` of the governing DEP-5 stanza; ``archives`` are zip files in
    the package whose contents are unpacked beside them (into ``NAME.d/``);
    ``exclude`` are globs of files that repeat another track.
    """

    credit: object
    music: tuple
    upstream: tuple = ("", "")
    licence: str = None
    stems: tuple = ()
    archives: tuple = ()
    exclude: tuple = ()


_G = "usr/share/games/"
FOF = "usr/share/games/fretsonfire/data/songs/"
PK3 = _G + "openarena/baseoa/pak6-patch088.pk3"

#: Package -> how its music is found and credited (see docs/games-dataset.md).
PACKAGES = {
    "marsshooter-data": Package(by_tag, (_G + "marsshooter/audio/music/*.ogg", _G + "marsshooter/audio/menu.ogg",
                                         _G + "marsshooter/audio/tutorial.ogg"),
                                upstream=(_G + "marsshooter/", "data/")),
    "colobot-common-sounds": Package(by_tag, (_G + "colobot/music/*.ogg",), upstream=(_G + "colobot/", "data/")),
    "redeclipse-data": Package(by_dep5, (_G + "redeclipse/data/sounds/music/*.ogg",),
                               upstream=(_G + "redeclipse/", "")),
    # theme1_raw.ogg repeats most of theme1.ogg (normalised cross-correlation 0.75)
    "ardentryst": Package(by_dep5, (_G + "ardentryst/Music/*.ogg",), upstream=(_G + "ardentryst/", ""),
                          exclude=(_G + "ardentryst/Music/theme1_raw.ogg",)),
    "davegnukem-data": Package(by_tag, (_G + "davegnukem/music/*/*.ogg",), upstream=(_G + "davegnukem/", "data/")),
    "pushover-data": Package(by_dep5_role("music"), ("usr/share/pushover/themes/*.ogg",),
                             upstream=("usr/share/pushover/", "data/")),
    "wizznic-data": Package(by_tag, (_G + "wizznic/packs/*/music/*.ogg", _G + "wizznic/data/menu-music.ogg"),
                            upstream=(_G + "wizznic/", "data/")),
    "enigma-data": Package(by_tag, (_G + "enigma/music/*/*.ogg",), licence="GPL-2"),
    "openarena-088-data": Package(by_tag, (PK3 + ".d/music/*.ogg",), upstream=(PK3 + ".d/", "pak6-patch088/"),
                                  archives=(PK3,)),
    "freecol": Package(by_credits_file("README.md"), (_G + "freecol/default/resources/music/*/*.ogg",),
                       upstream=(_G + "freecol/", "data/")),
    "xmoto-data": Package(by_tag, (_G + "xmoto/Textures/Musics/*.ogg",), upstream=(_G + "xmoto/", "data/")),
    "zaz-data": Package(by_tag, (_G + "zaz/*.ogg",), upstream=(_G + "zaz/", "data/")),
    "fretsonfire-songs-muldjord": Package(by_song_ini, (FOF + "*/*/song.ogg",), licence="CC-BY-SA-3.0",
                                          stems=("song.ogg", "guitar.ogg")),
    "fretsonfire-songs-sectoid": Package(by_song_ini, (FOF + "*/*/song.ogg",), licence="Expat",
                                         stems=("song.ogg", "guitar.ogg")),
    "krank": Package(by_tag, (_G + "krank/sounds/*/*.ogg",), licence="not stated"),
}


@dataclass(frozen=True)
class Track:
    """A piece of music of a package with its credit and licence."""

    package: str
    name: str  #: unique within the package: a slug of the file (or song folder) name
    sources: tuple  #: the audio files mixed into the track (absolute paths)
    seconds: float
    artist: str  #: display name; '' when no credit names one
    licence: str

    @property
    def group(self):
        """The list file's group column: one value per track."""
        return f"{self.package}/{self.name}"


def _upstream(relative, mapping):
    installed, upstream = mapping
    return upstream + relative[len(installed):] if relative.startswith(installed) else relative


def _track_names(paths, package):
    """A slug of each file's (or song folder's) name; with its folder's name when names repeat."""
    names = [credits.artist_label(p.parent.name if package.stems else p.stem) or "track" for p in paths]
    if len(set(names)) < len(names):
        names = [f"{credits.artist_label(p.parent.name)}-{n}" for p, n in zip(paths, names)]
    return names


def scan(name, root):
    """List the tracks of the unpacked package ``name`` under ``root`` with their credits.

    Parameters
    ----------
    name : str
        A key of :data:`PACKAGES`.
    root : str or Path
        The unpacked package.

    Returns
    -------
    tracks : list of Track
        Every music file the package's globs find, in path order, credited or not.
    """
    package, root = PACKAGES[name], Path(root)
    excluded = {p for pattern in package.exclude for p in root.glob(pattern)}
    paths = sorted({p for pattern in package.music for p in root.glob(pattern) if p.is_file()} - excluded)
    tracks = []
    for path, track_name in zip(paths, _track_names(paths, package)):
        relative = path.relative_to(root).as_posix()
        stems = [path.parent / s for s in package.stems if (path.parent / s).is_file()] or [path]
        seconds, tag = credits.probe(stems[0])
        source = Source(package=name, root=root, path=path, upstream=_upstream(relative, package.upstream), tag=tag)
        licence = package.licence
        if licence is None:
            stanza = credits.dep5_stanza(_copyright(source), source.upstream)
            licence = stanza.licence if stanza else "not stated"
        tracks.append(Track(package=name, name=track_name, sources=tuple(os.fspath(s) for s in stems),
                            seconds=seconds, artist=package.credit(source) or "", licence=licence))
    return tracks
