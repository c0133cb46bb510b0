"""The evaluation driver on a fake pair of scripts."""
import html
import logging
import shlex
from pathlib import Path

import pandas as pd
import pytest

from mirex.errors import DataError, EvaluationError
from mirex.evaluate import run_evaluation

FAKE_SCRIPTS = Path(__file__).parent / "data" / "fake_scripts"


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _dataset(tmp_path):
    """Three labels, four artists each, two clips per artist; the label is also the file-name prefix."""
    lines = []
    for label in ("blues", "jazz", "rock"):
        for artist in range(4):
            for clip in range(2):
                name = f"{label.capitalize()}_{artist}_{clip}.wav"
                lines.append(f"{tmp_path / 'audio' / name}\t{label}\t{label}-{artist}")
    return _write(tmp_path / "toy.txt", lines)


def test_run_evaluation_with_fake_scripts(tmp_path, caplog):
    out = tmp_path / "results"
    with caplog.at_level(logging.INFO, logger="mirex"):
        board = run_evaluation(dataset_list=_dataset(tmp_path), systems={"byname": [], "first": ["--features", "mfcc"]},
                               folds=3, out_dir=out, n_jobs=2, cache_dir=tmp_path / "cache", scripts_dir=FAKE_SCRIPTS)
    assert board["system"].tolist() == ["byname", "first"]
    assert board.loc[0, "accuracy"] == 1.0 and board.loc[0, "normalised_accuracy"] == 1.0
    # "first" always answers the alphabetically first training label, blues.
    assert board.loc[1, "accuracy"] == pytest.approx(1 / 3)
    assert board.loc[1, "normalised_accuracy"] == pytest.approx(1 / 3)
    assert [c for c in board.columns if c.startswith("fold")] == ["fold1", "fold2", "fold3"]
    assert (board["time_s"] > 0).all()
    # run_train.sh got the graders' arguments and the system's options.
    options = (out / "scratch" / "first" / "options.txt").read_text().split()
    assert options == ["--features", "mfcc", "-numThreads", "2", "--cache", str(tmp_path / "cache")]
    for k in (1, 2, 3):
        train = pd.read_csv(out / "folds" / f"fold{k}" / "train.txt", sep="\t", header=None)
        test = pd.read_csv(out / "folds" / f"fold{k}" / "test.txt", sep="\t", header=None)
        assert train.shape[1] == 2 and test.shape[1] == 1
        assert (out / "outputs" / "byname" / f"fold{k}.txt").is_file()
    assert (out / "summary.md").is_file() and (out / "confusion" / "first.png").is_file()
    assert "evaluate: [4/6] first fold 1/3: train on" in caplog.text


