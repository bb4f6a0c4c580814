"""Cosine schedules: the formula, clamping, warmup, restarts, PyTorch parity."""

import json
import math
import pickle
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from skcosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from skcosine._schedules import MAX_COUNT

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "torch_schedules.json").read_text()
)
"""PyTorch's rates (``tests/reference/make_torch_reference.py`` wrote them)."""


def case_id(case):
    return ",".join(f"{k}={v}" for k, v in case.items() if k not in ("epochs", "lrs"))


def closed_form(lr_initial, lr_min, t_cur, t_i):
    return lr_min + 0.5 * (lr_initial - lr_min) * (1 + np.cos(np.pi * t_cur / t_i))


def test_worked_example():
    schedule = CosineAnnealingLR(lr_initial=0.1, lr_min=0.001, T_max=10)
    assert schedule(0) == pytest.approx(0.1, rel=1e-12)
    assert schedule(5) == pytest.approx(0.0505, rel=1e-12)
    assert schedule(10) == pytest.approx(0.001, rel=1e-12)


def test_epochs_are_clamped_on_both_sides():
    schedule = CosineAnnealingLR(lr_initial=0.1, lr_min=0.001, T_max=10)
    assert schedule(-5) == schedule(0) == 0.1
    assert schedule(11) == schedule(1e9) == schedule(10)


@pytest.mark.parametrize(
    "schedule",
    [
        CosineAnnealingLR(lr_initial=0.3, lr_min=0.01, T_max=7, warmup_epochs=2),
        CosineAnnealingWarmRestarts(lr_initial=0.3, T_0=3, T_mult=2, warmup_epochs=1),
    ],
)
def test_scalar_and_array_calls_agree(schedule):
    epochs = np.linspace(-2, 40, 211).reshape(211, 1)
    values = schedule(epochs)
    assert values.shape == epochs.shape and values.dtype == np.float64
    scalars = [schedule(float(e)) for e in epochs.ravel()]
    assert all(isinstance(v, float) for v in scalars)
    assert_array_equal(values.ravel(), scalars)
    assert isinstance(schedule(np.int64(3)), float)
    assert schedule([]).shape == (0,)


def test_matches_closed_form_over_a_whole_array():
    schedule = CosineAnnealingLR(lr_initial=0.2, lr_min=0.02, T_max=13)
    epochs = np.linspace(0, 13, 1001)
    assert_allclose(schedule(epochs), closed_form(0.2, 0.02, epochs, 13), rtol=1e-15)


@pytest.mark.parametrize("case", REFERENCE["cosine_annealing"], ids=case_id)
def test_cosine_annealing_matches_pytorch_inside_t_max(case):
    schedule = CosineAnnealingLR(
        lr_initial=case["lr_initial"], lr_min=case["lr_min"], T_max=case["T_max"]
    )
    epochs = np.array(case["epochs"])
    expected = np.array(case["lrs"])
    inside = epochs <= case["T_max"]
    assert_allclose(schedule(epochs[inside]), expected[inside], rtol=1e-12)
    # Past T_max PyTorch's rate rises again; ours holds lr_min (documented).
    past = epochs > case["T_max"]
    assert np.any(expected[past] > case["lr_min"])
    assert_array_equal(schedule(epochs[past]), case["lr_min"])


@pytest.mark.parametrize("case", REFERENCE["cosine_annealing_fractional"], ids=case_id)
def test_cosine_annealing_matches_pytorch_at_fractional_epochs(case):
    schedule = CosineAnnealingLR(
        lr_initial=case["lr_initial"], lr_min=case["lr_min"], T_max=case["T_max"]
    )
    assert_allclose(schedule(case["epochs"]), case["lrs"], rtol=1e-12)


@pytest.mark.parametrize(
    "case",
    REFERENCE["warm_restarts"] + REFERENCE["warm_restarts_fractional"],
    ids=case_id,
)
def test_warm_restarts_match_pytorch(case):
    schedule = CosineAnnealingWarmRestarts(
        lr_initial=case["lr_initial"],
        lr_min=case["lr_min"],
        T_0=case["T_0"],
        T_mult=case["T_mult"],
    )
    assert_allclose(schedule(case["epochs"]), case["lrs"], rtol=1e-12)


