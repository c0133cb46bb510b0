"""A multi-label tag dataset from the composer demo set's own scores.

``python -m mirex.datasets.composer_tags [--list data/composers/composers.txt]``
reads the composer list (``path<TAB>composer<TAB>work``, clips named
``wav/<composer>/<piece>_cNNN.wav``) and the MIDI file of each clip's piece
(``midi/<composer>/<piece>.mid`` beside it) and writes ``tags.txt`` in the
same folder: one ``path<TAB>tag<TAB>work`` line per (clip, tag) pair, the
work as the group column so that evaluation folds keep a work's clips on one
side, and beside it ``concepts.txt``, the concept table (``tag<TAB>concept``,
:func:`concept_table`) that groups the tags below into the concepts era,
form, mode, tempo and parts. Each clip gets (rules in ``docs/tags-dataset.md``):

- its **era**, from the composer (:data:`ERAS`);
- its **form**, from the piece's file name (:data:`FORMS`), when a rule knows it;
- its **mode**, ``major`` or ``minor``: the Krumhansl-Kessler key profile that
  best correlates with the duration-weighted pitch classes sounding in the clip;
- its **tempo** class from the distinct note onsets per second in the clip:
  ``slow`` (< :data:`SLOW`), ``fast`` (>= :data:`FAST`), else ``moderate``;
- its **number of parts**: MIDI channels with a note in the clip
  (``parts1`` ... ``parts4``, ``parts5plus``).

Everything is computed from the files alone, so the output is reproducible.
"""
import re
import sys
from pathlib import Path

import mido
import numpy as np

from mirex.datasets.tag_command import tag_list_command
from mirex.errors import DataError
from mirex.listfile import read_list, write_list

__all__ = ["ERAS", "FORMS", "SLOW", "FAST", "PARTS", "clip_tags", "concept_table", "build_tags", "main"]

CLIP_SECONDS = 30.0
ERAS = {"ciconia": "medieval", "palestrina": "renaissance", "monteverdi": "renaissance", "bach": "baroque",
        "haydn": "classical", "mozart": "classical", "beethoven": "classical", "schumann": "romantic"}
"""Era of each composer (Monteverdi's madrigal books 3-5 date from 1592-1605; Beethoven's quartets are counted
classical)."""
FORMS = (
    ("bach", r"^bwv", "chorale"),
    ("beethoven", r"^opus(18|59|74|95|127|130|131|132|133|135)(?!\d)", "quartet"),
    ("haydn", r"^opus(1no|2no|9no|17no|20no|33no|42|50no|54no|55no|64no|71no|74no|76no|77no)", "quartet"),
    ("mozart", r"^k(80|155|156|157|158|159|160|168|169|170|171|172|173|387|421|428|458|464|465|499|575|589|590)(?!\d)",
     "quartet"),
    ("mozart", r"^k545(?!\d)", "sonata"),
    ("schumann", r"^opus41", "quartet"),
    ("schumann", r"^(dichterliebe|opus48|opus39|opus42)", "song"),
    ("monteverdi", r"^madrigal", "madrigal"),
    ("palestrina", r"^(kyrie|gloria|credo|sanctus|benedictus|agnus)", "mass"),
    ("ciconia", r"(gloria|credo)", "mass"),
    ("ciconia", r"^pmfc-24-(1[6-9]|2[0-3])-", "motet"),
)
"""(composer, pattern on the piece's file name, form); the first match wins, none gives no form tag."""
SLOW, FAST = 2.0, 4.0
"""Onsets per second that separate slow, moderate and fast clips."""
PARTS = 5
"""Clips with this many parts or more are tagged ``parts5plus``."""
# Krumhansl-Kessler key profiles, from C.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_CLIP = re.compile(r"^(?P<piece>.+)_c(?P<window>\d+)$")


def _notes(midi_path):
    """``(channel, pitch, start_s, end_s)`` of every note in a MIDI file."""
    notes, sounding, now = [], {}, 0.0
    for message in mido.MidiFile(str(midi_path)):
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            sounding.setdefault((message.channel, message.note), []).append(now)
        elif message.type in ("note_on", "note_off") and sounding.get((message.channel, message.note)):
            start = sounding[(message.channel, message.note)].pop(0)
            notes.append((message.channel, message.note, start, now))
    return notes


