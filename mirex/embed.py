"""``mirex embed``: song features of a list to one ``.npy``, here or on a Dask cluster.

Without a cluster, :func:`embed` computes the features here with the
project's feature cache (:func:`mirex.extract.cached_features`); with a
:class:`mirex.cluster.Cluster`, on its workers, chunk by chunk into a
resumable folder (:func:`mirex.distributed.extract_distributed`).
"""
from pathlib import Path

import numpy as np

from mirex.atomic import atomic_path
from mirex.distributed import extract_distributed
from mirex.extract import cached_features, spec_features
from mirex.features import DEFAULT_PRESET, feature_pipeline
from mirex.listfile import check_outputs, read_list
from mirex.log import logger

__all__ = ["embed"]


def embed(*, list_file, out, spec=None, n_jobs=None, cache_dir=None, progress=True, cluster=None, device=None):
    """Write song features of every line of ``list_file`` to ``out`` (``.npy``), in list order.

    Rows of files that cannot be decoded are NaN (each reported on stderr).

    Parameters
    ----------
    list_file : str or Path
        A path list or a train list (extra columns are ignored).
    out : str or Path
        The ``.npy`` file, written atomically.
    spec : FeatureSpec or str, optional
        The feature system (default: the default preset).
    n_jobs : int, optional
        Threads (default: all cores; on a cluster: threads per task, default 1).
    cache_dir : str or Path, optional
        Feature cache (default: :func:`mirex.folders.feature_cache_dir`; on a
        cluster, each worker's own).
    progress : bool
    cluster : mirex.cluster.Cluster, optional
        Compute on a Dask cluster by :func:`~mirex.distributed.extract_distributed`, chunk by
        chunk into the resumable folder ``out`` with suffix ``.chunks``.
    device : torch.device, optional
        Run the front end and the network in PyTorch there (default: NumPy
        and CPU threads). Dask workers compute on their own CPUs.

    Returns
    -------
    features : np.ndarray, shape (n_lines, dim)
    """
    from mirex.folders import feature_cache_dir

    entries = read_list(list_file, kind="any", warn=logger.warning)
    check_outputs([out], list_file=list_file, entries=entries)
    extractor = feature_pipeline(spec or DEFAULT_PRESET, device=None if cluster else device)
    paths = [e.path for e in entries]
    if cluster is None:
        result = cached_features(paths, extractor=extractor, cache_dir=cache_dir or feature_cache_dir(), n_jobs=n_jobs,
                                 progress=progress, warn=logger.warning)
    else:
        result = spec_features(extract_distributed(paths, extractor=extractor, cluster=cluster,
                                                   folder=Path(out).with_suffix(".chunks"), cache_dir=cache_dir,
                                                   n_jobs=n_jobs, progress=progress),
                               extractor=extractor, warn=logger.warning)
    values = result.features
    with atomic_path(out, suffix=".npy") as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, values)
    return values