def test_restart_points_give_lr_initial_for_large_t_mult():
    # log(1000, 10) < 3 in floating point; the cycle index is corrected.
    schedule = CosineAnnealingWarmRestarts(lr_initial=0.5, T_0=10, T_mult=10)
    starts = [0, 10, 110, 1110, 11110]
    assert_array_equal(schedule(starts), 0.5)
    assert schedule(1109.999) < 1e-6


def test_warmup_is_linear_and_continuous():
    schedule = CosineAnnealingLR(lr_initial=1.0, lr_min=0.2, T_max=4, warmup_epochs=3)
    assert_allclose(schedule([0, 1, 2]), [0.4, 0.6, 0.8])
    assert schedule(3) == 1.0  # the cosine phase starts at lr_initial
    assert schedule(3 - 1e-9) == pytest.approx(1.0, abs=1e-9)
    # T_max counts the cosine phase only: it ends warmup + T_max epochs in.
    assert schedule(7) == pytest.approx(0.2)
    assert schedule(6) > 0.2


def test_warmup_never_trains_at_rate_zero():
    schedule = CosineAnnealingLR(lr_initial=0.1, T_max=5, warmup_epochs=4)
    assert schedule(0) == pytest.approx(0.02)


def test_warm_restarts_with_warmup_delay_the_cycles():
    plain = CosineAnnealingWarmRestarts(lr_initial=0.1, T_0=3, T_mult=2)
    warm = CosineAnnealingWarmRestarts(lr_initial=0.1, T_0=3, T_mult=2, warmup_epochs=5)
    epochs = np.arange(0, 30, 0.5)
    assert_array_equal(warm(epochs + 5), plain(epochs))


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(lr_initial=0.1, T_max=0), "'T_max' parameter"),
        (dict(lr_initial=0.1, T_max=-3), "Got -3"),
        (dict(lr_initial=0.1, T_max=2.5), "Got 2.5"),
        (dict(lr_initial=0.0, T_max=5), "'lr_initial' parameter"),
        (dict(lr_initial=0.1, T_max=5, lr_min=-0.1), "'lr_min' parameter"),
        (dict(lr_initial=0.1, T_max=5, lr_min=np.nan), "Got nan"),
        (dict(lr_initial=0.1, T_max=5, lr_min=0.2), "lr_min=0.2 must be <= "),
        (dict(lr_initial=0.1, T_max=5, warmup_epochs=-1), "'warmup_epochs'"),
    ],
)
def test_invalid_cosine_annealing_parameters(params, message):
    schedule = CosineAnnealingLR(**params)  # construction never validates
    with pytest.raises(ValueError, match=message):
        schedule(1)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(T_0=0), "'T_0' parameter"),
        (dict(T_0=1.5), "Got 1.5"),
        (dict(T_0=2, T_mult=0), "'T_mult' parameter"),
        (dict(T_0=2, T_mult=1.5), "Got 1.5"),
    ],
)
def test_invalid_warm_restart_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        CosineAnnealingWarmRestarts(lr_initial=0.1, **params)(1)


