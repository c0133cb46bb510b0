"""FeatureSpec: one value that names a feature system, and its text form.

A feature system is the network's blocks that feed the song feature, how
each block's output is pooled over time inside a segment, the segment
length(s), the statistics over a clip's segments, optional timbre statistics
(MFCC and deltas, mean and std), an optional i-vector and whether the
bundle's artist LDA is applied. The text form is what the command line takes::

    dcnn:blocks=1-5,pool=max,stats=mean,+mfcc
    dcnn:model=msd-siamese-1000,blocks=5,pool=maxmean,seg=129+258+516,stats=meanstd,+lda
    dcnn:blocks=1-5,pool=max,stats=mean,+mfcc,+ivector
    mfcc
    ivector
    mfcc+ivector

``blocks`` takes block numbers and ranges joined by ``+`` (``1-3+5``);
``seg`` takes segment lengths in the bundle's front-end frames joined by
``+`` (omitted: the bundle's own segment, 129 frames for the mel DCNN);
``+mfcc`` adds the timbre statistics, ``+ivector`` the clip's i-vector
(:mod:`mirex.ivector`, fitted on the training list by ``run_train.sh``, so
only the train and test calls compute it) and ``+lda`` the bundle's artist
LDA (which takes the network's feature alone: not with ``+ivector``);
``mfcc``, ``ivector`` and ``mfcc+ivector`` are the systems without a
network. A preset name
(:data:`PRESETS`) stands for its spec. :meth:`FeatureSpec.parse` and
``str(spec)`` are each other's inverse.
"""
import re
from dataclasses import dataclass, replace

from mirex.errors import MirexError

__all__ = ["FeatureSpec", "SpecError", "PRESETS", "DEFAULT_PRESET", "POOLS", "STATS"]

POOLS = ("max", "mean", "maxmean")
STATS = ("mean", "meanstd")
MAX_BLOCKS = 32
_BUNDLE = re.compile(r"[^\s,](?:[^,\n\r]*[^\s,])?")


class SpecError(MirexError):
    """A feature spec's text or values are not valid."""


@dataclass(frozen=True)
class FeatureSpec:
    """A feature system (see the module docstring).

    Attributes
    ----------
    bundle : str or None
        Model bundle name or folder (None: the default bundle).
    blocks : tuple of int
        Network blocks whose pooled outputs are concatenated, ascending
        (empty: no network, timbre statistics only).
    pool : {'max', 'mean', 'maxmean'}
        Pooling of a block's output over the time steps of one segment.
    seg : tuple of int
        Segment lengths in front-end frames, ascending (empty: the bundle's own);
        several give a multi-scale feature.
    stats : {'mean', 'meanstd'}
        Statistics of the pooled outputs over a clip's segments.
    mfcc : bool
        Concatenate MFCC(20) and delta means and stds (80-d).
    ivector : bool
        Append the clip's i-vector (its width is the fitted system's).
    lda : bool
        Apply the bundle's artist LDA to the song feature.
    """

    bundle: str | None = None
    blocks: tuple = (5,)
    pool: str = "max"
    seg: tuple = ()
    stats: str = "mean"
    mfcc: bool = False
    ivector: bool = False
    lda: bool = False

    def __post_init__(self):
        object.__setattr__(self, "blocks", tuple(sorted(set(self.blocks))))
        object.__setattr__(self, "seg", tuple(sorted(set(self.seg))))
        if self.bundle is not None and not _BUNDLE.fullmatch(self.bundle):
            raise SpecError(f"bundle {self.bundle!r}: a name or folder without commas, line breaks or "
                            "surrounding spaces")
        if any(not 1 <= b <= MAX_BLOCKS for b in self.blocks):
            raise SpecError(f"blocks must be numbers from 1 to {MAX_BLOCKS}, not {self.blocks}")
        if any(s < 1 for s in self.seg):
            raise SpecError(f"segment lengths must be at least 1 frame, not {self.seg}")
        if self.pool not in POOLS:
            raise SpecError(f"pool must be one of {', '.join(POOLS)}, not {self.pool!r}")
        if self.stats not in STATS:
            raise SpecError(f"stats must be one of {', '.join(STATS)}, not {self.stats!r}")
        if self.ivector and self.lda:
            raise SpecError("+lda takes the network's feature alone: it does not combine with +ivector")
        if not self.blocks:
            if not (self.mfcc or self.ivector):
                raise SpecError("a feature system needs network blocks, +mfcc, +ivector, or some of them")
            if (self.bundle, self.pool, self.seg, self.stats, self.lda) != (None, "max", (), "mean", False):
                raise SpecError(f"the {self} system takes no network options")

    @property
    def uses_network(self):
        """Whether the network computes part of the feature."""
        return bool(self.blocks)

    def with_bundle(self, bundle):
        """The same system on another bundle (no change for the network-free baseline)."""
        return replace(self, bundle=bundle) if self.uses_network else self

    @classmethod
    def parse(cls, text):
        """A spec from its text form or a preset name.

        Raises
        ------
        SpecError
            For unknown keys or values, with the offending part named.
        """
        if isinstance(text, cls):
            return text
        text = str(text).strip()
        if text in PRESETS:
            return PRESETS[text]
        names = text.split("+")
        if set(names) <= set(_WITHOUT_NETWORK) and len(set(names)) == len(names):
            return cls(blocks=(), **{name: True for name in names})
        kind, _, options = text.partition(":")
        if kind != "dcnn":
            raise SpecError(f"feature spec {text!r}: start with 'dcnn:' or name a preset "
                            f"({', '.join(PRESETS)})")
        values = dict.fromkeys(_FLAGS, False)
        for part in filter(None, (p.strip() for p in options.split(","))):
            if part in (f"+{flag}" for flag in _FLAGS):
                values[part[1:]] = True
                continue
            key, eq, value = part.partition("=")
            if not eq or key not in _PARSERS:
                raise SpecError(f"feature spec {text!r}: unknown option {part!r} "
                                f"(options: {', '.join([*(f'{k}=' for k in _PARSERS), *(f'+{f}' for f in _FLAGS)])})")
            try:
                values[_FIELD.get(key, key)] = _PARSERS[key](value)
            except ValueError:
                raise SpecError(f"feature spec {text!r}: bad value in {part!r}") from None
        return cls(**values)

    def __str__(self):
        if not self.uses_network:
            return "+".join(name for name in _WITHOUT_NETWORK if getattr(self, name))
        parts = ([f"model={self.bundle}"] if self.bundle else []) + [
            f"blocks={_format_numbers(self.blocks)}", f"pool={self.pool}"]
        parts += [f"seg={'+'.join(map(str, self.seg))}"] if self.seg else []
        parts += [f"stats={self.stats}"] + [f"+{flag}" for flag in _FLAGS if getattr(self, flag)]
        return "dcnn:" + ",".join(parts)


