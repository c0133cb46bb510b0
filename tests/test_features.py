"""Feature systems: the spec's text form, what each system computes, and the cache they share."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import synth, write_clip

from mirex.audio import load
from mirex.bench.baseline import baseline_timbre
from mirex.cache import FeatureCache
from mirex.extract import extract
from mirex.features import PRESETS, FeatureSpec, SpecError, feature_pipeline, resolve_spec
from mirex.frontends.mel import logmel
from mirex.frontends.segments import segments, standardise
from mirex.nets.dcnn_frozen import FrozenDCNN

bundles = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9_./-]([A-Za-z0-9_./ :=+-]*[A-Za-z0-9_./-])?",
                                             fullmatch=True))
#: The +ivector and +lda flags that combine (the bundle's LDA takes the network's feature alone).
flags = st.sampled_from([{}, {"lda": True}, {"ivector": True}])
network_specs = st.builds(
    lambda flags, **values: FeatureSpec(**values, **flags), flags=flags, bundle=bundles,
    blocks=st.sets(st.integers(1, 32), min_size=1).map(tuple), pool=st.sampled_from(["max", "mean", "maxmean"]),
    seg=st.sets(st.integers(1, 5000), max_size=4).map(tuple), stats=st.sampled_from(["mean", "meanstd"]),
    mfcc=st.booleans())
without_network = st.sampled_from([FeatureSpec(blocks=(), mfcc=True), FeatureSpec(blocks=(), ivector=True),
                                   FeatureSpec(blocks=(), mfcc=True, ivector=True)])


@settings(max_examples=300, deadline=None)
@given(st.one_of(network_specs, without_network))
def test_text_form_round_trips(spec):
    text = str(spec)
    assert FeatureSpec.parse(text) == spec and str(FeatureSpec.parse(text)) == text


def test_presets_and_their_text():
    assert str(PRESETS["paper"]) == "dcnn:blocks=5,pool=max,stats=mean,+lda"
    assert str(PRESETS["multiscale"]) == "dcnn:blocks=1-5,pool=max,seg=129+258+516,stats=mean"
    assert FeatureSpec.parse("hybrid") == FeatureSpec.parse("dcnn:blocks=1-5,+mfcc") == PRESETS["hybrid"]
    assert FeatureSpec.parse("dcnn:blocks=1+2+3+4+5,stats=mean,+mfcc") == PRESETS["hybrid"]
    assert FeatureSpec.parse("dcnn:blocks=2-3+5").blocks == (2, 3, 5)
    assert resolve_spec(features="paper", model="m") == PRESETS["paper"].with_bundle("m")
    assert resolve_spec(features="mfcc", model="m") == PRESETS["mfcc"]
    assert str(PRESETS["ivector"]) == "ivector" and str(FeatureSpec.parse("ivector+mfcc")) == "mfcc+ivector"
    assert str(PRESETS["hybrid-ivector"]) == "dcnn:blocks=1-5,pool=max,stats=mean,+mfcc,+ivector"
    assert PRESETS["hybrid-ivector"] == FeatureSpec.parse("dcnn:blocks=1-5,+ivector,+mfcc")


@pytest.mark.parametrize("text, message", [
    ("vgg:blocks=1", "start with 'dcnn:'"),
    ("dcnn:blocks=0", "from 1 to 32"),
    ("dcnn:blocks=3-1", "bad value"),
    ("dcnn:pool=median", "pool must be one of"),
    ("dcnn:stats=median", "stats must be one of"),
    ("dcnn:seg=abc", "bad value"),
    ("dcnn:depth=3", "unknown option 'depth=3'"),
    ("dcnn:+pca", r"unknown option '\+pca'"),
    ("dcnn:model=", "bad value"),
    ("dcnn:blocks=5,+ivector,+lda", r"\+lda .* does not combine with \+ivector"),
    ("mfcc+mfcc", "start with 'dcnn:'"),
    ("ivector+lda", "start with 'dcnn:'"),
    ("dcnn:+ivector=fusion", "unknown option"),
])
def test_bad_specs_are_named(text, message):
    with pytest.raises(SpecError, match=message):
        FeatureSpec.parse(text)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 13-s clip and its decoded signal."""
    path = write_clip(tmp_path_factory.mktemp("features") / "a.wav", synth("bass", seconds=13, seed=4))
    return str(path), load(path)


def _by_hand(y, *, bundle, blocks, length, pool, stats):
    """The song feature computed step by step from the front end and the frozen network."""
    network = FrozenDCNN.from_file(bundle.path / "dcnn.weights.h5")
    segs = standardise(segments(logmel(y, frontend=bundle.frontend), length=length),
                          frontend=bundle.frontend)
    pooled = network(segs)  # (segments, max|mean, 768)
    edges = np.cumsum([0, 128, 128, 128, 128, 256])
    columns = np.concatenate([np.arange(edges[b - 1], edges[b]) for b in blocks])
    pooled = pooled[:, {"max": [0], "mean": [1], "maxmean": [0, 1]}[pool]][..., columns]
    parts = [pooled.mean(axis=0)] + ([pooled.std(axis=0)] if stats == "meanstd" else [])
    return np.concatenate([p.ravel() for p in parts])


@pytest.mark.parametrize("text", ["paper", "multilevel", "multiscale", "hybrid", "mfcc",
                                  "dcnn:blocks=1+4,pool=maxmean,seg=300,stats=meanstd"])
