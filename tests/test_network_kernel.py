"""The MLP's fused compiled steps (skcosine._network_kernel) give the bits of
the NumPy operations they replace, and refuse arrays they cannot trust.

The oracle of each step is the NumPy code it replaced (main's
``skcosine/_network.py`` before the fused steps), written out here operation
by operation, in float64 and float32, on lengths that leave vector
remainders."""

import sys
import threading

import numpy as np
import pytest
from skcosine._network_kernel import (
    activation_derivative,
    adam_step,
    add_bias_activation,
    gather_rows,
    sgd_step,
)

from skcosine._network import _mean

DTYPES = [np.float64, np.float32]


def same_bits(a, b):
    return a.dtype == b.dtype and np.array_equal(a.view(np.uint8), b.view(np.uint8))


def finish_gradient(theta, grad, n_coefs, alpha, sw_sum):
    """The NumPy gradient finish: ``(g + alpha W) / sw_sum``, ``g / sw_sum``."""
    grad = grad.copy()
    if alpha:
        penalty = np.multiply(theta[:n_coefs], alpha)
        grad[:n_coefs] += penalty
    grad /= sw_sum
    return grad


def numpy_adam(theta, grad, m, v, t, rate, b1=0.9, b2=0.999, eps=1e-8):
    tmp = np.empty_like(theta)
    m *= b1
    np.multiply(grad, 1 - b1, out=tmp)
    m += tmp
    v *= b2
    np.multiply(grad, grad, out=tmp)
    tmp *= 1 - b2
    v += tmp
    lr_t = rate * np.sqrt(1 - b2**t) / (1 - b1**t)
    denominator = np.sqrt(v)
    denominator += eps
    # lr_t is a NumPy float64: NumPy 2 multiplies a float32 m by it in
    # float64 (NEP 50), NumPy 1 in float32; the kernel does what NumPy 2 does,
    # whatever NumPy is installed, so the oracle says so explicitly
    np.multiply(m, -lr_t, out=tmp, dtype=np.float64)
    tmp /= denominator
    theta += tmp
    return lr_t


def numpy_sgd(theta, grad, velocity, rate, momentum, nesterov):
    velocity *= momentum
    tmp = np.multiply(grad, rate)
    velocity -= tmp
    if nesterov:
        update = np.multiply(velocity, momentum)
        update -= tmp
        theta += update
    else:
        theta += velocity


def arrays(dtype, n, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=n).astype(dtype) for _ in range(4)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,n_coefs", [(1, 0), (37, 30), (1000, 999), (64, 64)])
@pytest.mark.parametrize("alpha", [0.0, 1e-3])
@pytest.mark.parametrize("sw_sum", [200, 3, "weights"])
def test_adam_step_is_numpy_bit_for_bit(dtype, n, n_coefs, alpha, sw_sum):
    theta, grad, m, v = arrays(dtype, n)
    v = np.abs(v)
    if sw_sum == "weights":  # a sum of sample weights, of the dtype
        sw_sum = np.random.default_rng(1).uniform(0.5, 2, 17).astype(dtype).sum()
    expected = [theta.copy(), m.copy(), v.copy()]
    finished = finish_gradient(theta, grad, n_coefs, alpha, sw_sum)
    for t in (1, 2, 7):
        lr_t = numpy_adam(*expected[:1], finished, *expected[1:], t, 0.001)
        grad_before = grad.copy()
        adam_step(theta, grad, m, v, n_coefs, alpha, sw_sum, 0.9, 0.999, 1e-8, lr_t)
        assert same_bits(grad, grad_before)  # left as it was
        finished = finish_gradient(theta, grad, n_coefs, alpha, sw_sum)
    for got, want in zip((theta, m, v), expected):
        assert same_bits(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 1e-3])
def test_sgd_step_is_numpy_bit_for_bit(dtype, nesterov, alpha):
    theta, grad, velocity, _ = arrays(dtype, 101, seed=2)
    expected = [theta.copy(), velocity.copy()]
    for rate in (0.1, 0.0123):
        finished = finish_gradient(theta, grad, 90, alpha, 200)
        numpy_sgd(expected[0], finished, expected[1], rate, 0.9, nesterov)
        sgd_step(theta, grad, velocity, 90, alpha, 200, rate, 0.9, nesterov)
    assert same_bits(theta, expected[0])
    assert same_bits(velocity, expected[1])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("relu", [True, False])
def test_add_bias_activation_is_numpy_bit_for_bit(dtype, relu):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(13, 11)).astype(dtype)
    z[0, 0], z[1, 1] = np.nan, -np.inf
    intercept = rng.normal(size=11).astype(dtype)
    expected = z + intercept
    if relu:
        np.maximum(expected, 0, out=expected)
    add_bias_activation(z, intercept, relu)
    assert same_bits(z, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["relu", "tanh", "logistic"])
