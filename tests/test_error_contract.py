"""The error contract: every command, given bad input, prints one line ``mirex: error: ...`` and exits 2.

Bad input: a missing file, an empty file, a folder, binary garbage, and
damaged model bundles, scratch folders and training runs, wherever a command
takes one. Every ``mirex`` subcommand is covered (the test fails when one is
added without cases), and so are the dataset builders' command lines.
"""
import json
import shutil

import numpy as np
import pytest

from conftest import synth, write_clip
from test_protocol import write_lines

from mirex.bundle import find_bundle
from mirex.cli import build_parser, main
from mirex.published import PUBLISHED
from mirex.tasks.scratch import RECORD_FILE

KINDS = ("missing", "empty", "folder", "garbage")


def bad_file(folder, kind):
    """A path of each kind of bad input under ``folder``."""
    path = folder / f"{kind} input"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "folder":
        path.mkdir()
    elif kind == "garbage":
        path.write_bytes(np.random.default_rng(5).bytes(4000))
    return path


def damaged_bundles(root, good):
    """Bundle folders ``root/KIND/b`` damaged in every way a manifest (or the weights it lists) can be."""
    manifest = json.loads((good / "manifest.json").read_text())
    cases = {
        "garbage manifest": b"\x00\xff" * 50, "empty manifest": b"", "manifest a list": b"[]",
        "no name": {k: v for k, v in manifest.items() if k != "name"},
        "no weights listed": {**manifest, "files": {}},
        "unknown architecture": {**manifest, "arch": "nonet"},
        "unknown front-end kind": {**manifest, "frontend": {"kind": "spectral"}},
        "front end not numbers": {**manifest, "frontend": {**manifest["frontend"], "n_fft": "large"}},
        "front end not an object": {**manifest, "frontend": [1, 2]},
        "garbage weights": manifest, "missing weights": manifest,
    }
    folders = {}
    for kind, content in cases.items():
        folder = root / kind / "b"
        folder.mkdir(parents=True)
        if kind != "missing weights":
            shutil.copy(good / "dcnn.weights.h5", folder / "dcnn.weights.h5")
        if kind == "garbage weights":
            (folder / "dcnn.weights.h5").write_bytes(np.random.default_rng(6).bytes(3000))
        (folder / "manifest.json").write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
        folders[kind] = folder
    return folders


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    work = tmp_path_factory.mktemp("bad input")
    clip = write_clip(work / "clip.wav", synth("bass", seconds=1, seed=1))
    other = write_clip(work / "other.wav", synth("noise", seconds=1, seed=2))
    return {"work": work, "bad": {kind: bad_file(work, kind) for kind in KINDS},
            "list": write_lines(work / "list.txt", [str(clip), str(other)]),
            "train": write_lines(work / "train.txt", [f"{clip}\tbass", f"{other}\tnoise"]),
            "bundles": damaged_bundles(work / "damaged", find_bundle()), "default": find_bundle()}  # the shipped default


