"""Pre-training on generated artists: splits, mel cache, training, resume, LDA, the MIREX scripts."""
import json
import os
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import CLASSES, ROOT, synth, write_clip

from mirex import audio
from mirex.bundle import load_bundle, sha256
from mirex.errors import DataError, MirexError
from mirex.folders import shipped_models_dir
from mirex.frontends.mel import FrontEnd, logmel
from mirex.frontends.segments import segments
from mirex.pretrain import build_mel_cache, fit_bundle_lda, pretrain
from mirex.pretrain.melcache import MelSplit, pack_split
from mirex.pretrain.splits import Clip, read_artist_list, split_counts, split_songs

TINY = dict(batch_size=8, lr=0.05, patience=3, n_jobs=1, progress=False)


@pytest.fixture(scope="module")
def artist_list(tmp_path_factory):
    """Four synthetic 'artists', four songs each (the first song in two files), 3.2 s clips."""
    folder = tmp_path_factory.mktemp("artists")
    lines, seed = [], 100
    for artist in CLASSES:
        for song in range(4):
            for part in range(2 if song == 0 else 1):
                seed += 1
                path = write_clip(folder / artist / f"{song}-{part}.wav", synth(artist, seconds=3.2, seed=seed))
                lines.append(f"{path}\t{artist}\t{artist} song {song}")
    path = folder / "artists.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_split_counts_follow_the_paper():
    assert split_counts(20) == (15, 3, 2)
    assert split_counts(1) == (1, 0, 0) and split_counts(2) == (1, 1, 0) and split_counts(4) == (2, 1, 1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9)), min_size=2, max_size=80), st.integers(0, 2**31))
def test_a_song_never_crosses_splits(pairs, seed):
    clips = [Clip(f"f{i}.wav", f"a{artist}", f"s{song}") for i, (artist, song) in enumerate(pairs)]
    splits = split_songs(clips, seed=seed)
    where = {}
    for name, members in splits.items():
        for clip in members:
            assert where.setdefault((clip.artist, clip.song), name) == name
    assert sorted(c.path for m in splits.values() for c in m) == sorted(c.path for c in clips)
    assert split_songs(clips[::-1], seed=seed)["test"] == [c for c in clips[::-1] if where[c.artist, c.song] == "test"]
    for artist in {c.artist for c in clips}:
        n_songs = len({c.song for c in clips if c.artist == artist})
        got = tuple(len({c.song for c in splits[s] if c.artist == artist}) for s in ("train", "valid", "test"))
        assert got == split_counts(n_songs)


def test_artist_list_needs_two_artists(tmp_path):
    (tmp_path / "one.txt").write_text("a.wav\tx\nb.wav\tx\n")
    with pytest.raises(DataError, match="one.txt: an artist list needs at least two artists"):
        read_artist_list(tmp_path / "one.txt")


def test_mel_cache_resumes_and_packs_what_the_front_end_computes(tmp_path, artist_list):
    paths = [c.path for c in read_artist_list(artist_list)][:3] + [str(tmp_path / "missing.wav")]
    frontend = FrontEnd()
    keys, errors = build_mel_cache(paths, folder=tmp_path / "mels", frontend=frontend, n_jobs=1)
    assert list(errors) == [3] and keys[3] is None
    stamps = sorted(p.stat().st_mtime_ns for p in (tmp_path / "mels").rglob("*.npy"))
    assert len(stamps) == 3
    assert build_mel_cache(paths, folder=tmp_path / "mels", frontend=frontend, n_jobs=1)[0] == keys
    assert sorted(p.stat().st_mtime_ns for p in (tmp_path / "mels").rglob("*.npy")) == stamps  # nothing recomputed
    split = MelSplit(*pack_split(keys[:3], folder=tmp_path / "mels", frontend=frontend, name="x"),
                     artists=[0, 0, 1], frontend=frontend)
    clips, starts = split.fixed()
    expected = np.concatenate([segments(logmel(audio.load(p), frontend=frontend), length=frontend.segment_frames)
                               for p in paths[:3]])
    got = split.read(clips, starts) * frontend.std + frontend.mean
    np.testing.assert_allclose(got, expected, atol=4e-3)  # float16 storage


