"""Reading artist credits shipped inside Debian game packages.

Four kinds of credit are read: an audio file's own tag (Vorbis comment
``ARTIST``, read with libsndfile), a stanza of a machine-readable
``debian/copyright`` file (DEP-5: ``Files:`` / ``Copyright:`` / ``License:``),
the ``artist`` of a Frets on Fire ``song.ini``, and a credits list in a README
(``... made by NAME:`` followed by file names). :func:`normalise_artist` turns
each credit into a display name, and :func:`artist_key` and :func:`artist_label`
into the merge key and the list label.
"""
import configparser
import fnmatch
import os
import re
import unicodedata
from dataclasses import dataclass

import soundfile as sf

__all__ = ["Stanza", "parse_dep5", "dep5_stanza", "holder_name", "song_ini_artist", "credits_list",
           "probe", "normalise_artist", "artist_key", "artist_label"]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
#: "Composed and performed by X", "Music by X": the words before "by" say what was done, not who.
_BY = re.compile(r"^(?:(?:composed|performed|written|arranged|produced|music)(?:\s+and\s+|\s*,\s*|\s+))*by\s+",
                 re.I)
_YEARS = re.compile(r"^(?:(?:copyright|©)\s*|\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)+", re.I)
_AUDIO = re.compile(r"^\s*[-*]?\s*(\S+\.(?:ogg|oga|wav|flac|mp3|opus))\s*$", re.I)
_MADE_BY = re.compile(r"\b(?:made|composed|written|created)\s+by\s+(.+?)\s*:\s*$", re.I)


@dataclass(frozen=True)
class Stanza:
    """One ``Files:`` paragraph of a DEP-5 copyright file."""

    files: tuple  #: glob patterns, relative to the upstream source tree
    holders: tuple  #: the lines of ``Copyright:``, one holder each
    licence: str  #: the first line of ``License:`` (its short name)


def _paragraph_fields(paragraph):
    fields, name = {}, None
    for line in paragraph.splitlines():
        if line[:1] in (" ", "\t"):
            if name is not None:
                fields[name].append(line.strip())
        elif ":" in line:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            fields[name] = [value.strip()]
        else:
            name = None
    return fields


def parse_dep5(text):
    """Return the ``Files:`` stanzas of a DEP-5 copyright file, in file order.

    Parameters
    ----------
    text : str
        The file's text. A file in another format gives an empty list.

    Returns
    -------
    stanzas : list of Stanza
    """
    stanzas = []
    for paragraph in re.split(r"\n[ \t]*\n", text):
        fields = _paragraph_fields(paragraph)
        if "files" not in fields:
            continue
        patterns = tuple(" ".join(fields["files"]).split())
        holders = tuple(line for line in fields.get("copyright", []) if line)
        licence = next(iter(fields.get("license", [])), "")
        stanzas.append(Stanza(files=patterns, holders=holders, licence=licence))
    return stanzas


def dep5_stanza(stanzas, path):
    """Return the stanza that governs ``path`` (the last whose patterns match), or None.

    In DEP-5 ``*`` matches any characters, ``/`` included, and ``?`` one character.
    """
    found = None
    for stanza in stanzas:
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in stanza.files):
            found = stanza
    return found


def holder_name(line):
    """The name in one ``Copyright:`` line, without years, e-mail, URL or a remark in brackets.

    ``"2007-2009 Jordan Trudgett <jt@example.org>"`` gives ``"Jordan Trudgett"``.
    """
    text = re.sub(r"<[^>]*>|\([^)]*\)", " ", line)
    text = _YEARS.sub("", _URL.sub(" ", text).strip())
    return normalise_artist(text)


def song_ini_artist(text):
    """The ``artist`` of a Frets on Fire ``song.ini`` (section ``[song]``), or None."""
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
        value = parser.get("song", "artist", fallback="")
    except configparser.Error:
        return None
    return normalise_artist(value) or None


def credits_list(text):
    """Map file names to artists in a credits text of the form ``... made by NAME:`` + file names.

    A heading such as ``The following works are made by Jane Doe:`` starts a
    list; every following line that is one audio file name (optionally
    bulleted) is credited to that name until the next heading.

    Returns
    -------
    credits : dict of str to str
        File name (as written) -> artist display name.
    """
    credits, artist = {}, None
    for line in text.splitlines():
        heading = _MADE_BY.search(line)
        if heading:
            artist = normalise_artist(heading.group(1)) or None
            continue
        name = _AUDIO.match(line)
        if name and artist:
            credits[name.group(1)] = artist
    return credits


def probe(path):
    """Return ``(seconds, artist tag)`` of an audio file libsndfile reads (artist '' when untagged)."""
    with sf.SoundFile(os.fsencode(path)) as fh:
        return fh.frames / fh.samplerate, normalise_artist(fh.artist or "")


def normalise_artist(text):
    """A credit as a display name: URLs, a leading "composed ... by" and outer punctuation removed,
    blanks collapsed."""
    text = _URL.sub(" ", unicodedata.normalize("NFC", text))
    text = " ".join(text.split()).strip(" -–,;:.")
    return _BY.sub("", text).strip()


def artist_key(name):
    """The key under which credits merge: the display name case-folded (blanks are already one space)."""
    return normalise_artist(name).casefold()


def artist_label(name):
    """The list label: ASCII letters and digits of the name, lower case, words joined by ``-``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))
