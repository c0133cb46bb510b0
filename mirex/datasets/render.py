"""Rendering MIDI with FluidSynth and cutting the audio into clips."""
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from mirex.atomic import atomic_path
from mirex.datasets import scores
from mirex.errors import DataError

__all__ = ["SOUNDFONT", "SAMPLE_RATE", "check_fluidsynth", "render", "write_clips"]

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
#: Sample rate of the rendered clips (Hz).
SAMPLE_RATE = 22050
PEAK = 10 ** (-1 / 20)  # clips are peak-normalised to -1 dBFS
_INSTALL = "sudo apt-get install fluidsynth fluid-soundfont-gm"


class FluidSynthMissing(DataError):
    """FluidSynth or its General MIDI soundfont is not installed."""


def check_fluidsynth(*, soundfont=SOUNDFONT):
    """Raise ``FluidSynthMissing`` unless FluidSynth and ``soundfont`` are installed.

    Parameters
    ----------
    soundfont : str or Path
        The General MIDI soundfont to render with.

    Returns
    -------
    fluidsynth : str
        Path of the ``fluidsynth`` program.
    """
    program = shutil.which("fluidsynth")
    if program is None:
        raise FluidSynthMissing(f"the demo dataset needs the fluidsynth program: run '{_INSTALL}'")
    if not Path(soundfont).is_file():
        raise FluidSynthMissing(f"the demo dataset needs the soundfont {soundfont}: run '{_INSTALL}'")
    return program


def render(midi, *, soundfont=SOUNDFONT, seconds=None):
    """Render a MIDI file written by :func:`~mirex.datasets.scores.write_midi` to mono audio.

    Parameters
    ----------
    midi : str or Path
        The MIDI file.
    soundfont : str or Path
        The General MIDI soundfont.
    seconds : float, optional
        Render only the first ``seconds`` of the music (and the release after them).

    Returns
    -------
    audio : ndarray of float32, shape (n_samples,)
        The mean of FluidSynth's two channels.
    """
    program = check_fluidsynth(soundfont=soundfont)
    with tempfile.TemporaryDirectory(prefix="mirex-render-") as tmp:
        wav = Path(tmp) / "out.wav"
        if seconds is not None:
            scores.truncate_midi(midi, Path(tmp) / "cut.mid", seconds=seconds)
            midi = Path(tmp) / "cut.mid"
        command = [program, "-ni", "-q", "-g", "0.5", "-r", str(SAMPLE_RATE), "-T", "wav",
                   "-F", str(wav), str(soundfont), str(midi)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not wav.is_file():
            raise DataError(f"{midi}: fluidsynth failed: {(done.stderr or done.stdout).strip()[-300:]}")
        audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    if rate != SAMPLE_RATE:
        raise DataError(f"{midi}: fluidsynth wrote {rate} Hz instead of {SAMPLE_RATE} Hz")
    return audio.mean(axis=1)


def write_clips(audio, windows, paths, *, seconds):
    """Cut ``audio`` into clips and write each one as 16-bit mono WAV, atomically.

    Parameters
    ----------
    audio : ndarray, shape (n_samples,)
        Mono audio at :data:`SAMPLE_RATE`.
    windows : list of int
        Clip numbers: clip ``i`` covers ``[i * seconds, (i + 1) * seconds)``.
    paths : list of Path
        One destination per window.
    seconds : float
        Clip length. Each clip is peak-normalised to -1 dBFS; a clip the audio
        does not fill is padded with silence at the end.
    """
    length = round(seconds * SAMPLE_RATE)
    for window, path in zip(windows, paths):
        clip = np.zeros(length, dtype=np.float32)
        part = audio[window * length:(window + 1) * length]
        clip[:len(part)] = part
        peak = float(np.abs(clip).max())
        if peak > 0:
            clip *= PEAK / peak
        with atomic_path(path) as tmp:
            sf.write(tmp, clip, SAMPLE_RATE, subtype="PCM_16", format="WAV")