@pytest.fixture(scope="module")
def plain_run(artist_list, tmp_path_factory):
    """A plain model: 2 epochs straight, and 1 epoch then resumed to 2, in two model folders."""
    roots = {name: tmp_path_factory.mktemp(name) for name in ("straight", "resumed")}
    pretrain(artist_list=artist_list, out="p", epochs=2, root=roots["straight"], **TINY)
    pretrain(artist_list=artist_list, out="p", epochs=1, root=roots["resumed"], **TINY)
    with pytest.raises(MirexError, match="pass --resume"):
        pretrain(artist_list=artist_list, out="p", epochs=2, root=roots["resumed"], **TINY)
    with pytest.raises(MirexError, match="started with model='plain'"):
        pretrain(artist_list=artist_list, out="p", model="siamese", resume=True, root=roots["resumed"], **TINY)
    bundle = pretrain(artist_list=artist_list, out="p", epochs=2, resume=True, root=roots["resumed"], **TINY)
    return roots, bundle


def _checkpoint(root):
    with np.load(root / "p.training" / "checkpoint.npz") as stored:
        return {k: stored[k] for k in stored.files}


def test_resumed_run_continues_exactly_where_it_stopped(plain_run):
    roots, _ = plain_run
    straight, resumed = _checkpoint(roots["straight"]), _checkpoint(roots["resumed"])
    state = json.loads(str(resumed.pop("state")))
    straight_state = json.loads(str(straight.pop("state")))
    assert [h["epoch"] for h in state["history"]] == [1, 2] and state["epoch"] == 2
    assert [h["loss"] for h in state["history"]] == pytest.approx([h["loss"] for h in straight_state["history"]],
                                                                  rel=1e-4)
    assert straight.keys() == resumed.keys()
    for key in straight:
        np.testing.assert_allclose(resumed[key], straight[key], rtol=1e-4, atol=1e-5, err_msg=key)


def test_bundle_has_stats_lda_and_report(plain_run, artist_list):
    _, bundle = plain_run
    report = json.loads((bundle.path / "report.json").read_text())
    assert report["songs"] == {"train": 8, "valid": 4, "test": 4}  # 2 + 1 + 1 songs of each artist
    assert sum(report["clips"].values()) == 20
    for name in ("softmax", "centroid"):
        assert set(report["test_accuracy"][name]) == {"segment", "song"}
    assert report["peak_rss_mb"] > 50 and report["wall_time_s"]["total"] > 0
    assert "report.md" in bundle.manifest["files"]
    assert bundle.frontend.mean != FrontEnd().mean and 0 < bundle.frontend.std < 2
    x = np.random.default_rng(0).standard_normal((5, 256))
    assert bundle.has_lda and bundle.lda.transform(x).shape == (5, 3)  # min(100, 4 artists - 1)


def test_siamese_loss_falls(artist_list, tmp_path):
    bundle = pretrain(artist_list=artist_list, out="s", model="siamese", epochs=4, root=tmp_path, seed=1,
                      **{**TINY, "lr": 0.02})
    history = json.loads((bundle.path / "report.json").read_text())["history"]
    assert history[-1]["loss"] < history[0]["loss"]
    assert {"ranking_accuracy", "val_loss", "lr"} <= set(history[0])
    report = json.loads((bundle.path / "report.json").read_text())
    assert list(report["test_accuracy"]) == ["centroid"] and bundle.lda.transform(np.ones((1, 256))).shape == (1, 3)


def test_hinge_loss_is_mean_over_negatives():
    import keras

    from mirex.nets.dcnn import hinge_loss, ranking_accuracy

    sims = np.array([[0.9, 0.1, 0.6, 0.8, -1.0], [0.2, 0.5, 0.0, 0.0, 0.0]], dtype=np.float32)
    loss = keras.ops.convert_to_numpy(hinge_loss(0.4)(None, sims))
    np.testing.assert_allclose(loss, [(0 + 0.1 + 0.3 + 0) / 4, (0.7 + 0.2 * 3) / 4], atol=1e-6)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(ranking_accuracy(None, sims)), [1, 0])


def _run(*args, root):
    env = {**os.environ, "MIREX_MODELS_DIR": str(root)}
    return subprocess.run([str(ROOT / args[0]), *map(str, args[1:])], capture_output=True, text=True, timeout=600,
                          env=env)


