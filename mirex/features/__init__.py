"""Feature systems: what a song feature is and how it is computed.

:class:`FeatureSpec` names a feature system, :class:`FeaturePipeline` computes its song features.
``feature_pipeline(spec)`` is the one way to get a pipeline (what
:func:`mirex.extract.extract` runs); ``add_arguments``
declares the ``--features`` and ``--model`` options every command shares.
"""
from mirex.features.pipeline import FeaturePipeline
from mirex.features.spec import DEFAULT_PRESET, PRESETS, FeatureSpec, SpecError

__all__ = ["FeatureSpec", "SpecError", "PRESETS", "DEFAULT_PRESET", "FeaturePipeline", "feature_pipeline", "resolve_spec",
           "add_arguments"]


def resolve_spec(*, features=None, model=None):
    """The spec named by ``--features`` (default: the default preset), on ``--model``'s bundle when given."""
    spec = FeatureSpec.parse(features or DEFAULT_PRESET)
    return spec.with_bundle(model) if model else spec


def feature_pipeline(spec=DEFAULT_PRESET, *, device=None, ivector=None):
    """The extractor of a feature system (a FeatureSpec, a preset name or the text form).

    ``device`` (a torch device) runs the front end and the network in PyTorch
    there. A ``+ivector`` system needs its fitted ``ivector`` system
    (:class:`mirex.ivector.IVectorSystem`, what ``run_train.sh`` keeps in
    SCRATCH); the training extraction, before there is one, constructs its
    :class:`FeaturePipeline` itself.

    Raises
    ------
    SpecError
        For a ``+ivector`` system without its fitted i-vector system.
    """
    spec = FeatureSpec.parse(spec)
    if spec.ivector and ivector is None:
        raise SpecError(f"{spec}: the i-vector system is fitted on a training list, so only run_train.sh and "
                        "run_test.sh compute it")
    return FeaturePipeline(spec, device=device, ivector=ivector)


def add_arguments(parser, *, default=True):
    """Add ``--features SPEC`` and ``--model NAME`` to an argparse parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    default : bool
        Whether leaving the options out means the default preset; if False
        (``run_test.sh``) it means "as the stored classifier was trained".
    """
    shown = f"default: {DEFAULT_PRESET}" if default else "default: as trained"
    parser.add_argument("--features", metavar="SPEC",
                        help=f"feature system: a preset ({', '.join(PRESETS)}) or a spec such as "
                             f"'dcnn:blocks=1-5,pool=max,stats=mean,+mfcc,+ivector' ({shown}; +ivector: "
                             f"the train and test calls only)")
    parser.add_argument("--model", metavar="NAME",
                        help="model bundle name or folder for the network (default: the default bundle)")
