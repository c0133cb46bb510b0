"""Scores from the music21 corpus, written as single-instrument MIDI files.

Every part of every score is written on its own MIDI channel with the same
program (Acoustic Grand Piano) and a constant velocity, so that neither
instrumentation nor dynamics markings can give the composer away. Repeats are
played once, grace notes are dropped, tied notes are merged, and tempo follows
the score's metronome marks (music21's default of 120 crotchets a minute where
there are none).
"""
import bisect
import re
from dataclasses import dataclass
from pathlib import Path

import mido

__all__ = ["COMPOSERS", "Piece", "candidates", "write_midi", "truncate_midi"]

PROGRAM = 0  # General MIDI Acoustic Grand Piano
VELOCITY = 80
_TICKS_PER_BEAT = 480
_TEMPO = 500_000  # microseconds per beat: 120 beats a minute, so 960 ticks a second
_CHANNELS = [c for c in range(16) if c != 9]  # channel 10 is percussion in General MIDI


@dataclass(frozen=True)
class Piece:
    """One score file of the corpus.

    Attributes
    ----------
    composer : str
        The label.
    source : str
        Path inside the music21 corpus, e.g. ``'beethoven/opus59no1/movement2.mxl'``.
    work : str
        The group for the artist (work) filter, e.g. ``'beethoven/opus59no1'``:
        all movements of one work share it.
    slug : str
        File-name stem for the cached MIDI and audio, unique per composer.
    size : int
        Size of the score file in bytes.
    """

    composer: str
    source: str
    work: str
    slug: str
    size: int


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _work_folder(path, root):
    """Multi-movement works live in a folder per work; single pieces are one file."""
    rel = path.relative_to(root)
    return rel.parts[1] if len(rel.parts) > 2 else path.stem


def _work_bwv(path, root):
    """Bach chorales are named ``bwvN.M``: chorale M of cantata (or other work) BWV N."""
    return path.stem.split(".")[0]


