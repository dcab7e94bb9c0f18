"""AdamUpdate gives torch.optim.Adam's weights bit for bit, and keeps its state the optimizer's own."""

from __future__ import annotations

import copy

import pytest
import torch

from ganedge.train.adam_update import AdamUpdate
from ganedge.train.model import Discriminator, Generator


def _gradients(network: torch.nn.Module, step: int) -> None:
    """Give every parameter a fresh gradient, different each step (a real backward pass)."""
    inputs = torch.randn(16, network.fc1.in_features, generator=torch.Generator().manual_seed(step))
    network(inputs).square().mean().backward()


def _train(network: torch.nn.Module, step_fn, zero_fn, steps: range) -> None:
    for step in steps:
        zero_fn()
        _gradients(network, step)
        step_fn()


def _adam(network: torch.nn.Module) -> torch.optim.Adam:
    return torch.optim.Adam(network.parameters(), lr=5e-4, betas=(0.5, 0.999), fused=True)


@pytest.mark.parametrize("make_network", [Generator, Discriminator])
def test_weights_and_state_equal_torch_adam_bit_for_bit(make_network) -> None:
    torch.manual_seed(0)
    reference = make_network()
    ours = copy.deepcopy(reference)
    reference_adam, our_adam = _adam(reference), _adam(ours)
    update = AdamUpdate(our_adam)
    _train(reference, reference_adam.step, lambda: reference_adam.zero_grad(set_to_none=True), range(25))
    _train(ours, update.step, update.zero_grad, range(25))
    for a, b in zip(reference.parameters(), ours.parameters()):
        assert torch.equal(a, b)
    expected, got = reference_adam.state_dict()["state"], our_adam.state_dict()["state"]
    assert expected.keys() == got.keys()
    for key in expected:
        for name in ("step", "exp_avg", "exp_avg_sq"):
            assert torch.equal(expected[key][name], got[key][name]), (key, name)


def test_after_load_state_dict_and_forget_it_continues_from_the_loaded_state() -> None:
    torch.manual_seed(1)
    straight = Generator()
    resumed = copy.deepcopy(straight)
    straight_adam = _adam(straight)
    straight_update = AdamUpdate(straight_adam)
    _train(straight, straight_update.step, straight_update.zero_grad, range(10))
    saved_weights, saved_optimizer = copy.deepcopy(straight.state_dict()), copy.deepcopy(straight_adam.state_dict())
    _train(straight, straight_update.step, straight_update.zero_grad, range(10, 20))

    resumed_adam = _adam(resumed)
    resumed_update = AdamUpdate(resumed_adam)
    _train(resumed, resumed_update.step, resumed_update.zero_grad, range(3))  # caches state tensors, then replaced
    resumed.load_state_dict(saved_weights)
    resumed_adam.load_state_dict(saved_optimizer)
    resumed_update.forget()
    _train(resumed, resumed_update.step, resumed_update.zero_grad, range(10, 20))
    for a, b in zip(straight.parameters(), resumed.parameters()):
        assert torch.equal(a, b)


def test_forget_moves_the_updates_onto_the_loaded_state_tensors() -> None:
    """load_state_dict makes new state tensors; without forget() the updates would go to the old ones."""
    torch.manual_seed(2)
    network = Generator()
    adam = _adam(network)
    update = AdamUpdate(adam)
    _train(network, update.step, update.zero_grad, range(3))
    adam.load_state_dict(copy.deepcopy(adam.state_dict()))  # new tensors, same values
    update.forget()
    _train(network, update.step, update.zero_grad, range(3, 4))
    assert all(adam.state[p]["step"].item() == 4 for p in update.parameters)


@pytest.mark.parametrize("options", [dict(fused=False), dict(fused=True, amsgrad=True), dict(fused=True, maximize=True)])
def test_other_adam_variants_are_refused(options) -> None:
    with pytest.raises(ValueError, match="fused=True"):
        AdamUpdate(torch.optim.Adam(Generator().parameters(), **options))


def test_zero_grad_drops_the_gradients() -> None:
    network = Generator()
    update = AdamUpdate(_adam(network))
    _gradients(network, 0)
    update.zero_grad()
    assert all(p.grad is None for p in network.parameters())
