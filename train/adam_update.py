"""Adam's fused update without ``torch.optim``'s Python around it, on the optimizer's own state.

``torch.optim.Adam(fused=True).step()`` runs one kernel for all parameters,
but every call also opens a profiler range, checks for CUDA-graph capture,
walks the parameter groups and groups the tensors by device: for the two
optimizers of this model, 0.33 of a 1.85 ms training step at batch 64 on 2
CPU cores (an epoch 1.73 -> 1.42 s, docs/decisions.md). :class:`AdamUpdate` calls the same two ops Adam's fused
path calls (``_foreach_add_`` on the step counts, then ``_fused_adam_``) on
the same state tensors, so the weights are bit for bit those of
``optimizer.step()`` (tested), and ``optimizer.state_dict()``, checkpoints
and ``--resume`` are unchanged.

The first update goes through ``optimizer.step()``, which creates the state;
:meth:`AdamUpdate.forget` drops the cached tensors after the optimizer's
state is replaced (``load_state_dict``).
"""

from __future__ import annotations

from typing import Any

import torch


class AdamUpdate:
    """``step()`` and ``zero_grad()`` of one single-group ``torch.optim.Adam(fused=True)``.

    Examples
    --------
    >>> weight = torch.nn.Parameter(torch.ones(3))
    >>> update = AdamUpdate(torch.optim.Adam([weight], lr=0.1, fused=True))
    >>> for _ in range(2):
    ...     update.zero_grad()
    ...     (weight * torch.tensor([1.0, -1.0, 0.0])).sum().backward()
    ...     update.step()
    >>> weight.detach()
    tensor([0.8000, 1.2000, 1.0000])
    """

    def __init__(self, optimizer: torch.optim.Adam) -> None:
        (group,) = optimizer.param_groups  # one group is all ganedge builds
        if not group["fused"] or group["amsgrad"] or group["maximize"] or group["decoupled_weight_decay"]:
            raise ValueError("AdamUpdate takes plain Adam with fused=True (no amsgrad, maximize or AdamW)")
        self.optimizer = optimizer
        self.parameters: list[torch.Tensor] = list(group["params"])
        self._state: tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]] | None = None
        self._hyper: dict[str, Any] = {}

    def zero_grad(self) -> None:
        """Drop the gradients (``set_to_none=True``), as ``optimizer.zero_grad()`` does."""
        for parameter in self.parameters:
            parameter.grad = None

    def step(self) -> None:
        """One Adam update of every parameter from its ``.grad``."""
        if self._state is None:
            self.optimizer.step()  # creates exp_avg, exp_avg_sq and step, then we reuse them
            self._remember_state()
            return
        exp_avgs, exp_avg_sqs, steps = self._state
        grads = [parameter.grad for parameter in self.parameters]
        torch._foreach_add_(steps, 1)
        torch._fused_adam_(self.parameters, grads, exp_avgs, exp_avg_sqs, [], steps, **self._hyper)

    def forget(self) -> None:
        """Call after ``optimizer.load_state_dict``: the next step reads the new state tensors."""
        self._state = None

    def _remember_state(self) -> None:
        states = [self.optimizer.state[parameter] for parameter in self.parameters]
        self._state = ([s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states], [s["step"] for s in states])
        group = self.optimizer.param_groups[0]
        beta1, beta2 = group["betas"]
        self._hyper = dict(
            amsgrad=False, lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"],
            eps=group["eps"], maximize=False, grad_scale=None, found_inf=None,
        )
