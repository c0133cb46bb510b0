"""One pass of the DCNN over a log-mel gives every window's pooled blocks, as the windows one by one do."""
import pytest
import torch

from mirex import sliding
from mirex.bundle import load_bundle
from mirex.nets import frozen_network


@pytest.fixture(scope="module")
def network():
    bundle = load_bundle()
    return frozen_network(arch=bundle.arch, path=bundle.weights_path)


def one_by_one(network, x, *, length, step):
    return network.forward(x.unfold(0, length, step).transpose(1, 2).contiguous())


@pytest.mark.parametrize("length", [128, 129, 150, 300])
@pytest.mark.parametrize("step", [1, 2, 3, 16, 128])
def test_every_window_equals_the_network_on_it(network, length, step):
    x = torch.randn(length + 23 * step + step - 1, 128, generator=torch.Generator().manual_seed(length * step))
    got, expected = network.windows(x, length=length, step=step), one_by_one(network, x, length=length, step=step)
    assert got.shape == expected.shape == (24, 2, sum(network.widths))
    # the values reach ~20; the sums run in another order (float32 rounding)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=5e-5)


def test_windows_are_computed_in_chunks(network, monkeypatch):
    x = torch.randn(700, 128, generator=torch.Generator().manual_seed(0))
    monkeypatch.setattr(sliding, "CHUNK_WINDOWS", 7)  # 286 windows: 40 chunks of 7 and one of 6
    torch.testing.assert_close(network.windows(x, length=129, step=2), one_by_one(network, x, length=129, step=2),
                               rtol=1e-5, atol=5e-5)


def test_one_window_and_none(network):
    x = torch.randn(129, 128, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(network.windows(x, length=129, step=2), one_by_one(network, x, length=129, step=2),
                               rtol=1e-5, atol=5e-5)
    assert network.windows(x[:100], length=129, step=2).shape == (0, 2, sum(network.widths))