SCHEDULES = [
    CosineAnnealingLR(lr_initial=0.1, T_max=5),
    CosineAnnealingWarmRestarts(lr_initial=0.1, T_0=5),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize(
    "epoch, message",
    [
        (np.nan, "epoch must be finite, got nan"),
        ([1.0, np.nan], "epoch must be finite"),
        (np.inf, "epoch must be finite, got inf"),
        (-np.inf, "epoch must be finite"),
        ([0, np.inf], "epoch must be finite"),
        ("three", "epoch must be a real number .* got 'three'"),
        ("3", "epoch must be a real number .* got '3'"),
        (["3"], r"epoch must be a real number .* got \['3'\]"),
        ([1, "3"], "epoch must be a real number"),
        (True, "epoch must be a real number .* got True"),
        (None, "epoch must be a real number .* got None"),
        (1 + 2j, "epoch must be a real number"),
        ([[0, 1], [2]], "epoch must be a real number"),
    ],
)
def test_an_epoch_is_a_finite_real_number(schedule, epoch, message):
    """A string that reads as a number, an infinity and NaN are refused by both
    the rate and the segments, in every schedule."""
    with pytest.raises(ValueError, match=message):
        schedule(epoch)
    with pytest.raises(ValueError, match=message):
        schedule.segments(epoch)


@pytest.mark.parametrize("epoch", [3, 3.5, np.float32(2.5), Fraction(7, 2), [0, 1.5]])
def test_real_epochs_of_any_type_are_accepted(epoch):
    schedule = CosineAnnealingLR(lr_initial=0.1, T_max=5)
    assert_array_equal(schedule(epoch), schedule(np.asarray(epoch, dtype=float)))


@pytest.mark.parametrize(
    "schedule",
    [
        CosineAnnealingLR(lr_initial=0.1, lr_min=0.001, T_max=10),
        CosineAnnealingWarmRestarts(lr_initial=0.1, T_0=4, T_mult=3),
    ],
)
def test_clone_pickle_repr_and_params(schedule):
    epochs = np.arange(50)
    assert_array_equal(clone(schedule)(epochs), schedule(epochs))
    assert_array_equal(pickle.loads(pickle.dumps(schedule))(epochs), schedule(epochs))
    assert type(schedule).__name__ + "(" in repr(schedule)
    changed = clone(schedule).set_params(lr_initial=0.2)
    assert changed.get_params()["lr_initial"] == 0.2
    assert schedule.get_params()["lr_initial"] == 0.1


# --- properties that hold for every valid schedule ---------------------------

lr_pairs = st.tuples(st.floats(1e-8, 10.0), st.floats(0.0, 1.0)).map(
    lambda p: (p[0], p[0] * p[1])
)
lengths = st.integers(1, 500)
warmups = st.integers(0, 20)
epoch_lists = st.lists(st.floats(-100.0, 1e5), min_size=1, max_size=50)


@given(lr_pairs, lengths, warmups, epoch_lists)
def test_rates_stay_within_bounds(lrs, T_max, warmup, epochs):
    lr_initial, lr_min = lrs
    for schedule in (
        CosineAnnealingLR(
            lr_initial=lr_initial, lr_min=lr_min, T_max=T_max, warmup_epochs=warmup
        ),
        CosineAnnealingWarmRestarts(
            lr_initial=lr_initial, lr_min=lr_min, T_0=T_max, T_mult=2
        ),
    ):
        values = schedule(epochs)
        tol = 1e-12 * lr_initial
        assert np.all(values >= lr_min - tol) and np.all(values <= lr_initial + tol)


@given(lr_pairs, lengths, warmups)
def test_cosine_phase_is_non_increasing(lrs, T_max, warmup):
    lr_initial, lr_min = lrs
    schedule = CosineAnnealingLR(
        lr_initial=lr_initial, lr_min=lr_min, T_max=T_max, warmup_epochs=warmup
    )
    values = schedule(warmup + np.linspace(0, T_max + 5, 300))
    assert np.all(np.diff(values) <= 1e-15 * lr_initial)
    if warmup:
        assert np.all(np.diff(schedule(np.linspace(0, warmup, 50))) >= 0)


@given(lr_pairs, st.integers(1, 30), st.integers(1, 4), st.integers(0, 6))
def test_every_cycle_restarts_at_lr_initial(lrs, T_0, T_mult, n_cycles):
    lr_initial, lr_min = lrs
    schedule = CosineAnnealingWarmRestarts(
        lr_initial=lr_initial, lr_min=lr_min, T_0=T_0, T_mult=T_mult
    )
    lengths = T_0 * T_mult ** np.arange(n_cycles + 1)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    assert_allclose(schedule(starts), lr_initial, rtol=1e-12)
    ends = starts[1:] - 1e-7 * lengths
    assert np.all(schedule(ends) <= lr_min + 1e-9 * (lr_initial - lr_min) + 1e-300)


@given(lr_pairs, lengths, warmups, epoch_lists)
def test_vector_equals_scalar(lrs, T_max, warmup, epochs):
    lr_initial, lr_min = lrs
    schedule = CosineAnnealingLR(
        lr_initial=lr_initial, lr_min=lr_min, T_max=T_max, warmup_epochs=warmup
    )
    assert_array_equal(schedule(epochs), [schedule(e) for e in epochs])


@given(lr_pairs, lengths, st.integers(1, 20))
def test_warmup_meets_the_cosine_continuously(lrs, T_max, warmup):
    lr_initial, lr_min = lrs
    schedule = CosineAnnealingLR(
        lr_initial=lr_initial, lr_min=lr_min, T_max=T_max, warmup_epochs=warmup
    )
    before = schedule(warmup - 1e-9)
    assert schedule(warmup) == lr_initial
    assert abs(before - lr_initial) <= 1e-8 * lr_initial


def exact_rate(lr_initial, lr_min, T_0, T_mult, warmup, epoch):
    """The warm-restart rate at ``epoch`` with the cycle position computed in
    exact rational arithmetic (the cycle starts are integers, the epoch a
    binary fraction): the reference at epochs PyTorch's formula cannot reach."""
    span = lr_initial - lr_min
    epoch = Fraction(max(epoch, 0.0))
    if epoch < warmup:
        return lr_min + span * float((epoch + 1) / (warmup + 1))
    position = epoch - warmup
    if T_mult == 1:
        ratio = (position % T_0) / T_0
    else:
        cycle, start, length = 0, 0, T_0  # walk the cycles: at most ~1100 of them
        while start + length <= position:
            cycle, start, length = cycle + 1, start + length, length * T_mult
        ratio = (position - start) / length
    return lr_min + 0.5 * span * (1.0 + math.cos(math.pi * float(ratio)))


every_float = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    lr_pairs,
    st.one_of(st.integers(1, 12), st.integers(1, MAX_COUNT)),
    st.one_of(st.integers(1, 5), st.integers(1, MAX_COUNT)),
    st.one_of(st.just(0), st.integers(0, MAX_COUNT)),
    st.lists(every_float, min_size=1, max_size=5),
)
# NumPy 1.26's scalar cos differed from its vectorized one in the last bit here
@example((1.0, 0.0), 236220, 14591961, 0, [289881124038.0])
def test_warm_restarts_are_right_at_every_finite_epoch(
    lrs, T_0, T_mult, warmup, epochs
):
    """Subnormal, huge (1.7e308) and fractional epochs alike: a finite rate in
    ``[lr_min, lr_initial]``, the exact one, as an array and as scalars."""
    lr_initial, lr_min = lrs
    schedule = CosineAnnealingWarmRestarts(
        lr_initial=lr_initial,
        lr_min=lr_min,
        T_0=T_0,
        T_mult=T_mult,
        warmup_epochs=warmup,
    )
    values = schedule(epochs)
    assert np.all(np.isfinite(values))
    tol = 1e-12 * lr_initial
    assert np.all(values >= lr_min - tol) and np.all(values <= lr_initial + tol)
    expected = [exact_rate(lr_initial, lr_min, T_0, T_mult, warmup, e) for e in epochs]
    assert_allclose(values, expected, rtol=0, atol=tol)
    assert_array_equal(values, [schedule(e) for e in epochs])
    table = schedule.segments(epochs)
    assert np.all(np.isfinite(table))


