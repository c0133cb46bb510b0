"""Training the networks (artist, Siamese, tags, joint) and fitting a bundle's LDA on artist data.

Modules: :mod:`~mirex.pretrain.splits` (artist lists, song-level splits),
:mod:`~mirex.pretrain.tasks` (list formats, targets, heads and losses of each task),
:mod:`~mirex.pretrain.melcache` (input cache: log-mels or waveforms, memory-mapped packs),
:mod:`~mirex.pretrain.inputs` (a run's splits, cache and targets),
:mod:`~mirex.pretrain.batches` (training and validation batches),
:mod:`~mirex.pretrain.checkpoint` (resumable state, early stopping),
:mod:`~mirex.pretrain.evaluate` (held-out scores), :mod:`~mirex.pretrain.report`,
:mod:`~mirex.pretrain.lda`, :mod:`~mirex.pretrain.settings` (a run's settings and run.json) and
:mod:`~mirex.pretrain.trainer` (the ``mirex pretrain`` run).
"""
from mirex.pretrain.lda import fit_bundle_lda, fit_lda
from mirex.pretrain.melcache import build_mel_cache
from mirex.pretrain.trainer import pretrain

__all__ = ["pretrain", "fit_bundle_lda", "fit_lda", "build_mel_cache"]