def test_missing_output_lines_count_as_wrong(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        board = run_evaluation(dataset_list=_dataset(tmp_path), systems={"drop": ["--drop-first"]},
                               out_dir=tmp_path / "r", scripts_dir=FAKE_SCRIPTS)
    assert board.loc[0, "accuracy"] == pytest.approx(21 / 24)
    assert "test clips have no answer; counted as wrong" in caplog.text


def test_failing_script_names_system_and_fold(tmp_path):
    with pytest.raises(EvaluationError, match=r"system 'bad', fold 1: run_train.sh exited with status 2: "
                                              r"fake failure on"):
        run_evaluation(dataset_list=_dataset(tmp_path), systems={"bad": ["--fail"]}, out_dir=tmp_path / "r",
                       scripts_dir=FAKE_SCRIPTS)


def test_missing_script(tmp_path):
    with pytest.raises(EvaluationError, match="run_train.sh: no such script"):
        run_evaluation(dataset_list=_dataset(tmp_path), systems={"x": []}, out_dir=tmp_path / "r",
                       scripts_dir=tmp_path)


def test_accuracy_by_stratum_of_a_side_table(tmp_path):
    dataset = _dataset(tmp_path)
    paths = [line.split("\t")[0] for line in dataset.read_text().splitlines()]
    side = _write(tmp_path / "side.tsv", ["path\tsource", *(f"{p}\t{'one' if 'Blues' in p else 'two'}"
                                                             for p in paths[:-2])])
    out = tmp_path / "results"
    run_evaluation(dataset_list=dataset, systems={"byname": [], "first": ["--features", "mfcc"]}, folds=3,
                   out_dir=out, scripts_dir=FAKE_SCRIPTS, strata=(side, "source"))
    table = pd.read_csv(out / "strata.csv", index_col="stratum")
    assert table["clips"].to_dict() == {"(none)": 2, "one": 8, "two": 14}
    assert (table["byname"] == 1.0).all()
    # "first" answers blues, the first training label, for every clip: right on the blues stratum only
    assert table.loc["one", "first"] == 1.0 and table.loc["two", "first"] == 0.0
    assert "## Accuracy by source" in (out / "summary.md").read_text()
    with pytest.raises(DataError, match="no column 'stratum'"):
        run_evaluation(dataset_list=dataset, systems={"a": []}, out_dir=out, scripts_dir=FAKE_SCRIPTS,
                       strata=(side, "stratum"))


def test_the_page_names_the_command_that_runs_it_again(tmp_path):
    dataset, out = _dataset(tmp_path), tmp_path / "results"
    run_evaluation(dataset_list=dataset, systems={"byname": [], "mfcc": ["--features", "mfcc"]}, folds=2,
                   out_dir=out, n_jobs=2, cache_dir=tmp_path / "cache", scripts_dir=FAKE_SCRIPTS)
    command = shlex.join(["mirex", "evaluate", str(dataset), "--task", "classify", "--systems", "byname=", "mfcc",
                          "--folds", "2", "--seed", "0", "--out", str(out), "--cache", str(tmp_path / "cache"),
                          "-numThreads", "2"])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert html.escape(command) in page and page.count("<img") == 3  # two confusion matrices, the mean ranks


def test_a_failure_names_its_system_and_fold_once(tmp_path):
    lines = [f"{tmp_path / f'{t}_{i}.wav'}\t{t}\tg{i}" for i in range(4) for t in ("loud", "calm")]
    with pytest.raises(EvaluationError, match=r"^system 'bad', fold 1: run_train.sh exited with status 2: "
                                              r"fake failure on [^:]*$"):
        run_evaluation(dataset_list=_write(tmp_path / "tags.txt", lines), systems={"bad": ["--fail"]},
                       folds=2, out_dir=tmp_path / "r", scripts_dir=FAKE_SCRIPTS, task="tag")


def test_similarity_refuses_classifier_options_before_anything_runs(tmp_path):
    with pytest.raises(EvaluationError, match="system 'x': the similarity task takes --features and --model only, "
                                              "not --task-lda --drop-first"):
        run_evaluation(dataset_list=_dataset(tmp_path), systems={"x": ["--task-lda", "off", "--drop-first"]},
                       out_dir=tmp_path / "r", task="similarity")
    assert not (tmp_path / "r").exists()


def test_strata_are_for_classification_only(tmp_path):
    with pytest.raises(EvaluationError, match="applies to --task classify only"):
        run_evaluation(dataset_list=_dataset(tmp_path), strata=(tmp_path / "side.tsv", "x"), task="tag")


def test_train_lists_carry_the_group_column_when_asked(tmp_path):
    dataset, out = _dataset(tmp_path), tmp_path / "results"
    group_of = dict(line.split("\t")[::2] for line in dataset.read_text().splitlines())
    run_evaluation(dataset_list=dataset, systems={"byname": []}, folds=2, out_dir=out, scripts_dir=FAKE_SCRIPTS,
                   train_groups=True)
    for k in (1, 2):
        train = pd.read_csv(out / "folds" / f"fold{k}" / "train.txt", sep="\t", header=None,
                            names=["path", "label", "group"])
        assert train["group"].tolist() == [group_of[p] for p in train["path"]]
    # run_train.sh got them: the last fold's list is the one the scratch folder remembers
    assert (out / "scratch" / "byname" / "groups.txt").read_text().split() == sorted(set(train["group"]))
    assert "train lists: path, label and group (--train-groups" in (out / "summary.md").read_text()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert " --train-groups</pre>" in page  # the command that runs it again
    run_evaluation(dataset_list=dataset, systems={"byname": []}, folds=2, out_dir=out, scripts_dir=FAKE_SCRIPTS)
    assert (out / "scratch" / "byname" / "groups.txt").read_text().split() == []
    assert "train lists: path and label, as graders write them" in (out / "summary.md").read_text()


def test_train_groups_need_a_group_column_and_the_classify_task(tmp_path):
    two_columns = _write(tmp_path / "plain.txt", [line.rsplit("\t", 1)[0]
                                                  for line in _dataset(tmp_path).read_text().splitlines()])
    with pytest.raises(EvaluationError, match=r"plain.txt: --train-groups needs a third \(group\) column"):
        run_evaluation(dataset_list=two_columns, systems={"x": []}, out_dir=tmp_path / "r", scripts_dir=FAKE_SCRIPTS,
                       train_groups=True)
    with pytest.raises(EvaluationError, match="applies to --task classify only"):
        run_evaluation(dataset_list=_dataset(tmp_path), train_groups=True, task="tag")
