"""The systems registry and systems parsed from their options."""
import pytest

from mirex.errors import EvaluationError
from mirex.evaluate import systems
from mirex.evaluate.systems import System
from mirex.features import PRESETS, FeatureSpec


def test_default_systems_are_every_preset_with_and_without_the_task_lda():
    board = systems.default_systems()
    assert list(board) == [*PRESETS, *(f"{name}-nolda" for name in PRESETS), "hybrid-ivector-fusion"]
    fusion = board["hybrid-ivector-fusion"]
    assert fusion.feature_spec == PRESETS["hybrid-ivector"] and fusion.arguments()[-2:] == ["--ivector-combine", "fusion"]
    # The tag and similarity tasks compare the systems without a task-LDA choice: not the i-vector classifiers.
    assert [name for name, s in board.items() if s.task_lda is None] == ["paper", "multilevel", "multiscale", "hybrid",
                                                                          "mfcc"]
    assert board["hybrid"].arguments() == ["--features", "hybrid"]
    assert board["paper-nolda"].arguments() == ["--features", "paper", "--task-lda", "off"]
    assert board["paper-nolda"] == System("paper-nolda", "paper", "off")


def test_resolve_systems():
    resolved = systems.resolve_systems(specs=["mfcc,paper", "d1k=--model 'msd 1000' --features multilevel"])
    d1k = str(PRESETS["multilevel"].with_bundle("msd 1000"))
    assert {name: s.arguments() for name, s in resolved.items()} == {
        "mfcc": ["--features", "mfcc"], "paper": ["--features", "paper"], "d1k": ["--features", d1k]}
    assert resolved["d1k"].feature_spec == FeatureSpec(bundle="msd 1000", blocks=(1, 2, 3, 4, 5))


def test_a_task_names_its_own_known_systems():
    known = {"base": System("base", "mfcc"), "other": System("other", "paper", None, ("--loss", "proxy"))}
    assert systems.resolve_systems(specs=None, known=known) == known
    assert systems.resolve_systems(specs=["other"], known=known) == {"other": known["other"]}
    with pytest.raises(EvaluationError, match=r"unknown system 'paper' \(known: base, other"):
        systems.resolve_systems(specs=["paper"], known=known)
    assert all(s.task_lda is None for s in systems.FEATURE_SYSTEMS.values()) and "paper" in systems.FEATURE_SYSTEMS


def test_options_are_parsed_once_and_the_rest_kept_in_order():
    system = System.parse(name="x", options=["--drop-first", "--task-lda=on", "--features", "mfcc", "--fail"])
    assert system == System("x", "mfcc", "on", ("--drop-first", "--fail"))
    assert system.arguments() == ["--features", "mfcc", "--task-lda", "on", "--drop-first", "--fail"]
    assert System.parse(name="y", options=[]).arguments() == []
    assert System.parse(name="y", options=[]).feature_spec == PRESETS["hybrid"]  # the scripts' default
    assert systems.resolve_systems(specs={"byname": []}) == {"byname": System("byname")}


@pytest.mark.parametrize("specs, message", [
    (["nope"], "unknown system 'nope'"),
    (["paper", "paper"], "named twice"),
    (["bad/name=--x"], "use letters, digits"),
    (["bad/name"], "use letters, digits"),
    (["x=--features nonsense"], "system 'x': feature spec 'nonsense'"),
    (["x=--features"], "system 'x': --features needs a value"),
    (["x=--task-lda maybe"], "system 'x': --task-lda takes auto, on, off, not 'maybe'"),
])
def test_resolve_systems_errors(specs, message):
    with pytest.raises(EvaluationError, match=message):
        systems.resolve_systems(specs=specs)