@pytest.mark.parametrize(
    "T_0, T_mult, epoch",
    [(5, 3, 1.7e308), (5, 3, 1e308), (1, 2, np.finfo(float).max), (5, 2**53, 1e300)],
)
def test_warm_restarts_at_huge_epochs(T_0, T_mult, epoch):
    schedule = CosineAnnealingWarmRestarts(lr_initial=0.1, T_0=T_0, T_mult=T_mult)
    assert schedule(epoch) == pytest.approx(
        exact_rate(0.1, 0.0, T_0, T_mult, 0, epoch), abs=1e-14
    )
    base, slope, amplitude, phase, frequency = schedule.segments([epoch])[0]
    assert base + amplitude * np.cos(phase) == pytest.approx(schedule(epoch))


@pytest.mark.parametrize("lr_initial", [1e308, np.finfo(float).max])
def test_warmup_near_the_end_of_the_float_range_stays_in_bounds(lr_initial):
    schedule = CosineAnnealingLR(lr_initial=lr_initial, T_max=5, warmup_epochs=3)
    expected = [0.25, 0.5, 0.75, 1.0, 0.5 + 0.5 * np.cos(np.pi / 5)]
    assert_allclose(schedule([0, 1, 2, 3, 4]) / lr_initial, expected, rtol=1e-12)