def _mode(notes, start, end):
    weights = np.zeros(12)
    for _, pitch, a, b in notes:
        weights[pitch % 12] += max(0.0, min(b, end) - max(a, start))
    if not weights.any():
        return None
    best = {mode: max(np.corrcoef(weights, np.roll(profile, tonic))[0, 1] for tonic in range(12))
            for mode, profile in (("major", _MAJOR), ("minor", _MINOR))}
    return max(best, key=best.get)


def clip_tags(*, composer, piece, notes, window, seconds=CLIP_SECONDS):
    """The tags of one clip.

    Parameters
    ----------
    composer : str
    piece : str
        The piece's file-name stem (its slug).
    notes : list of (int, int, float, float)
        ``(channel, pitch, start_s, end_s)`` of the piece's notes.
    window : int
        Clip number: the clip spans ``[window * seconds, (window + 1) * seconds)``.
    seconds : float

    Returns
    -------
    tags : list of str
    """
    start, end = window * seconds, (window + 1) * seconds
    inside = [n for n in notes if n[2] < end and n[3] > start]
    tags = [ERAS[composer]] if composer in ERAS else []
    tags += [form for who, pattern, form in FORMS if who == composer and re.search(pattern, piece)][:1]
    mode = _mode(inside, start, end)
    if mode:
        tags.append(mode)
    onsets = len({round(n[2], 3) for n in inside if n[2] >= start}) / seconds
    tags.append("slow" if onsets < SLOW else "fast" if onsets >= FAST else "moderate")
    parts = len({n[0] for n in inside})
    if parts:
        tags.append(f"parts{parts}" if parts < PARTS else f"parts{PARTS}plus")
    return tags


def concept_table():
    """Every tag :func:`clip_tags` can give, with its concept.

    Returns
    -------
    list of (str, str)
        ``(tag, concept)`` rows, concepts in the order era, form, mode, tempo, parts.
    """
    concepts = {"era": ERAS.values(), "form": [form for _, _, form in FORMS], "mode": ("major", "minor"),
                "tempo": ("slow", "moderate", "fast"),
                "parts": [f"parts{n}" for n in range(1, PARTS)] + [f"parts{PARTS}plus"]}
    return [(tag, concept) for concept, tags in concepts.items() for tag in dict.fromkeys(tags)]


def build_tags(*, list_file, out=None):
    """Write the tag list of a composer list.

    Parameters
    ----------
    list_file : str or Path
        ``composers.txt`` (``path<TAB>composer<TAB>work``), with ``midi/`` beside it.
    out : str or Path, optional
        Default ``tags.txt`` beside ``list_file``; the concept table is
        written beside it as ``concepts.txt``.

    Returns
    -------
    out : Path

    Raises
    ------
    DataError
        If a clip's name or MIDI file does not follow the demo set's layout.
    """
    list_file = Path(list_file)
    out = Path(out) if out else list_file.with_name("tags.txt")
    midi_dir = list_file.parent / "midi"
    rows, cache = [], {}
    for entry in read_list(list_file, kind="train"):
        match = _CLIP.match(Path(entry.path).stem)
        if not match:
            raise DataError(f"{list_file}:{entry.line}: {entry.path!r} is not named <piece>_cNNN")
        midi = midi_dir / entry.label / f"{match['piece']}.mid"
        if midi not in cache:
            if not midi.is_file():
                raise DataError(f"{list_file}:{entry.line}: no MIDI file {midi}")
            cache[midi] = _notes(midi)
        tags = clip_tags(composer=entry.label, piece=match["piece"], notes=cache[midi], window=int(match["window"]))
        rows += [(entry.path, tag, entry.group or entry.label) for tag in tags]
    write_list(out, rows)
    write_list(out.with_name("concepts.txt"), concept_table())
    return out


def main(argv=None):
    """Command line; returns the exit status (2 on a user error)."""
    return tag_list_command(argv, module="composer_tags", description="Write tags.txt for the composer demo set.",
                            source="list", default="data/composers/composers.txt",
                            build=lambda source, out: build_tags(list_file=source, out=out))


if __name__ == "__main__":
    sys.exit(main())
