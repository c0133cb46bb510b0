"""The LDA of a bundle: song features of artist data reduced to at most 100 dimensions (SYSTEM.md step 7)."""
from pathlib import Path

import numpy as np

from mirex.errors import DataError
from mirex.log import logger

__all__ = ["MAX_COMPONENTS", "fit_lda", "fit_bundle_lda"]

MAX_COMPONENTS = 100


def fit_lda(features, artists, *, n_components=None):
    """Fit a linear discriminant analysis of song features by artist.

    Parameters
    ----------
    features : np.ndarray, shape (n_songs, dim)
    artists : sequence
        Artist of each song.
    n_components : int, optional
        Default ``min(100, n_artists - 1, dim)``.

    Returns
    -------
    mirex.projection.Projection
        The fitted LDA's projection, as plain arrays.
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from mirex.projection import Projection

    n_artists = len(set(artists))
    if n_artists < 2:
        raise DataError("an LDA needs songs of at least two artists")
    limit = min(MAX_COMPONENTS, n_artists - 1, features.shape[1])
    n_components = limit if n_components is None else min(n_components, limit)
    lda = LinearDiscriminantAnalysis(n_components=n_components).fit(features, np.asarray(artists))
    return Projection.of(lda, n_in=features.shape[1])


def fit_bundle_lda(*, model, artist_list, out=None, n_components=None, n_jobs=None, cache_dir=None, progress=True):
    """Fit (or refit) the LDA of any bundle on the song features of an artist list.

    Song features come from :func:`mirex.extract.extract` with the bundle's
    DCNN (without its old LDA) through the feature cache, so files seen before
    are not decoded again. Every decodable line of the list is used.

    Parameters
    ----------
    model : str
        Bundle name or folder.
    artist_list : str or Path
        Lines ``path<TAB>artist[<TAB>song]``.
    out : str, optional
        Write the result as a new bundle of this name (beside the original)
        instead of replacing the original's LDA.
    n_components : int, optional
    n_jobs : int, optional
        Threads for feature extraction (default: all cores).
    cache_dir : str or Path, optional
        Feature cache (default: the project's ``features/``).
    progress : bool

    Returns
    -------
    mirex.bundle.Bundle
        The bundle written (atomically, with the original weights file).
    """
    from mirex.bundle import load_bundle
    from mirex.bundle_save import replace_lda
    from mirex.cache import FeatureCache
    from mirex.extract import extract
    from mirex.features import FeatureSpec, feature_pipeline
    from mirex.folders import feature_cache_dir
    from mirex.pretrain.splits import read_artist_list

    clips = read_artist_list(artist_list)
    bundle = load_bundle(model)
    result = extract([c.path for c in clips], extractor=feature_pipeline(FeatureSpec(bundle=str(bundle.path))),
                     cache=FeatureCache(cache_dir or feature_cache_dir()), n_jobs=n_jobs, progress=progress)
    for message in result.errors.values():
        logger.warning(message)
    ok = result.ok
    artists = [c.artist for c, good in zip(clips, ok) if good]
    lda = fit_lda(result.features[ok], artists, n_components=n_components)
    info = {"components": lda.n_out, "songs": int(ok.sum()), "artists": len(set(artists)),
            "artist_list": str(Path(artist_list).resolve())}
    return replace_lda(bundle, lda=lda, name=out, info=info)
