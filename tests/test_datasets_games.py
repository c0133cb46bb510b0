"""Tests of the game-music artist dataset (mirex.datasets.games*): credits, clips, tables, the build."""
import csv
import os

import numpy as np
import pytest
import soundfile as sf

from mirex.datasets import games, games_clips, games_credits, games_packages
from mirex.datasets.games_packages import Source, Track
from mirex.errors import DataError, ListFileError
from mirex.listfile import read_list

SR = games_clips.SAMPLE_RATE

DEP5 = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Example

Files: *
Copyright: 2008 Ann Coder <ann@example.org> (Code)
           2008-2018 Bo Composer (Music composition and arrangement)
License: GPL-3+
 This program is free software.
 .
 More text.

Files: Music/*
       Sounds/NYX/*
Copyright: 2007-2009 Jordan Example <jordan@example.org>
License: CC-BY-SA-3.0

Files: Music/jingle.ogg
Copyright: Cy One
           Di Two
License: CC0-1.0
"""


def _tone(seconds, *, sr=8000, freq=440.0, channels=1):
    t = np.arange(int(seconds * sr)) / sr
    y = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(y[:, None], channels, axis=1) if channels > 1 else y


def _write_ogg(path, y, *, sr=8000, artist=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with sf.SoundFile(path, "w", sr, 1 if y.ndim == 1 else y.shape[1], format="OGG", subtype="VORBIS") as fh:
        if artist:
            fh.artist = artist
        fh.write(y)
    return path


def _track(artist, seconds, name, package="pkg"):
    return Track(package=package, name=name, sources=(f"/x/{name}.ogg",), seconds=seconds, artist=artist,
                 licence="GPL-3+")


# --- credit parsers -------------------------------------------------------------------------


def test_dep5_stanzas_and_the_last_matching_one_governs():
    stanzas = games_credits.parse_dep5(DEP5)
    assert [s.files for s in stanzas] == [("*",), ("Music/*", "Sounds/NYX/*"), ("Music/jingle.ogg",)]
    assert stanzas[0].licence == "GPL-3+"
    assert stanzas[0].holders == ("2008 Ann Coder <ann@example.org> (Code)",
                                  "2008-2018 Bo Composer (Music composition and arrangement)")
    assert games_credits.dep5_stanza(stanzas, "Music/theme.ogg") is stanzas[1]
    assert games_credits.dep5_stanza(stanzas, "Sounds/NYX/deep/cry.ogg") is stanzas[1]  # '*' crosses '/'
    assert games_credits.dep5_stanza(stanzas, "Music/jingle.ogg") is stanzas[2]
    assert games_credits.dep5_stanza(stanzas, "src/main.c") is stanzas[0]
    assert games_credits.parse_dep5("This package was debianized by someone.\n") == []


def test_holder_name_drops_years_mail_and_remarks():
    assert games_credits.holder_name("2007-2009 Jordan Example <jordan@example.org>") == "Jordan Example"
    assert games_credits.holder_name("2008-2018 Bo Composer (Music composition)") == "Bo Composer"
    assert games_credits.holder_name("Copyright (C) 2009, Remi Dybka <r@example.org>") == "Remi Dybka"
    assert games_credits.holder_name('Derek "JoJo" Stegall') == 'Derek "JoJo" Stegall'


def test_song_ini_artist():
    ini = "[song]\nname = Feelings\nartist = Composed and performed by Sectoid\ncassettecolor = #111\n"
    assert games_credits.song_ini_artist(ini) == "Sectoid"
    assert games_credits.song_ini_artist("[song]\nartist = Muldjord - www.muldjord.com\nscores = 100%\n") == "Muldjord"
    assert games_credits.song_ini_artist("[song]\nname = Untitled\n") is None
    assert games_credits.song_ini_artist("not an ini file") is None


def test_credits_list():
    text = ("All files in this directory are licensed using CC-BY 4.0.\n\n"
            "The following works are made by Alexander Example:\n\nfearless.ogg\nrunrise.ogg\n\n"
            "The following works are made by  Stian   Example :\n\n- musicbox.ogg\n")
    assert games_credits.credits_list(text) == {"fearless.ogg": "Alexander Example", "runrise.ogg": "Alexander Example",
                                                "musicbox.ogg": "Stian Example"}
    assert games_credits.credits_list("fearless.ogg\n") == {}  # a file before any heading is nobody's


def test_probe_reads_duration_and_artist_tag(tmp_path):
    tagged = _write_ogg(tmp_path / "a.ogg", _tone(2.0), artist="  Jane   Doe ")
    untagged = _write_ogg(tmp_path / "b.ogg", _tone(1.0))
    seconds, artist = games_credits.probe(tagged)
    assert seconds == pytest.approx(2.0) and artist == "Jane Doe"
    assert games_credits.probe(untagged) == (pytest.approx(1.0), "")


def test_artist_names_merge_on_case_and_blanks_only():
    assert games_credits.artist_key(" Jute  Gyte") == games_credits.artist_key("jute gyte")
    assert games_credits.artist_key("Clifford J. Tasner") != games_credits.artist_key("Clifford Tasner")
    assert games_credits.artist_label('Derek "JoJo" Stegall') == "derek-jojo-stegall"
    assert games_credits.artist_label("Obsidian Shell") == "obsidian-shell"
    assert games_credits.normalise_artist("Music by Someone, www.example.org") == "Someone"


# --- per-package rules on unpacked trees --------------------------------------------------------


def _source(root, package, relative, upstream, tag=""):
    return Source(package=package, root=root, path=root / relative, upstream=upstream, tag=tag)


def test_dep5_rules(tmp_path):
    doc = tmp_path / "usr/share/doc/pkg/copyright"
    doc.parent.mkdir(parents=True)
    doc.write_text(DEP5)
    assert games_packages.by_dep5(_source(tmp_path, "pkg", "m.ogg", "Music/theme.ogg")) == "Jordan Example"
    assert games_packages.by_dep5(_source(tmp_path, "pkg", "m.ogg", "Music/jingle.ogg")) is None  # two holders
    assert games_packages.by_dep5(_source(tmp_path, "pkg", "m.ogg", "data/x.ogg")) is None  # only 'Files: *'
    music = games_packages.by_dep5_role("music")
    assert music(_source(tmp_path, "pkg", "m.ogg", "data/theme.ogg")) == "Bo Composer"
    assert games_packages.by_dep5_role("voice")(_source(tmp_path, "pkg", "m.ogg", "data/theme.ogg")) is None


def test_scan_mixes_stems_and_reads_song_ini(tmp_path):
    song = tmp_path / games_packages.FOF / "sectoid/War of freedom"
    _write_ogg(song / "song.ogg", _tone(3.0))
    _write_ogg(song / "guitar.ogg", _tone(3.0, freq=880))
    (song / "song.ini").write_text("[song]\nartist = Composed and performed by Sectoid\n")
    (track,) = games_packages.scan("fretsonfire-songs-sectoid", tmp_path)
    assert track.name == "war-of-freedom" and track.group == "fretsonfire-songs-sectoid/war-of-freedom"
    assert [os.path.basename(s) for s in track.sources] == ["song.ogg", "guitar.ogg"]
    assert (track.artist, track.licence, track.seconds) == ("Sectoid", "Expat", pytest.approx(3.0))


def test_scan_credits_from_copyright_with_the_upstream_path(tmp_path):
    doc = tmp_path / "usr/share/doc/ardentryst/copyright"
    doc.parent.mkdir(parents=True)
    doc.write_text(DEP5)
    music = tmp_path / "usr/share/games/ardentryst/Music"
    _write_ogg(music / "castle.ogg", _tone(1.0))
    _write_ogg(music / "jingle.ogg", _tone(1.0))
    _write_ogg(music / "theme1_raw.ogg", _tone(1.0))  # a repeat of theme1.ogg: excluded
    tracks = {t.name: t for t in games_packages.scan("ardentryst", tmp_path)}
    assert sorted(tracks) == ["castle", "jingle"]
    assert (tracks["castle"].artist, tracks["castle"].licence) == ("Jordan Example", "CC-BY-SA-3.0")
    assert (tracks["jingle"].artist, tracks["jingle"].licence) == ("", "CC0-1.0")


# --- clips, artist filter, tables ------------------------------------------------------------


@pytest.mark.parametrize("seconds", [29.9, 30.0, 45.0, 60.0, 89.99, 90.0, 91.0, 612.7])
def test_clip_starts_are_non_overlapping_and_inside_the_track(seconds):
    length, n = 30 * SR, int(seconds * SR)
    starts = games_clips.clip_starts(n, length=length)
    assert len(starts) == min(3, n // length)
    assert all(b - a >= length for a, b in zip(starts, starts[1:]))
    assert all(0 <= s and s + length <= n for s in starts)
    if len(starts) == 3 and seconds > 200:  # spread over the track, not packed at its start
        assert starts[-1] > n / 2


def test_cut_track_mixes_stems_and_writes_mono_22050(tmp_path):
    intro = np.concatenate([_tone(40.0, sr=44100), np.zeros(44100 * 40, np.float32)])
    outro = np.concatenate([np.zeros(44100 * 40, np.float32), _tone(40.0, sr=44100, freq=660)])
    sources = [str(tmp_path / "song.wav"), str(tmp_path / "guitar.wav")]
    sf.write(sources[0], np.stack([intro, intro], axis=1), 44100)  # stereo 44.1 kHz in
    sf.write(sources[1], outro, 44100)
    length = 30 * SR
    cut = games_clips.cut_track(sources, tmp_path / "out" / "t", length=length, max_clips=2)
    assert [p for p, _ in cut] == [str(tmp_path / "out" / "t_c0.wav"), str(tmp_path / "out" / "t_c1.wav")]
    assert [s / SR for _, s in cut] == [pytest.approx(5, abs=0.01), pytest.approx(45, abs=0.01)]
    for path, _ in cut:
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.frames, info.subtype) == (SR, 1, length, "PCM_16")
        assert np.abs(sf.read(path)[0]).max() == pytest.approx(10 ** (-1 / 20), abs=1e-3)
    # without the second stem the music ends at 40 s: one clip, in the middle of it
    solo = games_clips.cut_track(sources[:1], tmp_path / "solo", length=length)
    assert [(p, s / SR) for p, s in solo] == [(str(tmp_path / "solo_c0.wav"), pytest.approx(5, abs=0.01))]
    one = games_clips.cut_track(sources, tmp_path / "out" / "t", length=length, max_clips=1)  # other settings
    assert [p for p, _ in one] == [cut[0][0]] and one[0][1] / SR == pytest.approx(25, abs=0.01)
    assert not os.path.exists(cut[1][0])  # the clip of the earlier cut is gone
    cut = games_clips.cut_track(sources, tmp_path / "out" / "t", length=length, max_clips=2)
    for source in sources:  # a finished track is read back from its record, not decoded again
        os.unlink(source)
    assert games_clips.cut_track(sources, tmp_path / "out" / "t", length=length, max_clips=2) == cut


def test_cut_track_skips_silent_clips(tmp_path):
    y = np.concatenate([_tone(35.0), np.zeros(8000 * 35, np.float32), _tone(35.0), np.zeros(8000 * 9, np.float32)])
    sf.write(tmp_path / "gap.wav", y, 8000)
    cut = games_clips.cut_track([str(tmp_path / "gap.wav")], tmp_path / "gap", length=30 * SR)
    # the music spans 0-105 s: clips at 2.5, 37.5 and 72.5 s, and the middle one is silence
    assert [start / SR for _, start in cut] == [pytest.approx(2.5, abs=0.01), pytest.approx(72.5, abs=0.01)]
    assert sorted(p.name for p in tmp_path.glob("gap_c*.wav")) == ["gap_c0.wav", "gap_c1.wav"]


def test_keep_artists_needs_four_tracks_of_30_s():
    tracks = ([_track("Ann", 31.0, f"a{i}") for i in range(3)] + [_track(" ann ", 30.0, "a3")]
              + [_track("Bob", 200.0, f"b{i}") for i in range(3)] + [_track("Bob", 29.9, "b3")]
              + [_track("", 300.0, f"u{i}") for i in range(5)])
    kept = games_clips.keep_artists(tracks)
    assert [t.name for t in kept] == ["a0", "a1", "a2", "a3"]
    assert games_clips.keep_artists(tracks, min_tracks=3, min_seconds=30) == kept + tracks[4:7]


def test_write_tables_round_trip(tmp_path):
    rows = [{"path": str(tmp_path / f"c{i}.wav"), "artist": 'Derek "JoJo" Stegall', "label": "derek-jojo-stegall",
             "track": f"redeclipse-data/track-0{i // 2}", "package": "redeclipse-data", "licence": "CC-BY-SA-3.0",
             "source": "track_01.ogg", "start_s": "1.50"} for i in range(4)]
    games_clips.write_tables(tmp_path / "games.txt", tmp_path / "games-clips.tsv", rows)
    entries = read_list(tmp_path / "games.txt", kind="train")
    assert [(e.path, e.label, e.group) for e in entries] == [(r["path"], r["label"], r["track"]) for r in rows]
    with open(tmp_path / "games-clips.tsv", encoding="utf-8", newline="") as fh:
        assert list(csv.DictReader(fh, delimiter="\t")) == rows
    with pytest.raises(ListFileError, match="tab"):
        games_clips.write_tables(tmp_path / "bad.txt", tmp_path / "bad.tsv", [dict(rows[0], label="a\tb")])
    assert not (tmp_path / "bad.txt").exists()


# --- the build ----------------------------------------------------------------------------


def _unpacked_zaz(out):
    """An already unpacked zaz-data with four tagged tracks (one of them credited in another case)."""
    root = out / "pkgs" / "zaz-data"
    doc = root / "usr/share/doc/zaz-data/copyright"
    doc.parent.mkdir(parents=True)
    doc.write_text("Files: *\nCopyright: 2009 Remi\nLicense: GPL-3+\n\n"
                   "Files: data/mus*.ogg\nCopyright: Leonard Example\nLicense: CC-BY-SA-3.0\n")
    for i, (seconds, artist) in enumerate([(31, "paniq"), (65, "Paniq"), (31, "paniq"), (31, "paniq"), (20, "paniq")]):
        _write_ogg(root / f"usr/share/games/zaz/mus{i}.ogg", _tone(seconds, freq=300 + 50 * i), artist=artist)
    return root


def test_build_from_unpacked_package_needs_no_apt(tmp_path, monkeypatch):
    monkeypatch.setattr(games.shutil, "which", lambda name: None)  # no apt-get, no dpkg-deb
    _unpacked_zaz(tmp_path)
    path = games.build_games(out_dir=tmp_path, packages=["zaz-data"], n_jobs=1, progress=False)
    entries = read_list(path, kind="train")
    assert [e.group for e in entries] == ["zaz-data/mus0", "zaz-data/mus1", "zaz-data/mus1", "zaz-data/mus2",
                                          "zaz-data/mus3"]
    assert {e.label for e in entries} == {"paniq"}
    assert all(sf.info(e.path).duration == pytest.approx(30.0) for e in entries)
    with open(path.with_name("games-clips.tsv"), encoding="utf-8", newline="") as fh:
        side = list(csv.DictReader(fh, delimiter="\t"))
    assert {(r["package"], r["licence"]) for r in side} == {("zaz-data", "CC-BY-SA-3.0")}
    assert [r["start_s"] for r in side[1:3]] == ["1.25", "33.75"]
    assert "zaz-data" in games.summary(path.with_name("games-clips.tsv"))[1]
    with pytest.raises(DataError, match="no artist has 6"):
        games.build_games(out_dir=tmp_path, packages=["zaz-data"], min_tracks=6, n_jobs=1, progress=False)


def test_without_apt_get_main_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(games.shutil, "which", lambda name: None)
    assert games.main(["--out", str(tmp_path), "--packages", "krank", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mirex: error: no apt-get:") and err.count("\n") == 1
    assert games.main(["--out", str(tmp_path), "--packages", "not-a-game", "--quiet"]) == 2
    assert "unknown package" in capsys.readouterr().err
