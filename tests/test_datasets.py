"""Tests of the classical-composer demo dataset (mirex.datasets)."""
import shutil
import time

import mido
import music21
import numpy as np
import pytest
import soundfile as sf

from mirex.datasets import composers, render, scores
from mirex.errors import DataError, MirexError
from mirex.listfile import read_list

needs_fluidsynth = pytest.mark.skipif(
    shutil.which("fluidsynth") is None or not render.SOUNDFONT.is_file(),
    reason="needs fluidsynth and /usr/share/sounds/sf2/FluidR3_GM.sf2 (apt-get install fluidsynth fluid-soundfont-gm)",
)


def _intervals(path):
    """(start_s, end_s) of every note of a MIDI file, read back with mido."""
    now, sounding, intervals = 0.0, {}, []
    for message in mido.MidiFile(path):
        now += message.time
        key = (getattr(message, "channel", None), getattr(message, "note", None))
        if message.type == "note_on" and message.velocity > 0:
            sounding.setdefault(key, []).append(now)
        elif message.type in ("note_on", "note_off"):
            intervals.append((sounding[key].pop(0), now))
    return sorted(intervals)


def _score():
    """Three parts on three instruments, one minute a crotchet, with a tie, a chord and a grace note."""
    score = music21.stream.Score()
    for instrument, pitches in ((music21.instrument.Violin(), "C5 D5"),
                                (music21.instrument.Flute(), "E4 F4"),
                                (music21.instrument.Violoncello(), "C3 G2")):
        part = music21.stream.Part()
        part.insert(0, instrument)
        part.insert(0, music21.tempo.MetronomeMark(number=60))
        first, second = (music21.note.Note(p, quarterLength=2) for p in pitches.split())
        first.tie = music21.tie.Tie("start")
        tied = music21.note.Note(first.pitch, quarterLength=1)
        tied.tie = music21.tie.Tie("stop")
        part.append([first, tied, music21.note.Note("A4").getGrace(), second,
                     music21.chord.Chord(["C4", "E4"], quarterLength=1)])
        score.insert(0, part)
    return score


def test_midi_has_one_program_on_every_track(tmp_path):
    path = tmp_path / "s.mid"
    written = scores.write_midi(_score(), path)
    midi = mido.MidiFile(path)
    programs = [m for t in midi.tracks for m in t if m.type == "program_change"]
    assert len(midi.tracks) == 3
    assert [m.program for m in programs] == [scores.PROGRAM] * 3
    assert sorted({m.channel for m in programs}) == [0, 1, 2]
    intervals = _intervals(path)
    # per part: the tied note (0-3 s), the second note (3-5 s), the chord's two notes (5-6 s),
    # at one crotchet a second; the grace note takes no time and is dropped
    assert len(intervals) == len(written) == 3 * 4
    assert np.allclose(intervals, sorted(written), atol=1e-3)
    assert intervals[0] == pytest.approx((0.0, 3.0), abs=1e-3)
    assert intervals[-1] == pytest.approx((5.0, 6.0), abs=1e-3)


def test_truncated_midi_releases_sounding_notes(tmp_path):
    scores.write_midi(_score(), tmp_path / "s.mid")
    scores.truncate_midi(tmp_path / "s.mid", tmp_path / "cut.mid", seconds=4.0)
    intervals = _intervals(tmp_path / "cut.mid")
    assert len(intervals) == 3 * 2 and max(e for _, e in intervals) == pytest.approx(4.0, abs=1e-3)


def test_activity_merges_overlapping_notes():
    assert composers._activity([(2.0, 3.0), (0.0, 1.5), (1.0, 2.0), (5.0, 6.0)]) == [[0.0, 3.0], [5.0, 6.0]]


def test_candidates_interleave_works_and_name_groups():
    pieces = scores.candidates("beethoven")
    works = [p.work for p in pieces]
    n_works = len(set(works))
    assert n_works >= 8 and len(set(works[:n_works])) == n_works  # one piece of every work first
    assert all(w.startswith("beethoven/") for w in works)
    assert len({p.slug for p in pieces}) == len(pieces)
    assert {p.work for p in pieces if p.source.startswith("beethoven/opus59no1/")} == {"beethoven/opus59no1"}
    masses = {p.work for p in scores.candidates("palestrina")}
    assert len(masses) > 50 and "palestrina/missa-de-beata-marie-virginis-iii" in masses


