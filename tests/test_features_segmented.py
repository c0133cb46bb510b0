"""Segment rows: one per network segment of a clip, averaging to the song feature."""
import numpy as np
import pytest

from conftest import synth, write_clip

from mirex.extract import cached_features
from mirex.features import SpecError, feature_pipeline
from mirex.features.segmented import MAX_SEGMENTS, cached_segments, segment_support, segments_wanted, spread


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Clips of 1, 6 and 40 s (one, two and thirteen segments), and a file that cannot be decoded."""
    folder = tmp_path_factory.mktemp("segment clips")
    paths = [str(write_clip(folder / f"{kind}.wav", synth(kind, seconds=seconds, seed=i)))
             for i, (kind, seconds) in enumerate([("bass", 1), ("noise", 6), ("clicks", 40)])]
    (folder / "broken.wav").write_bytes(b"RIFF not audio")
    return paths + [str(folder / "broken.wav")]


@pytest.mark.parametrize("spec, device", [("hybrid", None), ("dcnn:blocks=2+4,pool=maxmean,stats=meanstd", None),
                                          ("hybrid", "cpu")])
def test_segment_rows_average_to_the_mean_part_of_the_song_feature(clips, tmp_path, spec, device):
    extractor = feature_pipeline(spec, device=device)
    errors = []
    result = cached_segments(clips, extractor=extractor, cache_dir=tmp_path, warn=errors.append)
    songs = cached_features(clips, extractor=extractor, cache_dir=tmp_path / "songs", warn=lambda message: None)
    assert list(result.ok) == [True, True, True, False] and len(errors) == 1 and "broken.wav" in errors[0]
    np.testing.assert_array_equal(result.features[:3], songs.features[:3])
    assert list(result.counts) == [1, 2, MAX_SEGMENTS, 0]
    rows, owners = result.segments(result.ok)
    assert list(owners) == [0, 1, 1] + [2] * MAX_SEGMENTS and np.isfinite(rows).all()
    network = rows.shape[1] - 80 * extractor.spec.mfcc  # a segment's network part, then the song's timbre
    width = network if extractor.spec.stats == "mean" else 2 * network
    for song in (0, 1):  # every segment has a row: their mean is the song's mean over segments
        mean = rows[owners == song].mean(axis=0, dtype=np.float64)
        np.testing.assert_allclose(mean[:network], songs.features[song, :network], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(mean[network:], songs.features[song, width:])
    capped = rows[owners == 2].mean(axis=0)[:network]  # ten of thirteen segments
    assert not np.allclose(capped, songs.features[2, :network], rtol=1e-5, atol=1e-6)
    again = cached_segments(clips, extractor=extractor, cache_dir=tmp_path, warn=lambda message: None)
    assert again.hits == 3 and np.array_equal(again.segments(again.ok)[0], rows)


def test_which_systems_have_segment_rows():
    assert segment_support(feature_pipeline("hybrid")) is None
    assert "several segment lengths" in segment_support(feature_pipeline("multiscale"))
    assert "without a network" in segment_support(feature_pipeline("mfcc"))
    with pytest.raises(SpecError, match="--segments on"):
        segments_wanted(feature_pipeline("mfcc"), mode="on", n_clips=10)
    assert not segments_wanted(feature_pipeline("mfcc"), mode="auto", n_clips=10)
    assert segments_wanted(feature_pipeline("hybrid"), mode="auto", n_clips=10)
    assert not segments_wanted(feature_pipeline("hybrid"), mode="auto", n_clips=10**6)
    assert segments_wanted(feature_pipeline("hybrid"), mode="on", n_clips=10**6)
    assert not segments_wanted(feature_pipeline("hybrid"), mode="off", n_clips=10)


def test_spread_keeps_evenly_spaced_segments():
    assert list(spread(4)) == [0, 1, 2, 3]
    assert list(spread(13, limit=4)) == [0, 4, 8, 12]


def test_the_artist_lda_applies_to_each_segment_row(clips, tmp_path, monkeypatch):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from mirex.bundle import load_bundle
    from mirex.bundle_save import replace_lda
    from mirex.projection import Projection

    plain = feature_pipeline("hybrid")
    rng = np.random.default_rng(0)
    lda = LinearDiscriminantAnalysis(n_components=2).fit(rng.normal(size=(30, plain.dim)), np.arange(30) % 3)
    monkeypatch.setenv("MIREX_MODELS_DIR", str(tmp_path / "models"))
    bundle = replace_lda(load_bundle(), lda=Projection.of(lda, n_in=plain.dim), name="segments-with-lda")
    extractor = feature_pipeline(f"dcnn:model={bundle.path},blocks=1-5,pool=max,stats=mean,+mfcc,+lda")
    result = cached_segments(clips[:2], extractor=extractor, cache_dir=tmp_path / "c", warn=lambda message: None)
    rows, owners = result.segments(result.ok)
    assert rows.shape == (3, 2) and result.features.shape == (2, 2)
    for song in (0, 1):  # an affine map of the mean is the mean of the mapped rows
        np.testing.assert_allclose(rows[owners == song].mean(axis=0), result.features[song], rtol=1e-4, atol=1e-4)