def commands(inputs, mfcc_scratch, tmp):
    """``(subcommand, argv, environment)`` of every case; outputs go under ``tmp/out``, which must stay absent."""
    bad, bundles, good_list, train = inputs["bad"], inputs["bundles"], inputs["list"], inputs["train"]
    out = tmp / "out"
    cases = []
    for kind, path in bad.items():
        scratch = tmp / f"scratch {kind}"
        if kind != "missing":
            shutil.copytree(mfcc_scratch, scratch)
            (scratch / RECORD_FILE).unlink()
            if kind == "empty":
                (scratch / RECORD_FILE).write_bytes(b"")
            elif kind == "garbage":
                shutil.copy(path, scratch / RECORD_FILE)
        fetch_from = path
        if kind == "folder":  # local copies that are garbage: refused by checksum, never downloaded
            fetch_from = tmp / "copies"
            fetch_from.mkdir(exist_ok=True)
            for item in PUBLISHED:
                shutil.copy(bad["garbage"], fetch_from / item.filename)
        cases += [
            ["train", out / "s", path], ["test", mfcc_scratch, path, out / "o.txt"],
            ["test", scratch, good_list, out / "o.txt"],
            ["embed", path, "--out", out / "e.npy"], ["similarity", path, out / "s.txt"],
            ["import-keras2", path, "--name", "imported"], ["pretrain", path, "--out", "p"],
            ["fit-lda", inputs["default"], path], ["fetch-models", "--from", fetch_from],
            ["evaluate", path, "--out", out / "ev"], ["evaluate", path, "--task", "tag", "--out", out / "ev"],
            ["evaluate", path, "--task", "similarity", "--out", out / "ev"],
            ["evaluate", train, "--strata", path, "work", "--out", out / "ev"],
        ]
    cases = [(argv, {}) for argv in cases]
    for kind, folder in bundles.items():
        cases += [(argv, {}) for argv in (
            ["train", out / "s", train, "--model", folder],
            ["embed", good_list, "--out", out / "e.npy", "--model", folder],
            ["similarity", good_list, out / "s.txt", "--model", folder], ["fit-lda", folder, train])]
        if kind != "garbage weights":  # models reads the manifests only
            cases.append((["models"], {"MIREX_MODELS_DIR": str(folder.parent)}))
    runs = {"garbage": b"\x00\x01", "empty": b"", "a list": b"[]", "wrong architecture": b'{"arch": "nonet"}',
            "no epochs": b'{"epochs": 0}'}
    for kind, content in runs.items():
        run = tmp / f"runs {kind}"
        (run / "p.training").mkdir(parents=True)
        (run / "p.training" / "run.json").write_bytes(content)
        cases.append((["pretrain", train, "--out", "p", "--resume"], {"MIREX_MODELS_DIR": str(run)}))
    return cases


def test_every_command_gives_one_line_and_status_2_for_bad_input(inputs, mfcc_scratch, tmp_path, capsys,
                                                                monkeypatch):
    from mirex.datasets import composer_tags

    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path / "models"))  # import-keras2, fetch-models, pretrain
    monkeypatch.setenv("MIREX_FEATURE_CACHE", str(tmp_path / "cache"))
    cases = commands(inputs, mfcc_scratch, tmp_path)
    subcommands = build_parser()._subparsers._group_actions[0].choices
    assert {argv[0] for argv, _ in cases} == set(subcommands)
    wrong = []
    for argv, env in cases:
        with monkeypatch.context() as patched:
            for key, value in env.items():
                patched.setenv(key, value)
            try:
                status = main(list(map(str, argv)))
            except Exception as exc:  # a traceback on the command line
                status = repr(exc)
        err = capsys.readouterr().err.splitlines()
        if status != 2 or len(err) != 1 or not err[0].startswith("mirex: error: "):
            wrong.append((argv, status, err[-3:]))
    for path in inputs["bad"].values():
        status = composer_tags.main(["--list", str(path)])
        err = capsys.readouterr().err.splitlines()
        if status != 2 or len(err) != 1 or not err[0].startswith("mirex: error: "):
            wrong.append((["composer_tags", path], status, err[-3:]))
    assert not wrong, "\n".join(map(str, wrong))
    assert not (tmp_path / "models").exists() and not (tmp_path / "out").exists()  # nothing left behind


def test_a_refusal_before_any_work_leaves_nothing_behind(inputs, mfcc_scratch, tmp_path, capsys):
    one_label = write_lines(tmp_path / "one label.txt", [line.split("\t")[0] + "\tsame"
                                                         for line in inputs["train"].read_text().splitlines()])
    out = tmp_path / "new" / "folder"
    damaged = inputs["bundles"]["no name"]
    for argv in (["train", out / "scratch", one_label, "--features", "mfcc"],
                 ["train", out / "scratch", inputs["train"], "--model", damaged],
                 ["test", mfcc_scratch, inputs["list"], out / "o.txt", "--features", "paper"],
                 ["similarity", inputs["list"], out / "s.txt", "--model", damaged],
                 ["embed", inputs["list"], "--out", out / "e.npy", "--model", damaged]):
        assert main(list(map(str, argv))) == 2
        assert capsys.readouterr().err.startswith("mirex: error: ")
        assert not (tmp_path / "new").exists(), argv