@pytest.mark.parametrize("composer", sorted(scores.COMPOSERS))
def test_every_composer_has_several_works(composer):
    assert len({p.work for p in scores.candidates(composer)}) >= 2


def test_windows_skip_silence_and_drop_the_remainder():
    intervals = [(0.0, 10.0), (61.0, 95.0)]  # silent from 10 s to 61 s; ends at 95 s
    assert composers._windows(intervals, seconds=30) == [0, 2]


def test_allocate_takes_works_in_turn():
    a1, a2, b, c = (scores.Piece("x", f"x/{s}", f"x/{w}", s, 1)
                    for s, w in (("a1", "a"), ("a2", "a"), ("b", "b"), ("c", "c")))
    found = [(a1, [0, 1, 2]), (b, [0]), (c, []), (a2, [0, 1])]
    chosen = composers._allocate(found, clips=4)
    assert chosen == {a1: [0, 1], b: [0], a2: [0]}
    assert composers._capped_total(found, per_work=2) == 3


def test_clips_are_30s_mono_22050_16bit(tmp_path):
    rate = render.SAMPLE_RATE
    audio = np.sin(np.arange(int(75 * rate)) * 0.05).astype(np.float32) * 0.2
    paths = [tmp_path / "a_c000.wav", tmp_path / "a_c001.wav"]
    render.write_clips(audio, [0, 1], paths, seconds=30)
    assert sorted(tmp_path.iterdir()) == paths  # no temporary files left behind
    for path in paths:
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype, info.frames) == (rate, 1, "PCM_16", 30 * rate)
        assert np.abs(sf.read(path)[0]).max() == pytest.approx(render.PEAK, abs=1e-3)


def test_missing_fluidsynth_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    with pytest.raises(DataError, match="apt-get install fluidsynth fluid-soundfont-gm"):
        composers.build_composers(out_dir=tmp_path, progress=False)
    assert issubclass(render.FluidSynthMissing, MirexError)
    assert composers.main(["--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mirex: error: ") and "fluidsynth" in err


def test_unknown_composer_is_an_error(tmp_path):
    if shutil.which("fluidsynth") is None or not render.SOUNDFONT.is_file():
        pytest.skip("fluidsynth is checked first")
    with pytest.raises(DataError, match="unknown composer"):
        composers.build_composers(out_dir=tmp_path, composers=["bach", "elgar"], progress=False)


@needs_fluidsynth
def test_tiny_build_and_cache(tmp_path, monkeypatch):
    kwargs = dict(out_dir=tmp_path, composers=["mozart", "beethoven"], clips_per_composer=2,
                  n_jobs=2, progress=False)
    list_path = composers.build_composers(**kwargs)
    assert list_path == tmp_path / "composers.txt"
    entries = read_list(list_path, kind="train")
    assert sorted(e.label for e in entries) == ["beethoven"] * 2 + ["mozart"] * 2
    for entry in entries:
        assert entry.group.startswith(entry.label + "/")
        info = sf.info(entry.path)
        assert (info.samplerate, info.channels, info.subtype, info.duration) == (22050, 1, "PCM_16", 30.0)
    for label in ("mozart", "beethoven"):  # two clips from two different works
        assert len({e.group for e in entries if e.label == label}) == 2
    for midi in (tmp_path / "midi").rglob("*.mid"):
        assert {m.program for t in mido.MidiFile(midi).tracks for m in t if m.type == "program_change"} == {0}

    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file() and p != list_path}
    monkeypatch.setattr(render, "render", lambda *a, **k: pytest.fail("a cached clip was rendered again"))
    monkeypatch.setattr(music21.converter, "parse", lambda *a, **k: pytest.fail("a cached score was parsed again"))
    start = time.perf_counter()
    assert composers.build_composers(**kwargs) == list_path
    assert time.perf_counter() - start < 5
    assert read_list(list_path, kind="train") == entries
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
