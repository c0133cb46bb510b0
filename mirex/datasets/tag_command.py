"""The command line shared by the tag-list builders (``composer_tags``, ``games_tags``)."""
import argparse

from mirex.log import run_command

__all__ = ["tag_list_command"]


def tag_list_command(argv, *, module, description, source, default, build):
    """Parse ``--SOURCE`` and ``--out``, call ``build(source, out)`` and print the list it wrote.

    Parameters
    ----------
    argv : list of str or None
    module : str
        The builder's module name under ``mirex.datasets`` (the program name).
    description : str
    source : str
        The option naming the input (``list``, ``table``).
    default : str
        The input's default path.
    build : callable
        ``build(source_path, out_path_or_None)`` returning the written tag list.

    Returns
    -------
    int
        The exit status (2 on a user error, reported in one line).
    """
    parser = argparse.ArgumentParser(prog=f"python -m mirex.datasets.{module}", description=description)
    parser.add_argument(f"--{source}", default=default, help="default: %(default)s")
    parser.add_argument("--out", help=f"default: tags.txt beside the {source}")
    args = parser.parse_args(argv)
    return run_command(lambda: print(build(getattr(args, source), args.out)))
