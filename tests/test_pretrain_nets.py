"""Pre-training the waveform networks and the tags and joint tasks; bundles carry arch and front end."""
import json
import os
import subprocess

import numpy as np
import pytest

from conftest import CLASSES, ROOT, synth, write_clip

from mirex.bundle import load_bundle
from mirex.cli import main
from mirex.errors import DataError, ListFileError, MirexError
from mirex.pretrain import pretrain
from mirex.pretrain.tasks import parse_loss_weights, read_joint_list, read_tag_list

TINY = dict(batch_size=4, lr=0.02, patience=3, n_jobs=1, progress=False)


@pytest.fixture(scope="module")
def wave_list(tmp_path_factory):
    """Two artists, four one-segment songs each: two training songs per artist (the LDA needs more songs than artists)."""
    folder = tmp_path_factory.mktemp("wave")
    lines = []
    for artist in CLASSES[:2]:
        for song in range(4):
            path = write_clip(folder / f"{artist}{song}.wav", synth(artist, seconds=2.8, seed=10 * song + len(artist)))
            lines.append(f"{path}\t{artist}")
    path = folder / "artists.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _checkpoint(root, name):
    with np.load(root / f"{name}.training" / "checkpoint.npz") as stored:
        return {k: stored[k] for k in stored.files}


@pytest.fixture(scope="module")
def samplecnn_runs(wave_list, tmp_path_factory):
    """A samplecnn run of 2 epochs straight, and one of 1 epoch resumed to 2 (after a refused change of arch)."""
    straight, resumed = tmp_path_factory.mktemp("straight"), tmp_path_factory.mktemp("resumed")
    bundle = pretrain(artist_list=wave_list, out="w", arch="samplecnn", epochs=2, root=straight, **TINY)
    pretrain(artist_list=wave_list, out="w", arch="samplecnn", epochs=1, root=resumed, **TINY)
    with pytest.raises(MirexError, match="started with arch='samplecnn'"):
        pretrain(artist_list=wave_list, out="w", arch="resse", resume=True, root=resumed, **TINY)
    pretrain(artist_list=wave_list, out="w", epochs=2, resume=True, root=resumed, **TINY)
    return straight, resumed, bundle


def test_samplecnn_trains_into_a_waveform_bundle_and_resumes_exactly(samplecnn_runs):
    from mirex.nets import frozen_network

    straight, resumed, bundle = samplecnn_runs
    one, two = _checkpoint(straight, "w"), _checkpoint(resumed, "w")
    history = [json.loads(str(c.pop("state")))["history"] for c in (one, two)]
    assert [h["epoch"] for h in history[1]] == [1, 2]
    assert [h["loss"] for h in history[1]] == pytest.approx([h["loss"] for h in history[0]], rel=1e-4)
    assert one.keys() == two.keys()
    for key in one:
        np.testing.assert_allclose(two[key], one[key], rtol=1e-4, atol=1e-5, err_msg=key)
    loaded = load_bundle(str(bundle.path))
    assert loaded.arch == "samplecnn" and bundle.manifest["feature_dim"] == 512
    assert bundle.manifest["frontend"] == {"kind": "waveform", "sr": 22050, "segment_samples": 59049}
    assert frozen_network(arch=loaded.arch, path=loaded.weights_path).widths == (128, 128, 256, 256, 256, 256, 256, 256, 512, 512) and loaded.has_lda
    report = json.loads((bundle.path / "report.json").read_text())
    assert report["arch"] == "samplecnn" and report["segments"]["train"] == 4 and report["segments_per_s"] > 0


def test_resse_trains_from_the_command_line(wave_list, tmp_path, monkeypatch):
    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path))
    assert main(["pretrain", str(wave_list), "--arch", "resse", "--out", "r", "--epochs", "1", "--batch-size", "4",
                 "-numThreads", "1", "--quiet"]) == 0
    bundle = load_bundle(str(tmp_path / "r"))
    assert bundle.arch == "resse" and bundle.manifest["feature_dim"] == 1024
    assert bundle.manifest["frontend"]["kind"] == "waveform"
    assert bundle.lda.transform(np.zeros((2, 1024), np.float32)).shape == (2, 1)  # LDA: two artists
    report = json.loads((bundle.path / "report.json").read_text())
    assert set(report["test_accuracy"]) == {"centroid", "softmax"}


@pytest.fixture(scope="module")
def labelled_lists(tmp_path_factory):
    """Four artists, four 9.2-s songs (three segments) each, as a tag list (artist and register) and a joint list."""
    folder = tmp_path_factory.mktemp("lists")
    tags, joint = [], []
    for artist in CLASSES:
        for song in range(4):
            path = write_clip(folder / artist / f"{song}.wav", synth(artist, seconds=9.2, seed=song + 10 * len(artist)))
            tags.append(f"{path}\t{artist}\n{path}\t{'low' if artist == 'bass' else 'high'}")
            joint.append(f"{path}\t{artist}\talbum {song % 2}")
    (folder / "tags.txt").write_text("\n".join(tags) + "\n")
    (folder / "joint.txt").write_text("\n".join(joint) + "\n")
    return folder / "tags.txt", folder / "joint.txt"


