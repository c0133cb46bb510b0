"""The i-vector system: frames, background model, Baum-Welch statistics, total variability, back end."""
import numpy as np
import pytest
import scipy.ndimage
from scipy.stats import multivariate_normal

from mirex.errors import DataError
from mirex.features import timbre
from mirex.frontends.mel import MelSpectrogram
from mirex.ivector import (BackEnd, DiagonalGMM, IVectorSettings, IVectorSystem, baum_welch, evenly, fit_ivector_system, fit_lda,
                           fit_total_variability, fit_ubm, fit_wccn, ivectors, length_normalise, mfcc_frames, objective,
                           statistics)
from mirex.ivector.frames import DOUBLE_DELTA
from mirex.ivector.total_variability import component_squares
from tests.conftest import synth

KINDS = ("bass", "treble", "noise", "clicks")


@pytest.fixture(scope="module")
def mel():
    return MelSpectrogram(timbre.FRONTEND)


def test_frames_are_the_timbre_mfccs_with_savitzky_golay_deltas(mel):
    from scipy.signal import savgol_coeffs

    np.testing.assert_allclose(DOUBLE_DELTA, savgol_coeffs(9, 2, deriv=2, use="dot"), rtol=0, atol=1e-15)
    spectrogram = mel(synth("bass", seconds=2, seed=0))
    frames = mfcc_frames(spectrogram)
    assert frames.shape == (len(spectrogram), 60) and frames.dtype == np.float32
    np.testing.assert_allclose(frames[:, :20], timbre.mfcc(spectrogram).T, rtol=1e-6, atol=1e-4)
    # The timbre statistics are the means and stds of the first 40 columns.
    stats = timbre.timbre_statistics(spectrogram)
    np.testing.assert_allclose(frames[:, :40].mean(axis=0), stats[:40], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(frames[:, :40].std(axis=0), stats[40:], rtol=1e-5, atol=1e-4)
    # Away from the ends, the double delta of a quadratic ramp a t**2 is 2a.
    ramp = np.repeat(np.arange(30.0)[:, None] ** 2 * 0.5, 20, axis=1)
    curvature = scipy.ndimage.correlate1d(ramp, DOUBLE_DELTA, axis=0, mode="nearest")
    np.testing.assert_allclose(curvature[4:-4], 1.0, atol=1e-12)


def test_worked_example_posteriors_statistics_and_ivector():
    """Two components, two dimensions, three frames, one-dimensional total variability: all by hand."""
    ubm = DiagonalGMM(np.array([0.5, 0.5]), np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([[1.0, 4.0], [1.0, 4.0]]))
    frames = np.array([[0.0, 2.0], [2.0, 2.0], [1.0, 2.0]])
    # Step 1, frame by frame: the posteriors. Both components share the second dimension, so only the first
    # matters: frame 1 is e**-2 less likely under component 2 than under 1, frame 2 the reverse, frame 3 even.
    a = 1.0 / (1.0 + np.exp(2.0))
    expected = np.array([[1 - a, a], [a, 1 - a], [0.5, 0.5]])
    gamma, log_likelihood = ubm.posteriors(frames)
    np.testing.assert_allclose(gamma, expected, rtol=1e-12)
    by_hand = [np.log(sum(0.5 * multivariate_normal(m, np.diag(v)).pdf(x) for m, v in zip(ubm.means, ubm.variances)))
               for x in frames]
    np.testing.assert_allclose(log_likelihood, by_hand, rtol=1e-12)
    assert ubm.log_likelihood(frames) == pytest.approx(np.mean(by_hand), rel=1e-12)
    # Step 2: N_c = 1.5 each; F_c = sum_t gamma_tc (x_t - mu_c) / sqrt(var_c).
    n, f = baum_welch(ubm, frames)
    np.testing.assert_allclose(n, [1.5, 1.5], rtol=1e-12)
    np.testing.assert_allclose(f, [[2 * a + 0.5, 1.5], [-2 * a - 0.5, 1.5]], rtol=1e-12)
    # Step 3: T_1 = (1, 0)', T_2 = (0, 1)' (whitened), R = 1. L = 1 + 1.5 + 1.5 = 4, b = T'F = 2a + 2, w = b / L.
    matrix = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])
    np.testing.assert_allclose(ivectors(matrix, n[None], f[None]), [[(2 * a + 2) / 4]], rtol=1e-12)
    assert objective(matrix, n[None], f[None]) == pytest.approx(0.5 * ((2 * a + 2) ** 2 / 4 - np.log(4)), rel=1e-12)