def test_activation_derivative_is_numpy_bit_for_bit(dtype, name):
    rng = np.random.default_rng(4)
    z = rng.normal(size=(9, 14)).astype(dtype)
    a = {"relu": np.maximum(z, 0), "tanh": np.tanh(z), "logistic": 1 / (1 + np.exp(-z))}
    a = a[name].astype(dtype)
    delta = rng.normal(size=a.shape).astype(dtype)
    expected = delta.copy()
    if name == "relu":
        expected[a == 0] = 0
    elif name == "tanh":
        expected *= 1 - a**2
    else:
        expected *= a
        expected *= 1 - a
    sums = np.empty(a.shape[1], dtype)
    activation_derivative(name, a, delta, sums)
    assert same_bits(delta, expected)
    assert same_bits(sums, np.sum(expected, axis=0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("index", [np.int32, np.int64])
@pytest.mark.parametrize("m", [0, 1, 5, 8, 9, 200])  # around the look-ahead
def test_gather_rows_is_numpy_take_bit_for_bit(dtype, index, m):
    rng = np.random.default_rng(5)
    n = 300
    # inputs of an odd row width (rows straddle cache lines), targets of
    # one and of three columns, sample weights as a column
    sources = [rng.normal(size=(n, k)).astype(dtype) for k in (13, 1, 3)]
    sources[0][0, 0] = np.nan
    rows = rng.integers(0, n, size=m).astype(index)  # repeats, in any order
    rows[: min(m, 2)] = [0, n - 1][: min(m, 2)]
    for used in (1, 2, 3):
        outs = [np.full((m, a.shape[1]), -1, dtype) for a in sources[:used]]
        gather_rows(rows, sources[:used], outs)
        for source, out in zip(sources, outs):
            assert same_bits(out, np.take(source, rows, axis=0))


def test_gather_rows_refuses_what_it_cannot_trust():
    X, y = np.zeros((10, 4)), np.zeros((10, 1))
    rows = np.array([1, 9, 0], dtype=np.int32)
    Xo, yo = np.zeros((3, 4)), np.zeros((3, 1))
    for bad, match in [
        (np.array([1, 10, 0], np.int32), r"rows\[1\]=10 is not in \[0, 10\)"),
        (np.array([2, 3, -1], np.int64), r"rows\[2\]=-1 is not in \[0, 10\)"),
        (np.array([1.0, 2.0, 3.0]), "int32 or int64, got 1-d float64"),
        (np.array([1, 2, 3], np.int16), "int32 or int64"),
        (rows.reshape(3, 1), "1-d int32 or int64, got 2-d"),
        (np.arange(6, dtype=np.int32)[::2], "rows must be C-contiguous"),
        ([1, 9, 0], "rows must be a NumPy array"),
    ]:
        with pytest.raises(ValueError, match=match):
            gather_rows(bad, (X, y), (Xo, yo))
    with pytest.raises(ValueError, match="sources and 1 outs"):
        gather_rows(rows, (X, y), (Xo,))
    with pytest.raises(ValueError, match="4 sources"):
        gather_rows(rows, (X,) * 4, (Xo,) * 4)
    with pytest.raises(ValueError, match=r"sources\[1\] is float32"):
        gather_rows(rows, (X, y.astype(np.float32)), (Xo, yo))
    with pytest.raises(ValueError, match="outs are float32, sources float64"):
        gather_rows(rows, (X, y), (Xo.astype(np.float32), yo.astype(np.float32)))
    with pytest.raises(ValueError, match="float64 or float32"):
        gather_rows(rows, (X.astype(np.int64),), (Xo.astype(np.int64),))
    with pytest.raises(ValueError, match=r"sources\[0\] must be C-contiguous"):
        gather_rows(rows, (np.asfortranarray(X),), (Xo,))
    with pytest.raises(ValueError, match=r"sources\[1\] has 9 rows"):
        gather_rows(rows, (X, y[:9]), (Xo, yo))
    with pytest.raises(ValueError, match=r"outs\[1\] is \(2, 1\), must be \(3, 1\)"):
        gather_rows(rows, (X, y), (Xo, yo[:2]))
    with pytest.raises(ValueError, match=r"outs\[0\] is \(3, 3\), must be \(3, 4\)"):
        gather_rows(rows, (X,), (Xo[:, :3].copy(),))
    with pytest.raises(ValueError, match=r"sources\[0\] must be 2-d"):
        gather_rows(rows, (X[:, 0].copy(),), (Xo[:, 0].copy(),))
    with pytest.raises(ValueError, match=r"outs\[0\] shares memory"):
        gather_rows(rows, (X,), (X[5:8],))
    frozen = Xo.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match=r"outs\[0\] must be writeable"):
        gather_rows(rows, (X,), (frozen,))
    # a read-only source is read, not written
    X.flags.writeable = False
    gather_rows(rows, (X,), (Xo,))


def test_gather_rows_under_a_thread_rewriting_its_rows_and_lists():
    """Another thread writes an index out of range into ``rows`` and swaps the
    caller's lists of arrays while gathers run (the GIL is released during the
    copy): every call copies rows of the checked arrays or raises the
    ValueError naming the index, never reads outside them."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(50, 7))
    rows = rng.integers(0, 50, size=400).astype(np.intp)
    good = rows.copy()
    sources = [X]  # the caller's list, which the thread changes
    stop = threading.Event()

    def hostile():
        while not stop.is_set():
            rows[123] = 2**40  # far outside X
            sources[0] = X[:3]  # a smaller array, for the checks to miss
            rows[123] = good[123]
            sources[0] = X

    thread = threading.Thread(target=hostile)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the threads take turns at once, many times
    thread.start()
    copied = refused = 0
    try:
        for _ in range(10000):
            out = np.empty((400, 7))
            try:
                gather_rows(rows, sources, [out])
            except ValueError as error:
                # an out-of-range index, or the small array's rows
                assert "is not in [0," in str(error) or "rows" in str(error)
                refused += 1
                continue
            copied += 1
            # every row copied is a row of X (the one asked for, or the row
            # the index was set back to)
            assert np.all(np.isin(out[:, 0], X[:, 0]))
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)
    assert copied > 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(200, 1), (7, 3), (1, 1), (1000, 5)])
def test_loss_mean_is_numpy_mean_bit_for_bit(dtype, shape):
    """The squared error's means (``_network._mean``, NumPy's own reduction
    without the Python around it) give ``ndarray.mean``'s bits, by row and
    overall, with ``numpy.float32`` rounding of the count's division."""
    rng = np.random.default_rng(6)
    for scale in (1e-30, 1.0, 3e7):
        values = (rng.normal(size=shape) * scale).astype(dtype)
        by_row = _mean(values, axis=0)
        assert same_bits(by_row, values.mean(axis=0))
        overall, expected = _mean(by_row), by_row.mean()
        assert type(overall) is type(expected)
        assert overall.tobytes() == expected.tobytes()