def test_each_system_computes_what_its_spec_says(clip, text):
    path, y = clip
    extractor = feature_pipeline(text)
    spec = extractor.spec
    got = extractor.features([y])[0]
    assert got.shape == (extractor.dim,)
    expected = [_by_hand(y, bundle=extractor.bundle, blocks=spec.blocks, length=n, pool=spec.pool, stats=spec.stats)
                for n in (spec.seg or (129,))] if spec.uses_network else []
    expected += [baseline_timbre(y)] if spec.mfcc else []
    np.testing.assert_allclose(got, np.concatenate(expected), rtol=1e-4, atol=1e-4)


def test_the_delta_filter_is_scipys_savitzky_golay_derivative():
    from scipy.signal import savgol_coeffs

    from mirex.features.timbre import delta_filter

    np.testing.assert_allclose(delta_filter(), savgol_coeffs(9, 1, deriv=1, use="dot"), rtol=0, atol=1e-15)


def test_systems_share_one_network_pass_per_file_and_segment_length(clip, tmp_path):
    path, _ = clip
    cache = FeatureCache(tmp_path)
    first = extract([path], extractor=feature_pipeline("multilevel"), cache=cache, n_jobs=1)
    assert first.hits == 0 and len(list(tmp_path.rglob("*.npy"))) == 1
    for text in ("paper", "dcnn:blocks=2,pool=mean,stats=meanstd"):  # same pass, other selections
        again = extract([path], extractor=feature_pipeline(text), cache=cache, n_jobs=1)
        assert again.hits == 1
        np.testing.assert_allclose(again.features[0], feature_pipeline(text).features([clip[1]])[0],
                                   rtol=1e-4, atol=1e-5)
    hybrid = extract([path], extractor=feature_pipeline("hybrid"), cache=cache, n_jobs=1)
    assert hybrid.hits == 0 and len(list(tmp_path.rglob("*.npy"))) == 2  # the MFCC pass only
    np.testing.assert_array_equal(hybrid.features[0, :768], first.features[0])
    scales = extract([path], extractor=feature_pipeline("multiscale"), cache=cache, n_jobs=1)
    assert len(list(tmp_path.rglob("*.npy"))) == 4  # 258 and 516 frames are new passes
    np.testing.assert_array_equal(scales.features[0, :768], first.features[0])


def test_a_changed_spec_never_reuses_another_systems_entry(clip, tmp_path, models_root):
    from mirex.bundle_save import save_bundle
    from mirex.frontends.mel import FrontEnd
    from mirex.nets.dcnn import build_feature_model

    path, y = clip
    other = save_bundle(name="other", feature_model=build_feature_model(seed=5, l2=0), frontend=FrontEnd(),
                        source="random init (tests)", root=tmp_path / "models")
    shifted = save_bundle(name="shifted", feature_model=build_feature_model(seed=0, l2=0),
                          frontend=FrontEnd(mean=0.5), source="random init (tests)", root=tmp_path / "models")
    cache = FeatureCache(tmp_path / "cache")
    variants = ["multilevel", f"dcnn:model={other.path},blocks=1-5", f"dcnn:model={shifted.path},blocks=1-5",
                "dcnn:blocks=1-5,seg=200", "dcnn:blocks=1-4", "dcnn:blocks=1-5,pool=mean",
                "dcnn:blocks=1-5,stats=meanstd", "hybrid", "mfcc"]
    seen = []
    for text in variants:
        extractor = feature_pipeline(text)
        cached = extract([path], extractor=extractor, cache=cache, n_jobs=1).features[0]
        np.testing.assert_allclose(cached, extractor.features([y])[0], rtol=1e-4, atol=1e-5)
        assert all(cached.shape != s.shape or not np.allclose(cached, s) for s in seen), text
        seen.append(cached)


def test_specs_the_bundle_cannot_compute_are_user_errors():
    with pytest.raises(SpecError, match="has 5 blocks"):
        feature_pipeline("dcnn:blocks=6")
    with pytest.raises(SpecError, match="at least 128 frames"):
        feature_pipeline("dcnn:seg=64")


def test_the_ivector_frames_come_from_the_timbre_mel_spectrogram_and_the_ivector_from_the_fitted_system(clip):
    from mirex.features import FeaturePipeline, timbre
    from mirex.features.pipeline import IVECTOR_PASS, TIMBRE_PASS
    from mirex.frontends.mel import MelSpectrogram
    from mirex.ivector import MAX_CLIP_FRAMES, IVectorSettings, fit_ivector_system, mfcc_frames

    _, y = clip
    with pytest.raises(SpecError, match="only run_train.sh and run_test.sh"):
        feature_pipeline("mfcc+ivector")
    untrained = FeaturePipeline("mfcc+ivector")
    assert untrained.dim == 80 and list(untrained.passes) == [TIMBRE_PASS, IVECTOR_PASS]
    frames = untrained.prepare([y], list(untrained.passes))[IVECTOR_PASS]
    whole = mfcc_frames(MelSpectrogram(timbre.FRONTEND)(y))
    assert len(whole) > MAX_CLIP_FRAMES // 4 and len(frames) == len(whole)  # a 13-s clip keeps all its frames
    np.testing.assert_allclose(frames, whole, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(untrained.features([y])[0], feature_pipeline("mfcc").features([y])[0])
    system, _ = fit_ivector_system([frames[:300], frames[300:]], settings=IVectorSettings(components=4, rank=3))
    trained = feature_pipeline("mfcc+ivector", ivector=system)
    assert trained.dim == 83 and trained.fingerprint == untrained.fingerprint
    np.testing.assert_allclose(trained.features([y])[0][80:], system.transform([frames])[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(SpecError, match="for a \\+ivector system only"):
        feature_pipeline("mfcc", ivector=system)