def test_objective_and_ivector_equal_the_direct_gaussian_computation():
    """With hard alignments the stacked whitened frames are N(T w, I): the objective is the log-likelihood ratio
    against T = 0, and the i-vector the posterior mean of w."""
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((3, 2, 2))
    component = rng.integers(0, 3, 7)
    frames = rng.standard_normal((7, 2)) * 2
    n = np.bincount(component, minlength=3).astype(float)[None]
    f = np.stack([frames[component == c].sum(axis=0) for c in range(3)])[None]
    stacked = np.concatenate([matrix[c] for c in component])
    x = frames.ravel()
    ratio = (multivariate_normal(np.zeros(14), np.eye(14) + stacked @ stacked.T).logpdf(x)
             - multivariate_normal(np.zeros(14), np.eye(14)).logpdf(x))
    assert objective(matrix, n, f) == pytest.approx(ratio, rel=1e-10)
    posterior_mean = np.linalg.solve(np.eye(2) + stacked.T @ stacked, stacked.T @ x)
    np.testing.assert_allclose(ivectors(matrix, n, f)[0], posterior_mean, rtol=1e-10)


def test_components_without_frames_are_skipped_exactly():
    """A clip whose frames all fall in a few components (the others' posteriors underflow to 0) gives the same
    statistics and i-vector as the sums over every component; so does the float32 path with kept squares."""
    rng = np.random.default_rng(1)
    means = rng.standard_normal((8, 3)) * 100
    ubm = DiagonalGMM(np.full(8, 1 / 8), means, np.ones((8, 3)))
    frames = means[[0, 0, 3]] + rng.standard_normal((3, 3)) * 0.1
    n, f = baum_welch(ubm, frames)
    gamma, _ = ubm.posteriors(frames)
    assert (n == 0).sum() >= 5
    np.testing.assert_allclose(n, gamma.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(f, np.einsum("tc,tcd->cd", gamma, frames[:, None, :] - means[None]), rtol=1e-9,
                               atol=1e-12)
    matrix = rng.standard_normal((8, 3, 4))
    other = statistics(ubm, [means + rng.standard_normal((8, 3))])  # a clip in every component: nothing skipped
    alone = ivectors(matrix, n[None], f[None])
    together = ivectors(matrix, np.vstack([n[None], other[0]]), np.vstack([f[None], other[1]]))
    np.testing.assert_allclose(alone[0], together[0], rtol=1e-10)
    single = matrix.astype(np.float32)
    np.testing.assert_allclose(ivectors(single, n[None], f[None], squares=component_squares(single)), alone,
                               rtol=1e-4)


def blobs(seed):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((5, 3)) * 3
    return np.concatenate([c + rng.standard_normal((300, 3)) * rng.uniform(0.3, 1.5, 3) for c in centres])


def test_ubm_em_raises_the_likelihood_every_iteration():
    history = []
    x = blobs(0)
    ubm = fit_ubm(x, n_components=5, n_iter=15, history=history, seed=1)
    assert len(history) == 16 and np.all(np.diff(history) >= -1e-10)
    assert history[-1] > history[0] + 0.1
    assert ubm.weights.sum() == pytest.approx(1.0) and np.all(ubm.variances > 0)
    assert ubm.log_likelihood(x) == pytest.approx(history[-1])
    with pytest.raises(DataError):
        fit_ubm(np.zeros((0, 3)))


def test_total_variability_em_raises_the_likelihood_every_iteration():
    rng = np.random.default_rng(0)
    ubm = fit_ubm(blobs(0), n_components=4, n_iter=5)
    # Clips whose frames are shifted along a few hidden directions: what the total variability models.
    shifts = rng.standard_normal((40, 2)) @ rng.standard_normal((2, 3))
    clips = [blobs(seed)[rng.choice(1500, 200)] + shift for seed, shift in enumerate(shifts)]
    n, f = statistics(ubm, clips)
    assert n.shape == (40, 4) and f.shape == (40, 4, 3)
    history = []
    matrix = fit_total_variability(n, f, rank=3, n_iter=8, history=history)
    assert matrix.shape == (4, 3, 3) and len(history) == 9
    assert np.all(np.diff(history) > 0) and history[-1] > history[0] + 10
    # The training i-vectors end near their N(0, I) prior's second moment.
    w = ivectors(matrix, n, f)
    assert np.abs(np.diag(w.T @ w / len(w)) - 1).max() < 0.5


def test_length_normalisation():
    x = np.array([[3.0, 4.0], [1.0, 1.0], [-2.0, 0.0]])
    unit = length_normalise(x)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0)
    np.testing.assert_allclose(unit[0], [0.6, 0.8])
    centred = length_normalise(x, mean=np.array([1.0, 1.0]))  # rows (2, 3), (0, 0), (-3, -1) scaled
    np.testing.assert_allclose(centred, [[2 / np.sqrt(13), 3 / np.sqrt(13)], [0.0, 0.0],
                                         [-3 / np.sqrt(10), -1 / np.sqrt(10)]])