def _work_krn_opr(path, root):
    """Palestrina's mass movements name their mass in the ``!!!OPR`` header."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("!!!OPR:"):
                return line.split(":", 1)[1].strip()
            if not line.startswith("!"):
                break
    return path.stem


def _work_file(path, root):
    return path.stem


def _by_ciconia(path):
    with open(path, encoding="utf-8", errors="replace") as fh:
        head = fh.read(20_000)
    return '<creator type="composer">Johannes Ciconia</creator>' in head


def _not_old(path):
    return not path.stem.endswith("_old")


# Formats: .mxl and .krn parse fastest; .xml only where a composer has nothing else.
#: label -> (glob patterns inside the corpus, work of a file, optional file filter).
#: :meta hide-value:
COMPOSERS = {
    "bach": (["bach/bwv*.mxl"], _work_bwv, None),
    "beethoven": (["beethoven/*.mxl", "beethoven/*/*.mxl"], _work_folder, None),
    "ciconia": (["trecento/PMFC_24_*.xml", "ciconia/*.xml"], _work_file, _by_ciconia),
    "haydn": (["haydn/*/*.mxl"], _work_folder, None),
    "monteverdi": (["monteverdi/madrigal.*.mxl"], _work_file, _not_old),
    "mozart": (["mozart/*/*.mxl"], _work_folder, None),
    "palestrina": (["palestrina/*.krn"], _work_krn_opr, None),
    "schumann": (["schumann_robert/*.mxl", "schumann_robert/*/*.mxl"], _work_folder, None),
}


def corpus_root():
    """Return the folder of the corpus that ships inside the music21 wheel."""
    import music21

    return Path(music21.__file__).parent / "corpus"


def candidates(composer, *, root=None):
    """List a composer's score files in the order they should be used.

    Works take turns (one piece of each work, then the second piece of each,
    and so on), so that a dataset built from the first pieces spans as many
    works as possible. Larger files come first: they hold longer music, and
    many short scores (most Bach chorales) last less than one clip.

    Parameters
    ----------
    composer : str
        A key of :data:`COMPOSERS`.
    root : Path, optional
        The corpus folder; defaults to music21's.

    Returns
    -------
    pieces : list of Piece
    """
    root = Path(root) if root is not None else corpus_root()
    patterns, work_of, keep = COMPOSERS[composer]
    paths = sorted({p for pattern in patterns for p in root.glob(pattern)})
    works = {}
    for path in paths:
        if keep is not None and not keep(path):
            continue
        rel = path.relative_to(root)
        work = f"{composer}/{_slug(work_of(path, root))}"
        slug = _slug(str(Path(*rel.parts[1:]).with_suffix("")))
        works.setdefault(work, []).append(Piece(composer, rel.as_posix(), work, slug, path.stat().st_size))
    queues = sorted((sorted(ps, key=lambda p: (-p.size, p.slug)) for ps in works.values()),
                    key=lambda ps: (-ps[0].size, ps[0].work))
    order = []
    for turn in range(max((len(q) for q in queues), default=0)):
        order.extend(q[turn] for q in queues if turn < len(q))
    return order


def _seconds_of(score):
    """Return a function mapping an offset in crotchets to seconds, from the metronome marks."""
    starts, bases, rates = [], [], []
    elapsed = 0.0
    for start, end, mark in score.metronomeMarkBoundaries():
        starts.append(float(start))
        bases.append(elapsed)
        rates.append(mark.secondsPerQuarter())
        elapsed += (float(end) - float(start)) * rates[-1]

    def seconds(offset):
        i = max(bisect.bisect_right(starts, offset) - 1, 0)
        return bases[i] + (offset - starts[i]) * rates[i]

    return seconds


def _part_notes(part, seconds):
    """Return ``[start_s, end_s, midi_pitch]`` for the notes of one part, ties merged."""
    events, open_ties = [], {}
    for element in part.flatten().notes:
        if element.duration.isGrace:
            continue
        start = float(element.offset)
        end = start + float(element.duration.quarterLength)
        for note in (element.notes if element.isChord else [element]):
            pitch = note.pitch.midi
            tie = (note.tie or element.tie)
            kind = tie.type if tie is not None else None
            if kind in ("continue", "stop") and pitch in open_ties:
                open_ties[pitch][1] = end
                if kind == "stop":
                    del open_ties[pitch]
                continue
            event = [start, end, pitch]
            events.append(event)
            if kind == "start":
                open_ties[pitch] = event
    return [[seconds(s), seconds(e), p] for s, e, p in events if e > s]


def write_midi(score, path):
    """Write ``score`` as a type-1 MIDI file with every part on Acoustic Grand Piano.

    Parameters
    ----------
    score : music21.stream.Score or music21.stream.Part
        The parsed score.
    path : str or Path
        Destination (written as given; callers make it atomic).

    Returns
    -------
    intervals : list of (float, float)
        Start and end in seconds of every note written.
    """
    seconds = _seconds_of(score)
    parts = list(score.parts) or [score]
    midi = mido.MidiFile(type=1, ticks_per_beat=_TICKS_PER_BEAT)
    ticks_per_second = _TICKS_PER_BEAT * 1_000_000 / _TEMPO
    intervals = []
    for number, part in enumerate(parts):
        channel = _CHANNELS[number % len(_CHANNELS)]
        track = mido.MidiTrack()
        if number == 0:
            track.append(mido.MetaMessage("set_tempo", tempo=_TEMPO, time=0))
        track.append(mido.Message("program_change", channel=channel, program=PROGRAM, time=0))
        messages = []
        for start, end, pitch in _part_notes(part, seconds):
            intervals.append((start, end))
            on, off = round(start * ticks_per_second), round(end * ticks_per_second)
            messages.append((on, 1, mido.Message("note_on", channel=channel, note=pitch, velocity=VELOCITY)))
            messages.append((off, 0, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        now = 0
        for tick, _, message in sorted(messages, key=lambda m: (m[0], m[1])):
            track.append(message.copy(time=tick - now))
            now = tick
        midi.tracks.append(track)
    midi.save(str(path))
    return intervals


def truncate_midi(source, dest, *, seconds):
    """Copy a MIDI file written by :func:`write_midi`, cut off after ``seconds``.

    Notes still sounding at the cut are released there, so a renderer need
    not synthesise the rest of a long piece.

    Parameters
    ----------
    source, dest : str or Path
        The MIDI file and its shortened copy.
    seconds : float
        Where to cut.
    """
    midi = mido.MidiFile(str(source))
    cut = round(seconds * _TICKS_PER_BEAT * 1_000_000 / _TEMPO)
    for number, track in enumerate(midi.tracks):
        kept, now, sounding = mido.MidiTrack(), 0, {}
        for message in track:
            if now + message.time > cut:
                break
            now += message.time
            kept.append(message)
            if message.type == "note_on" and message.velocity > 0:
                sounding[(message.channel, message.note)] = sounding.get((message.channel, message.note), 0) + 1
            elif message.type in ("note_on", "note_off") and sounding.get((message.channel, message.note)):
                sounding[(message.channel, message.note)] -= 1
        for (channel, note), count in sounding.items():
            for _ in range(count):
                kept.append(mido.Message("note_off", channel=channel, note=note, velocity=0, time=cut - now))
                now = cut
        midi.tracks[number] = kept
    midi.save(str(dest))