def _parse_numbers(text):
    """``'1-3+5'`` -> (1, 2, 3, 5)."""
    numbers = []
    for part in text.split("+"):
        low, dash, high = part.partition("-")
        low, high = int(low), int(high) if dash else int(low)
        if high < low:
            raise ValueError(part)
        numbers.extend(range(low, high + 1))
    return tuple(numbers)


def _format_numbers(numbers):
    """(1, 2, 3, 5) -> ``'1-3+5'`` (runs of consecutive numbers as ranges)."""
    runs, start = [], numbers[0]
    for previous, current in zip(numbers, numbers[1:] + (None,)):
        if current != previous + 1:
            runs.append(str(start) if start == previous else f"{start}-{previous}")
            start = current
    return "+".join(runs)


def _segments(text):
    return tuple(int(part) for part in text.split("+"))


def _word(text):
    if not text:
        raise ValueError(text)
    return text


_PARSERS = {"model": _word, "blocks": _parse_numbers, "pool": _word, "seg": _segments, "stats": _word}
_FIELD = {"model": "bundle"}
#: The ``+name`` options, in text order, and the parts of a system without a network.
_FLAGS = ("mfcc", "ivector", "lda")
_WITHOUT_NETWORK = ("mfcc", "ivector")

#: Named feature systems. ``paper`` is the 2017 submission (its artist LDA
#: applies when the bundle has one); the network systems after it aggregate
#: every block; ``ivector`` is the i-vector alone and ``hybrid-ivector`` the
#: hybrid with the i-vector appended (the 2018 artist-recognition hybrid).
PRESETS = {
    "paper": FeatureSpec(blocks=(5,), lda=True),
    "multilevel": FeatureSpec(blocks=(1, 2, 3, 4, 5)),
    "multiscale": FeatureSpec(blocks=(1, 2, 3, 4, 5), seg=(129, 258, 516)),
    "hybrid": FeatureSpec(blocks=(1, 2, 3, 4, 5), mfcc=True),
    "mfcc": FeatureSpec(blocks=(), mfcc=True),
    "ivector": FeatureSpec(blocks=(), ivector=True),
    "hybrid-ivector": FeatureSpec(blocks=(1, 2, 3, 4, 5), mfcc=True, ivector=True),
}

#: The preset the scripts, ``mirex embed`` and the Python API use by default.
DEFAULT_PRESET = "hybrid"