def test_lda_finds_the_separating_direction_and_wccn_whitens_the_classes():
    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b", "c"], 200)
    # Classes apart along the first axis only, with large within-class spread along the second.
    x = rng.standard_normal((600, 3)) * [0.5, 5.0, 1.0] + np.repeat([[-3, 0, 0], [0, 0, 0], [3, 0, 0]], 200, axis=0)
    lda = fit_lda(x, labels)
    assert lda.shape == (3, 2)
    direction = lda[:, 0] / np.linalg.norm(lda[:, 0])
    assert abs(direction[0]) > 0.99
    for ridge, tolerance in ((0.0, 1e-10), (1e-3, 0.05)):  # the default ridge only shrinks it a little
        projected = x @ fit_wccn(x, labels, ridge=ridge)
        within = np.mean([np.cov(projected[labels == c].T, bias=True) for c in "abc"], axis=0)
        np.testing.assert_allclose(within, np.eye(3), atol=tolerance)
    with pytest.raises(DataError):
        fit_lda(x, ["a"] * 600)


def clips_of(mel, seeds):
    return [mfcc_frames(mel(synth(kind, seconds=2, seed=s))) for kind in KINDS for s in seeds], np.repeat(KINDS, len(seeds))


def test_ivectors_separate_clearly_different_sounds_and_the_system_is_plain_arrays(mel):
    train, train_labels = clips_of(mel, range(8))
    test, test_labels = clips_of(mel, range(100, 106))
    system, training = fit_ivector_system(train, settings=IVectorSettings(components=8, rank=8))
    x, z = system.transform(train), system.transform(test)
    np.testing.assert_allclose(training, x, rtol=0, atol=1e-4)  # transform: float32 products
    assert x.shape == (32, 8) and system.dim == 8
    similarity = z @ x.T  # cosine: the i-vectors are length-normalised
    nearest = train_labels[similarity.argmax(axis=1)]
    assert (nearest == test_labels).mean() >= 0.9
    for kind in KINDS:  # each kind's held-out clips are closer on average to their own kind than to any other
        rows = similarity[test_labels == kind]
        own = rows[:, train_labels == kind].mean()
        assert all(own > rows[:, train_labels == other].mean() + 0.05 for other in KINDS if other != kind)
    arrays = system.arrays()
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    np.testing.assert_array_equal(IVectorSystem.from_arrays(arrays).transform(test), z)
    assert set(arrays) == {"ubm_weights", "ubm_means", "ubm_variances", "matrix", "mean"}  # nothing saw a label
    back_end = BackEnd(width=8).fit(np.hstack([np.ones((32, 2)), x]), train_labels)
    projected = back_end.transform(np.hstack([np.ones((6, 2)), z[:6]]))
    assert projected.shape == (6, 2 + 3)  # the columns before the i-vector pass; the LDA keeps classes - 1
    np.testing.assert_array_equal(projected[:, :2], 1.0)
    np.testing.assert_allclose(projected[:, 2:], z[:6] @ fit_lda(x, train_labels) @ fit_wccn(
        x @ fit_lda(x, train_labels), train_labels), rtol=1e-5, atol=1e-5)


def test_a_clip_keeps_an_even_sample_of_at_most_max_clip_frames():
    frames = np.arange(10.0)[:, None]
    assert evenly(frames, limit=20) is frames
    np.testing.assert_array_equal(evenly(frames, limit=4)[:, 0], [0, 3, 6, 9])


def test_the_default_rank_is_a_quarter_of_the_training_clips_at_most_200():
    assert [IVectorSettings().rank_for(n) for n in (3, 215, 800, 10_000)] == [2, 53, 200, 200]
    assert IVectorSettings(rank=8).rank_for(10_000) == 8
    with pytest.raises(ValueError):
        IVectorSettings(rank=0)