def test_trained_bundle_feeds_the_mirex_scripts_with_its_lda(plain_run, labelled_corpus, tmp_path):
    from mirex.embed import embed
    from mirex.features import FeatureSpec
    from mirex.tasks.scratch import load_record

    _, bundle = plain_run
    root = bundle.path.parent
    train_rows = [row for label in CLASSES for row in labelled_corpus["train"] if row[1] == label][::2]
    test_rows = labelled_corpus["test"][::2]
    train = tmp_path / "train.txt"
    train.write_text("".join(f"{p}\t{label}\n" for p, label in train_rows))
    test = tmp_path / "test.txt"
    test.write_text("".join(f"{p}\n" for p, _ in test_rows))
    result = _run("run_train.sh", tmp_path / "s", train, "--features", "paper", "--model", "p", "-numThreads", 1,
                  root=root)
    assert result.returncode == 0, result.stderr
    result = _run("run_test.sh", tmp_path / "s", test, tmp_path / "out.txt", "-numThreads", 1, root=root)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == [p for p, _ in test_rows]
    stored = load_record(scratch=tmp_path / "s")
    assert stored.spec.endswith("+lda") and stored.estimator.n_features_in_ == 3  # LDA features
    for lda, dim in ((True, 3), (False, 256)):
        spec = FeatureSpec(bundle=str(bundle.path), lda=lda)
        values = embed(list_file=test, out=tmp_path / f"emb{dim}.npy", spec=spec, cache_dir=tmp_path / "s" / "features", n_jobs=1, progress=False)
        assert values.shape == np.load(tmp_path / f"emb{dim}.npy").shape == (len(test_rows), dim)


def test_fit_lda_on_a_shipped_bundle_keeps_its_weights_and_writes_outside_the_package(artist_list, tmp_path,
                                                                                     monkeypatch):
    models_root = tmp_path / "models"  # the user's models folder of this test alone, not the session's
    monkeypatch.setenv("MIREX_MODELS_DIR", str(models_root))
    original = load_bundle()
    assert original.path.parent == shipped_models_dir()
    bundle = fit_bundle_lda(model=original.name, artist_list=artist_list, out="with-lda", cache_dir=tmp_path,
                            n_jobs=1, progress=False)
    assert bundle.path == models_root / "with-lda" and bundle.name == "with-lda"
    assert sorted(p.name for p in shipped_models_dir().iterdir()) == [
        "LICENSE", "README.md", "msd-siamese-1000", "msd-siamese-10000", "msd-siamese-5000"]
    assert sha256(bundle.path / "dcnn.weights.h5") == sha256(original.path / "dcnn.weights.h5")
    assert bundle.fingerprint == original.fingerprint and not load_bundle().has_lda
    assert bundle.manifest["lda"]["components"] == 3 and bundle.manifest["lda"]["songs"] == 20
    assert bundle.lda.transform(np.zeros((2, 256), np.float32)).shape == (2, 3)
    again = fit_bundle_lda(model=str(bundle.path), artist_list=artist_list, n_components=2, cache_dir=tmp_path,
                           n_jobs=1, progress=False)
    assert again.path == bundle.path and again.lda.n_out == 2


def test_a_refused_list_leaves_nothing_behind(artist_list, tmp_path, monkeypatch, capsys):
    from mirex.cli import main

    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path / "models"))
    lines = artist_list.read_text().splitlines()
    one_artist = tmp_path / "one artist.txt"
    one_artist.write_text("".join(line.split("\t")[0] + "\tsomeone\n" for line in lines))
    one_song_each = tmp_path / "one song each.txt"  # nothing left for validation
    one_song_each.write_text("".join(line.rsplit("\t", 1)[0] + "\tthe song\n" for line in lines))
    for listed, reason in ((one_artist, f"{one_artist}: an artist list needs at least two artists"),
                           (one_song_each, "the valid split has songs of fewer than two artists; an artist needs "
                                           "at least two songs (three for a test song)")):
        assert main(["pretrain", str(listed), "--out", "p", "--quiet"]) == 2
        assert capsys.readouterr().err == f"mirex: error: {reason}\n"
        assert not (tmp_path / "models").exists()


def test_training_output_in_a_log_is_one_plain_line_per_epoch(artist_list, tmp_path):
    log = tmp_path / "pretrain.log"
    env = {**os.environ, "MIREX_MODELS_DIR": str(tmp_path / "models"), "PYTHONPATH": str(ROOT)}
    env.pop("MIREX_PROGRESS", None)
    with open(log, "w") as out:  # the list from a pipe: read once for its digest and its clips
        result = subprocess.run([os.sys.executable, "-m", "mirex", "pretrain", "-", "--out", "p", "--epochs", "2",
                                 "--batch-size", "8", "--lr", "0.05", "-numThreads", "1"],
                                input=artist_list.read_bytes(), stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=tmp_path, timeout=600)
    text = log.read_text()
    assert result.returncode == 0, text
    assert "\r" not in text and "\x1b" not in text and "━" not in text and "Epoch" not in text, text
    epochs = [line for line in text.splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in epochs] == ["epoch 1/2", "epoch 2/2"], text
    assert all(" s, " in line and " loss " in line and "val_loss" in line for line in epochs), epochs
    assert load_bundle(str(tmp_path / "models" / "p")).manifest["training"]["epochs_run"] == 2
