"""Write ``torch_schedules.json``: PyTorch's cosine learning rates, as data.

Run once, in an environment with PyTorch (never a dependency of skcosine or of
its tests)::

    pip install torch==2.13.0
    python tests/reference/make_torch_reference.py

Each case records ``optimizer.param_groups[0]["lr"]`` of ``torch.optim.SGD``
driven by

* ``cosine_annealing``: ``CosineAnnealingLR(T_max, eta_min)`` stepped with
  ``step()`` (epoch 0 is the rate before the first step), up to epoch
  ``2 * T_max + 3`` (PyTorch's rate rises again after ``T_max``);
* ``cosine_annealing_fractional``: its closed form ``_get_closed_form_lr()``
  with ``last_epoch`` set to fractional epochs;
* ``warm_restarts``: ``CosineAnnealingWarmRestarts(T_0, T_mult, eta_min)``
  stepped with ``step()``;
* ``warm_restarts_fractional``: the same scheduler, built per case, stepped
  with ``step(epoch)`` at the listed epochs in order, the rate read after
  each call.

JSON writes floats with ``repr``, so the doubles round-trip exactly.
"""

import json
import warnings
from pathlib import Path

OUTPUT = Path(__file__).with_name("torch_schedules.json")

COSINE = [  # (lr_initial, lr_min, T_max)
    (0.1, 0.001, 10),
    (0.1, 0.0, 10),
    (1.0, 0.0, 1),
    (0.05, 0.01, 7),
    (0.3, 0.0, 50),
    (0.001, 1e-05, 3),
]
COSINE_FRACTIONAL = [(0.1, 0.001, 10), (0.1, 0.0, 10)]
FRACTIONAL_EPOCHS = [0, 0.25, 0.5, 1.5, 2.75, 3.3, 5, 7.9, 9.99, 10]
RESTARTS = [  # (lr_initial, lr_min, T_0, T_mult, epochs)
    (0.1, 0.001, 10, 1, 61),
    (0.1, 0.0, 10, 2, 61),
    (0.1, 0.01, 5, 3, 61),
    (1.0, 0.0, 1, 2, 41),
    (0.5, 0.05, 3, 1, 61),
    (0.2, 0.0, 2, 4, 61),
]
RESTART_EPOCHS = [
    0, 0.5, 1.25, 2.999, 3, 3.5, 7.1, 9.99, 10, 10.5,
    14.9, 15, 21.7, 29.999, 30, 31.2, 45.5, 69.9, 70, 71.3,
]  # fmt: skip


def optimizer(torch, lr):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def rate(opt):
    return opt.param_groups[0]["lr"]


def stepped(opt, scheduler, n_epochs):
    rates = [rate(opt)]
    for _ in range(n_epochs - 1):
        opt.step()
        scheduler.step()
        rates.append(rate(opt))
    return rates


def cosine_cases(torch):
    cases = []
    for lr, lr_min, t_max in COSINE:
        opt = optimizer(torch, lr)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, t_max, lr_min)
        n = 2 * t_max + 4
        cases.append(
            _case(lr, lr_min, list(range(n)), stepped(opt, scheduler, n), T_max=t_max)
        )
    return cases


def cosine_fractional_cases(torch):
    cases = []
    for lr, lr_min, t_max in COSINE_FRACTIONAL:
        opt = optimizer(torch, lr)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, t_max, lr_min)
        rates = []
        for epoch in FRACTIONAL_EPOCHS:
            scheduler.last_epoch = epoch
            rates.append(scheduler._get_closed_form_lr()[0])
        cases.append(_case(lr, lr_min, FRACTIONAL_EPOCHS, rates, T_max=t_max))
    return cases


def restart_cases(torch, fractional):
    cases = []
    for lr, lr_min, t_0, t_mult, n in RESTARTS:
        opt = optimizer(torch, lr)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
            opt, t_0, t_mult, lr_min
        )
        if fractional:
            epochs, rates = RESTART_EPOCHS, []
            for epoch in epochs:
                opt.step()
                scheduler.step(epoch)
                rates.append(rate(opt))
        else:
            epochs, rates = list(range(n)), stepped(opt, scheduler, n)
        cases.append(_case(lr, lr_min, epochs, rates, T_0=t_0, T_mult=t_mult))
    return cases


def _case(lr, lr_min, epochs, rates, **params):
    return {"lr_initial": lr, "lr_min": lr_min, **params, "epochs": epochs,
            "lrs": [float(r) for r in rates]}  # fmt: skip


def main():
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # step(epoch) is deprecated in PyTorch
        data = {
            "torch_version": torch.__version__,
            "cosine_annealing": cosine_cases(torch),
            "cosine_annealing_fractional": cosine_fractional_cases(torch),
            "warm_restarts": restart_cases(torch, fractional=False),
            "warm_restarts_fractional": restart_cases(torch, fractional=True),
        }
    OUTPUT.write_text(compact_json(data), encoding="utf-8")
    print(f"wrote {OUTPUT}")


def compact_json(data):
    """JSON with one case per line: readable diffs, a few hundred lines."""
    parts = []
    for key, value in data.items():
        if isinstance(value, list):
            cases = ",\n  ".join(json.dumps(case) for case in value)
            parts.append(f" {json.dumps(key)}: [\n  {cases}\n ]")
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


if __name__ == "__main__":
    main()