def test_refuses_what_it_cannot_trust():
    theta, grad, m, v = arrays(np.float64, 10)
    args = (3, 0.0, 200, 0.9, 0.999, 1e-8, 0.001)
    with pytest.raises(ValueError, match="grad is float32"):
        adam_step(theta, grad.astype(np.float32), m, v, *args)
    with pytest.raises(ValueError, match="v has 9 elements"):
        adam_step(theta, grad, m, v[:9], *args)
    with pytest.raises(ValueError, match="C-contiguous"):
        adam_step(theta, grad, m, v[::-1], *args)
    with pytest.raises(ValueError, match="must be 1-d"):
        sgd_step(theta.reshape(2, 5), grad, m, 3, 0.0, 200, 0.1, 0.9, True)
    with pytest.raises(ValueError, match="n_coefs=11"):
        sgd_step(theta, grad, m, 11, 0.0, 200, 0.1, 0.9, True)
    with pytest.raises(ValueError, match="float64 or float32"):
        sgd_step(
            *(x.astype(np.float16) for x in (theta, grad, m)), 3, 0.0, 1, 0.1, 0.9, True
        )
    with pytest.raises(ValueError, match="sw_sum=.*would promote"):
        sgd_step(
            *(x.astype(np.float32) for x in (theta, grad, m)),
            3,
            0.0,
            np.float64(2.0),
            0.1,
            0.9,
            True,
        )
    frozen = theta.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        sgd_step(frozen, grad, m, 3, 0.0, 200, 0.1, 0.9, True)
    with pytest.raises(ValueError, match="NumPy array"):
        sgd_step(list(theta), grad, m, 3, 0.0, 200, 0.1, 0.9, True)
    z = np.zeros((4, 3))
    with pytest.raises(ValueError, match="columns of z"):
        add_bias_activation(z, np.zeros(4), True)
    with pytest.raises(ValueError, match="columns of z"):
        add_bias_activation(z, np.zeros(3, np.float32), True)
    with pytest.raises(ValueError, match="a is"):
        activation_derivative("relu", z, np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="sums .* does not match"):
        activation_derivative("relu", z, z.copy(), np.zeros(4))
    with pytest.raises(ValueError, match="name='softplus'"):
        activation_derivative("softplus", z, z.copy(), np.zeros(3))
