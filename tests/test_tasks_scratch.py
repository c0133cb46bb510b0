"""The record kept in SCRATCH (mirex.tasks.scratch): stored without pickle, loaded only as trusted types, versioned."""
import pickle
import subprocess

import numpy as np
import pytest
import skops.io
from conftest import ROOT, HostilePickle, synth, write_clip

from mirex.errors import ScratchError
from mirex.tasks import classify
from mirex.tasks.record import Record
from mirex.tasks.scratch import PICKLED_RECORD_FILE, RECORD_FILE, load_record, save_record, trusted_types


def blobs(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((18, 4)) + np.repeat(np.eye(3, 4) * 4, 6, axis=0), np.repeat(["a", "b", "c"], 6)


class Foreign:
    """A type no record may hold."""


def test_a_record_round_trips_without_pickle(tmp_path):
    x, y = blobs()
    record = classify.fit(x, y, spec="mfcc", fingerprint="f")
    save_record(record, scratch=tmp_path)
    stored = (tmp_path / RECORD_FILE).read_bytes()
    assert stored[:2] == b"PK" and b"\x80\x04" not in stored[:4]  # a zip archive (skops), not a pickle stream
    loaded = load_record(scratch=tmp_path)
    assert isinstance(loaded, classify.ClassifierRecord) and loaded.spec == "mfcc"
    np.testing.assert_array_equal(loaded.predict(x), record.predict(x))


def test_the_trusted_types_are_the_record_classes_and_their_parts():
    assert {"mirex.tasks.classify.ClassifierRecord", "mirex.tasks.classify.RBFSVM",
            "mirex.tasks.tag.TagRecord", "mirex.tasks.tag.TagModel"} <= set(trusted_types())
    assert not any("pickle" in name or name.startswith(("builtins.", "os.", "subprocess.")) for name in trusted_types())


@pytest.mark.parametrize("where", [PICKLED_RECORD_FILE, RECORD_FILE])
def test_a_pickle_in_scratch_is_refused_and_never_unpickled(tmp_path, where):
    marker = tmp_path / "marker"
    (tmp_path / where).write_bytes(pickle.dumps({"version": Record.VERSION, "record": HostilePickle(marker)}))
    with pytest.raises(ScratchError, match="run run_train.sh again") as info:
        load_record(scratch=tmp_path)
    assert "\n" not in str(info.value) and not marker.exists()


def test_run_test_refuses_a_hostile_pickle_with_one_line_and_exit_2(tmp_path):
    marker = tmp_path / "marker"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / PICKLED_RECORD_FILE).write_bytes(pickle.dumps(HostilePickle(marker)))
    clip = write_clip(tmp_path / "a.wav", synth("bass", seconds=1, seed=0))
    (tmp_path / "test.txt").write_text(f"{clip}\n")
    run = subprocess.run([str(ROOT / "run_test.sh"), str(scratch), str(tmp_path / "test.txt"), str(tmp_path / "out")],
                         capture_output=True, text=True)
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1 and "never loaded" in run.stderr
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_a_record_holding_an_untrusted_type_is_refused(tmp_path):
    x, y = blobs()
    record = classify.fit(x, y)
    record.params = {"C": 1.0, "smuggled": Foreign()}
    (tmp_path / RECORD_FILE).write_bytes(skops.io.dumps({"version": Record.VERSION, "record": record}))
    with pytest.raises(ScratchError, match="never loaded .*Foreign"):
        load_record(scratch=tmp_path)


@pytest.mark.parametrize("content", [{"estimator": 1}, ["a list"], {"version": Record.VERSION, "record": "text"}, 42])
def test_foreign_scratch_files_are_one_line_errors(tmp_path, content):
    (tmp_path / RECORD_FILE).write_bytes(skops.io.dumps(content))
    with pytest.raises(ScratchError, match="not a classifier written by run_train.sh") as info:
        load_record(scratch=tmp_path)
    assert "\n" not in str(info.value)


def test_other_versions_damaged_files_and_missing_scratch(tmp_path):
    x, y = blobs()
    (tmp_path / RECORD_FILE).write_bytes(skops.io.dumps({"version": 1, "record": classify.fit(x, y)}))
    with pytest.raises(ScratchError, match="another version"):
        load_record(scratch=tmp_path)
    (tmp_path / RECORD_FILE).write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ScratchError, match="unreadable classifier"):
        load_record(scratch=tmp_path)
    with pytest.raises(ScratchError, match="no trained classifier"):
        load_record(scratch=tmp_path / "empty")
    (tmp_path / "file").write_text("")
    with pytest.raises(ScratchError, match="cannot write"):
        save_record(classify.fit(x, y), scratch=tmp_path / "file" / "sub")