@pytest.mark.parametrize("task", ["tags", "joint"])
def test_tags_and_joint_losses_fall(task, labelled_lists, tmp_path):
    tags, joint = labelled_lists
    bundle = pretrain(artist_list=tags if task == "tags" else joint, out=task, task=task, epochs=4, root=tmp_path,
                      **{**TINY, "batch_size": 8})
    report = json.loads((bundle.path / "report.json").read_text())
    history = report["history"]
    assert history[-1]["loss"] < 0.6 * history[0]["loss"]
    if task == "tags":
        assert "auc" in history[0] and not bundle.has_lda and report["classes"] == "6 tags classes"
        assert 0 <= report["test_accuracy"]["tags"]["tags"] <= 1  # a number, not NaN
    else:
        assert {"artist_loss", "album_loss", "track_loss", "artist_accuracy"} <= set(history[0])
        assert report["settings"]["loss_weights"] is None and bundle.has_lda
        assert set(report["test_accuracy"]) == {"centroid", "softmax"}
    assert bundle.arch == "dcnn" and bundle.manifest["training"]["task"] == task


def test_list_formats_and_option_errors(tmp_path, capsys):
    (tmp_path / "t.txt").write_text("a.wav\trock\na.wav\tloud\nb.wav\trock\n")
    clips = read_tag_list(tmp_path / "t.txt")
    assert [(c.path, c.tags) for c in clips] == [("a.wav", ("loud", "rock")), ("b.wav", ("rock",))]
    (tmp_path / "one.txt").write_text("a.wav\trock\nb.wav\trock\n")
    with pytest.raises(DataError, match="one.txt: a tag list needs at least two tags"):
        read_tag_list(tmp_path / "one.txt")
    (tmp_path / "j.txt").write_text("a.wav\tx\talbum\nb.wav\ty\n")
    with pytest.raises(ListFileError, match=r"j.txt:2: expected 'path<TAB>artist<TAB>album'"):
        read_joint_list(tmp_path / "j.txt")
    assert parse_loss_weights("1,0.5,0.25") == {"artist": 1.0, "album": 0.5, "track": 0.25}
    with pytest.raises(SystemExit):
        main(["pretrain", "x.txt", "--out", "o", "--task", "joint", "--loss-weights", "1,2"])
    assert "expected three non-negative weights" in capsys.readouterr().err
    (tmp_path / "a.txt").write_text("a.wav\tx\nb.wav\ty\n")
    assert main(["pretrain", str(tmp_path / "a.txt"), "--out", "o", "--arch", "resse", "--model", "siamese"]) == 2
    assert capsys.readouterr().err.strip() == "mirex: error: the Siamese model trains the dcnn network on artists only"


def _script(*args, root):
    env = {**os.environ, "MIREX_MODELS_DIR": str(root)}
    return subprocess.run([str(ROOT / args[0]), *map(str, args[1:])], capture_output=True, text=True, timeout=600,
                          env=env)


def test_waveform_bundle_feeds_the_scripts_and_embed(samplecnn_runs, labelled_corpus, tmp_path):
    """Crops of 59,049 samples through the frozen network: the scripts, embed, and the Keras model agree."""
    from mirex import audio
    from mirex.bundle import WEIGHTS
    from mirex.embed import embed
    from mirex.features import FeatureSpec
    from mirex.frontends import WaveformFrontEnd
    from mirex.nets import get_arch

    _, _, bundle = samplecnn_runs
    train_rows = labelled_corpus["train"][::2]
    test_rows = labelled_corpus["test"][::4]
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("".join(f"{p}\t{label}\n" for p, label in train_rows))
    test.write_text("".join(f"{p}\n" for p, _ in test_rows))
    scratch, root = tmp_path / "s", bundle.path.parent
    result = _script("run_train.sh", scratch, train, "--features", "dcnn:blocks=10,+lda", "--model",
                     bundle.path, "-numThreads", 1, root=root)
    assert result.returncode == 0, result.stderr
    result = _script("run_test.sh", scratch, test, tmp_path / "out.txt", "-numThreads", 1, root=root)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == [p for p, _ in test_rows]
    assert {line.split("\t")[1] for line in lines} <= set(CLASSES)
    spec = FeatureSpec(bundle=str(bundle.path), blocks=(10,))
    values = embed(list_file=test, out=tmp_path / "e.npy", spec=spec, cache_dir=scratch / "features", n_jobs=1,
                   progress=False)
    assert values.shape == (len(test_rows), 512)
    model = get_arch("samplecnn").build_feature_model(l2=0)
    model.load_weights(bundle.path / WEIGHTS)
    for row, (path, _) in zip(values[:2], test_rows):
        segs = WaveformFrontEnd().segments(audio.load(path))
        assert len(segs) == 2  # 6-s clips: two 2.7-s crops
        expected = np.asarray(model.predict_on_batch(segs[:, :, None])).mean(axis=0)
        np.testing.assert_allclose(row, expected, rtol=1e-4, atol=1e-4)
    reduced = embed(list_file=test, out=tmp_path / "l.npy", spec=FeatureSpec(bundle=str(bundle.path), blocks=(10,),
                    lda=True), cache_dir=scratch / "features", n_jobs=1, progress=False)
    assert reduced.shape == (len(test_rows), 1)  # the artist LDA of two artists
