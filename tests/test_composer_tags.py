"""Tags of the composer demo set, from small MIDI files written here."""
import mido
import pytest

from mirex.datasets import composer_tags
from mirex.errors import DataError
from mirex.nets.concepts import read_concept_table

C_MAJOR = [60, 64, 67, 72, 62, 65, 69, 71]  # C E G C D F A B
A_MINOR = [57, 60, 64, 69, 56, 59, 62, 64]  # A C E A G# B D E


def write_midi(path, parts, *, seconds_per_note, seconds=60):
    """One track per part (channel = part number); each part repeats its pitches for ``seconds``."""
    midi = mido.MidiFile(type=1, ticks_per_beat=480)  # default tempo: 960 ticks a second
    ticks = round(seconds_per_note * 960)
    for channel, pitches in enumerate(parts):
        track = mido.MidiTrack()
        for k in range(int(seconds / seconds_per_note)):
            pitch = pitches[k % len(pitches)]
            track.append(mido.Message("note_on", channel=channel, note=pitch, velocity=80, time=0))
            track.append(mido.Message("note_off", channel=channel, note=pitch, velocity=0, time=ticks))
        midi.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.save(str(path))


@pytest.fixture
def demo(tmp_path):
    root = tmp_path / "demo sét"
    write_midi(root / "midi" / "bach" / "bwv1-6.mid", [C_MAJOR, C_MAJOR[::-1], C_MAJOR[2:], C_MAJOR[4:]],
               seconds_per_note=1.0)
    write_midi(root / "midi" / "monteverdi" / "madrigal-3-1.mid", [A_MINOR] * 5, seconds_per_note=0.125)
    write_midi(root / "midi" / "ciconia" / "pmfc-24-40-una-panthera.mid", [C_MAJOR, A_MINOR], seconds_per_note=0.3)
    lines = [f"{root}/wav/bach/bwv1-6_c000.wav\tbach\tbach/bwv1",
             f"{root}/wav/monteverdi/madrigal-3-1_c001.wav\tmonteverdi\tmonteverdi/madrigal-3-1",
             f"{root}/wav/ciconia/pmfc-24-40-una-panthera_c000.wav\tciconia\tciconia/una"]
    (root / "composers.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_tags_follow_the_documented_rules(demo):
    out = composer_tags.build_tags(list_file=demo / "composers.txt")
    assert out == demo / "tags.txt"
    tags = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        path, tag, work = line.split("\t")
        tags.setdefault(path.rsplit("/", 1)[1], (work, []))[1].append(tag)
    assert tags["bwv1-6_c000.wav"] == ("bach/bwv1", ["baroque", "chorale", "major", "slow", "parts4"])
    assert tags["madrigal-3-1_c001.wav"] == ("monteverdi/madrigal-3-1",
                                             ["renaissance", "madrigal", "minor", "fast", "parts5plus"])
    # no form rule for Ciconia's secular songs; 1/0.3 s onsets per second is moderate
    assert tags["pmfc-24-40-una-panthera_c000.wav"][1][0] == "medieval"
    assert tags["pmfc-24-40-una-panthera_c000.wav"][1][2:] == ["moderate", "parts2"]


def test_the_concept_table_is_written_beside_and_holds_every_tag(demo):
    composer_tags.build_tags(list_file=demo / "composers.txt")
    table = read_concept_table(demo / "concepts.txt")
    assert list(table) == ["era", "form", "mode", "tempo", "parts"]
    assert set(table["era"]) == set(composer_tags.ERAS.values()) and table["tempo"] == ("slow", "moderate", "fast")
    every = {tag for tags in table.values() for tag in tags}
    for line in (demo / "tags.txt").read_text(encoding="utf-8").splitlines():
        assert line.split("\t")[1] in every


def test_forms_match_whole_opus_numbers():
    tags = composer_tags.clip_tags(composer="beethoven", piece="opus18no3", notes=[(0, 60, 0.0, 1.0)], window=0)
    assert "quartet" in tags
    tags = composer_tags.clip_tags(composer="beethoven", piece="opus180", notes=[(0, 60, 0.0, 1.0)], window=0)
    assert "quartet" not in tags


def test_layout_errors_name_the_line(demo):
    (demo / "bad.txt").write_text(f"{demo}/wav/bach/other.wav\tbach\tw\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.txt:1: .* not named <piece>_cNNN"):
        composer_tags.build_tags(list_file=demo / "bad.txt")
    (demo / "bad.txt").write_text(f"{demo}/wav/bach/gone_c000.wav\tbach\tw\n", encoding="utf-8")
    with pytest.raises(DataError, match="bad.txt:1: no MIDI file"):
        composer_tags.build_tags(list_file=demo / "bad.txt")
