"""Lists in which every file, one file or no file fails: every entry point keeps the system's width.

A list whose relative paths were written for another working folder (or whose
disk is not mounted) decodes nothing; the feature array still has the
system's width, with a NaN row per file, so every step after it answers as
it does for one undecodable file.
"""
import numpy as np
import pytest

from conftest import copy_folder, synth, write_clip
from test_protocol import run, write_lines

import mirex
from mirex.cli import main
from mirex.extract import extract
from mirex.features import feature_pipeline

MFCC = ("--features", "mfcc")


def unusable(folder):
    """Paths that never decode: relative paths from another working folder, random bytes, a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "random.wav").write_bytes(np.random.default_rng(3).bytes(5000))
    (folder / "a folder.wav").mkdir(exist_ok=True)
    return ["elsewhere/one.wav", "elsewhere/two.wav", str(folder / "random.wav"), str(folder / "a folder.wav")]


@pytest.fixture(scope="module")
def lists(tmp_path_factory):
    """List files (path per line): 'all' unusable, 'one' unusable among good clips, 'empty'; and the good clips."""
    work = tmp_path_factory.mktemp("unusable lists")
    bad = unusable(work / "bad")
    good = [str(write_clip(work / "good" / f"{kind}{i}.wav", synth(kind, seconds=1, seed=i)))
            for i, kind in enumerate(("bass", "noise", "treble"))]
    return {"all": write_lines(work / "all.txt", bad),
            "one": write_lines(work / "one.txt", good[:2] + bad[2:3] + good[2:]),
            "empty": write_lines(work / "empty.txt", []), "work": work, "good": good, "bad": bad}


def cli(capsys, *argv):
    status = main([*map(str, argv), "--quiet"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err.strip().splitlines()


@pytest.fixture(scope="module")
def trained_tag_scratch(tmp_path_factory):
    """A scratch folder holding a tag model trained on MFCCs (tags bass, low, noise, high); tests get copies."""
    work = tmp_path_factory.mktemp("tag scratch")
    lines = []
    for i in range(6):
        path = write_clip(work / f"clip{i}.wav", synth(("bass", "noise")[i % 2], seconds=1, seed=50 + i))
        lines += [f"{path}\t{('bass', 'noise')[i % 2]}", f"{path}\t{('low', 'high', 'high')[i % 3]}"]
    assert main(["train", str(work / "scratch"), str(write_lines(work / "tags.txt", lines)), "--task", "tag",
                 *MFCC, "--quiet"]) == 0
    return work / "scratch"


@pytest.fixture
def tag_scratch(trained_tag_scratch, tmp_path_factory):
    """A copy of the tag scratch folder for one test."""
    return copy_folder(trained_tag_scratch, tmp_path_factory.mktemp("tag scratch") / "scratch")


def test_extraction_of_nothing_usable_has_the_system_width(lists):
    extractor = feature_pipeline("mfcc")
    for paths in (lists["bad"], []):
        result = extract(paths, extractor=extractor, n_jobs=1)
        assert result.features.shape == (len(paths), extractor.dim) and np.isnan(result.features).all()
        assert sorted(result.errors) == list(range(len(paths)))


def test_tag_model_answers_an_all_undecodable_list_with_the_priors(tag_scratch, lists, tmp_path):
    affinity, binary = tmp_path / "aff.txt", tmp_path / "bin.txt"
    result = run("run_test.sh", tag_scratch, lists["all"], affinity, binary, "-numThreads", 1)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert f"{len(lists['bad'])} test file(s) could not be used; given the tag priors" in result.stderr
    scores = [line.split("\t") for line in affinity.read_text().splitlines()]
    answers = [line.split("\t") for line in binary.read_text().splitlines()]
    tags = ["bass", "low", "noise", "high"]  # in training-list order
    assert [(p, t) for p, t, _ in scores] == [(p, t) for p in lists["bad"] for t in tags]
    assert [float(s) for _, _, s in scores[:4]] == pytest.approx([0.5, 1 / 3, 0.5, 2 / 3], abs=1e-6)
    assert [(p, t) for p, t, _ in answers] == [(p, t) for p, t, _ in scores]
    assert {b for _, _, b in answers} <= {"0", "1"}


@pytest.mark.parametrize("which", ["all", "one"])
def test_tag_and_classifier_outputs_cover_every_path(which, tag_scratch, mfcc_scratch, lists, capsys, tmp_path):
    listed = lists[which].read_text().splitlines()
    status, err = cli(capsys, "test", tag_scratch, lists[which], tmp_path / "a.txt", tmp_path / "b.txt")
    assert status == 0, err
    assert [line.split("\t")[0] for line in (tmp_path / "b.txt").read_text().splitlines()][::4] == listed
    status, err = cli(capsys, "test", mfcc_scratch, lists[which], tmp_path / "o.txt")
    assert status == 0, err
    rows = [line.split("\t") for line in (tmp_path / "o.txt").read_text().splitlines()]
    assert [p for p, _ in rows] == listed
    bad = [label for p, label in rows if p in lists["bad"]]
    assert bad and set(bad) == {"bass"}  # the majority label (a tie: the first)


def test_empty_lists_are_one_line_errors_everywhere(lists, tag_scratch, mfcc_scratch, capsys, tmp_path):
    empty = lists["empty"]
    for argv in (["train", tmp_path / "s", empty, *MFCC], ["test", mfcc_scratch, empty, tmp_path / "o.txt"],
                 ["test", tag_scratch, empty, tmp_path / "a.txt", tmp_path / "b.txt"],
                 ["embed", empty, "--out", tmp_path / "e.npy", *MFCC],
                 ["similarity", empty, tmp_path / "s.txt", *MFCC]):
        status, err = cli(capsys, *argv)
        assert status == 2 and err == [f"mirex: error: {empty}: list file has no entries"], (argv, err)
    assert not list(tmp_path.iterdir())


def test_training_on_nothing_usable_is_refused(lists, capsys, tmp_path):
    labelled = write_lines(tmp_path / "train.txt", [f"{p}\t{'ab'[i % 2]}" for i, p in enumerate(lists["bad"])])
    for task in ("classify", "tag"):
        status, err = cli(capsys, "train", tmp_path / task, labelled, "--task", task, *MFCC)
        assert status == 2 and err[-1] == f"mirex: error: {labelled}: none of the 4 training files could be used"


@pytest.mark.parametrize("system", ["mfcc", "hybrid"])
def test_embed_keeps_the_width_when_nothing_decodes(system, lists, capsys, tmp_path):
    dim = feature_pipeline(system).dim
    for which in ("all", "one"):
        out = tmp_path / f"{which}.npy"
        status, err = cli(capsys, "embed", lists[which], "--out", out, "--features", system, "--cache", tmp_path / "c")
        assert status == 0 and len(err) == (4 if which == "all" else 1), err
        values = np.load(out)
        assert values.shape == (4, dim)
        failed = np.isnan(values).all(axis=1)
        assert list(failed) == ([True] * 4 if which == "all" else [False, False, True, False])
        assert np.isfinite(values[~failed]).all()


def test_similarity_of_nothing_usable_is_a_one_line_error(lists, capsys, tmp_path):
    status, err = cli(capsys, "similarity", lists["all"], tmp_path / "sim.txt", *MFCC)
    assert status == 2 and err[-1] == "mirex: error: no file of the list could be used", err
    assert len(err) == 5 and all(line.startswith("mirex: warning: ") for line in err[:-1])
    assert not (tmp_path / "sim.txt").exists()
    status, err = cli(capsys, "similarity", lists["one"], tmp_path / "sim.txt", *MFCC)
    assert status == 0 and len(err) == 1
    rows = (tmp_path / "sim.txt").read_text().splitlines()[-4:]
    assert rows[2].split("\t")[1:] == ["2.000000", "2.000000", "0.000000", "2.000000"]


def test_evaluate_similarity_of_nothing_usable_is_a_one_line_error(lists, capsys, tmp_path):
    labelled = write_lines(tmp_path / "data.txt", [f"{p}\t{'ab'[i % 2]}" for i, p in enumerate(lists["bad"])])
    status = main(["evaluate", str(labelled), "--task", "similarity", "--systems", "mfcc", "--out",
                   str(tmp_path / "results")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and "Traceback" not in "\n".join(err)
    assert err[-1] == "mirex: error: system 'mfcc': mirex similarity failed: no file of the list could be used", err


def test_api_embed_files_keeps_the_width(lists, tmp_path, monkeypatch):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from mirex.bundle import load_bundle
    from mirex.bundle_save import replace_lda
    from mirex.projection import Projection

    plain = mirex.load_extractor("hybrid", device="cpu")
    rng = np.random.default_rng(0)
    lda = LinearDiscriminantAnalysis(n_components=2).fit(rng.normal(size=(30, plain.dim)), np.arange(30) % 3)
    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path / "models"))  # where the new bundle goes: not the session's
    with_lda = replace_lda(load_bundle(), lda=Projection.of(lda, n_in=plain.dim), name="default-with-lda")
    reduced = mirex.load_extractor(f"dcnn:model={with_lda.path},blocks=1-5,pool=max,stats=mean,+mfcc,+lda",
                                   device="cpu")
    assert (plain.dim, reduced.dim) == (plain.dim, 2)
    for extractor in (plain, reduced):
        for paths in (lists["bad"], [lists["good"][0]] + lists["bad"][:1], []):
            result = extractor.embed_files(paths, cache=False, n_jobs=1)
            assert result.features.shape == (len(paths), extractor.dim)
            assert sorted(result.errors) == [i for i, p in enumerate(paths) if p in lists["bad"]]
            assert np.isfinite(result.features[[i not in result.errors for i in range(len(paths))]]).all()
        status = main(["embed", str(lists["all"]), "--out", str(tmp_path / "e.npy"), "--features", str(extractor.spec),
                       "--cache", str(tmp_path / "c"), "--quiet"])
        assert status == 0 and np.load(tmp_path / "e.npy").shape == (4, extractor.dim)
