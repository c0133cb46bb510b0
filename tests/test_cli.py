import numpy as np

from mirex.cli import main
from mirex.features import feature_pipeline


def test_embed_writes_rows_in_list_order_with_nan_for_bad_files(tmp_path, labelled_corpus, capsys):
    (tmp_path / "broken.wav").write_bytes(b"RIFF not really")
    paths = [labelled_corpus["test"][0][0], str(tmp_path / "broken.wav"), labelled_corpus["test"][-1][0]]
    lst = tmp_path / "list.txt"
    lst.write_text(f"{paths[0]}\tbass\n{paths[1]}\n{paths[2]}\textra\tcols\n", encoding="utf-8")
    out = tmp_path / "emb.npy"
    assert main(["embed", str(lst), "--out", str(out), "--cache", str(tmp_path / "c"), "-numThreads", "1"]) == 0
    values = np.load(out)
    assert values.shape == (3, feature_pipeline().dim)  # the default system
    assert np.isnan(values[1]).all() and np.isfinite(values[[0, 2]]).all()
    assert "broken.wav" in capsys.readouterr().err
    assert main(["embed", str(lst), "--out", str(tmp_path / "again.npy"), "--cache", str(tmp_path / "c")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "again.npy"), values)


def test_user_error_is_one_line(tmp_path, capsys):
    assert main(["embed", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mirex: error:") and "missing.txt" in err and err.count("\n") == 1


def test_models_lists_the_shipped_bundles_and_marks_the_default(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path / "models"))  # no bundle of other tests
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["  msd-siamese-1000", "* msd-siamese-10000", "  msd-siamese-5000"]
    assert all("/mirex/bundles/msd-siamese-" in line for line in lines)
