"""The training loop of the cosine MLP estimators: forward and backward
passes, and the Adam and momentum-SGD updates, on buffers allocated once per
call.

This is the neural-network counterpart of the SGD kernel (:mod:`skcosine._kernel`),
in NumPy: its time goes to a few large matrix products per batch, which BLAS
runs, so what the loop adds is kept to a fixed, small number of calls per
layer and per batch, all writing into preallocated buffers. The per-element
work between the products is fused into single compiled passes
(:mod:`skcosine._network_kernel`): a hidden layer's bias and relu (or
identity), the hidden activation's derivative, and the gradient's penalty and
scaling together with the optimizer's update; and the copy of a shuffled
batch's rows, which asks for their memory a few rows ahead. Each does the
NumPy operations it replaced, element by element in the same order and
precision (float64 or float32), so that results keep their bits.

The arithmetic follows scikit-learn's ``MLPRegressor`` / ``MLPClassifier``
(1.9, ``sklearn/neural_network``) operation by operation, so that a flat
schedule reproduces scikit-learn's coefficients (``tests/test_mlp_parity.py``
checks them to 1e-10):

* loss of a batch: the data loss (squared error: half the weighted mean of the
  squared residuals over the rows, then the mean over the outputs; log loss
  and Poisson deviance: the weighted mean over the rows, summed over the
  outputs) plus ``0.5 * alpha * sum(W**2) / sw_sum``, with ``sw_sum`` the
  batch size or the sum of its sample weights;
* output delta ``activation - y`` times the sample weights (canonical links);
  gradients ``(a^T delta + alpha W) / sw_sum`` and ``sum(delta) / sw_sum``;
* Adam: ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``,
  ``param -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``;
* SGD: ``vel = momentum vel - lr g``; Nesterov updates by
  ``momentum vel - lr g``, plain momentum by ``vel``.

The parameters live in one flat array (the coefficients of every layer, then
the intercepts, scikit-learn's packing order), and so do their gradients and
the optimizer's moments: an update is one pass over all layers at once. The
learning rate of each update comes from the caller (the schedule), one value
per batch.

Nothing here reads an estimator: :class:`Network` holds the architecture and
the buffers, :class:`Optimizer` the update rule and its state (plain arrays).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, xlogy

from ._network_kernel import (
    activation_derivative,
    adam_step,
    add_bias_activation,
    gather_rows,
    sgd_step,
)

__all__ = [
    "Network",
    "Optimizer",
    "glorot_init",
    "n_batches",
    "unpack",
]


def glorot_init(layer_units, activation, random_state, dtype):
    """Starting coefficients and intercepts, drawn as scikit-learn draws them.

    Glorot and Bengio's uniform initialisation: per layer, the coefficients
    then the intercepts from ``uniform(-bound, bound)`` with ``bound =
    sqrt(factor / (fan_in + fan_out))``, ``factor`` 6, or 2 for the logistic
    activation (scikit-learn's ``BaseMultilayerPerceptron._init_coef``), so
    that one seed starts both libraries from the same weights.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(
            random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(
                dtype, copy=False
            )
        )
        intercepts.append(
            random_state.uniform(-bound, bound, fan_out).astype(dtype, copy=False)
        )
    return coefs, intercepts


def _shapes(layer_units):
    coef_shapes = list(zip(layer_units[:-1], layer_units[1:]))
    return coef_shapes, [(units,) for units in layer_units[1:]]


def unpack(flat, layer_units):
    """Views of ``flat``: the coefficient matrices, then the intercept
    vectors, of a network with ``layer_units``."""
    coef_shapes, intercept_shapes = _shapes(layer_units)
    views, start = [], 0
    for shape in coef_shapes + intercept_shapes:
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    n = len(coef_shapes)
    return views[:n], views[n:]


@dataclass(frozen=True)
class Optimizer:
    """The update rule of a fit: ``solver`` ``'adam'`` or ``'sgd'`` and its
    constants, as the estimator's parameters give them."""

    solver: str
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    momentum: float = 0.9
    nesterov: bool = True

    def new_state(self, n_parameters, dtype):
        """Zero moments (Adam's two, or SGD's velocity) and a step count of 0.

        The state is plain arrays, kept across ``partial_fit`` calls and
        persisted with the model."""
        n_moments = 2 if self.solver == "adam" else 1
        return {
            "t": 0,
            "moments": [np.zeros(n_parameters, dtype=dtype) for _ in range(n_moments)],
        }

    def step(self, theta, grad, state, rate, n_coefs, alpha, sw_sum):
        """One update of the flat parameters ``theta`` in place, at ``rate``,
        from the raw gradient ``grad`` (``a^T delta`` of the coefficients
        ``theta[:n_coefs]``, then ``sum(delta)`` of the intercepts), which it
        finishes on the way: ``(g + alpha * W) / sw_sum`` and ``g /
        sw_sum``. One compiled pass over the parameters
        (:mod:`skcosine._network_kernel`); ``grad`` is left as it was."""
        state["t"] += 1
        if self.solver == "adam":
            m, v = state["moments"]
            t = state["t"]
            b1, b2 = self.beta_1, self.beta_2
            # a NumPy float64, as scikit-learn's (its product with m is
            # computed in double, then rounded to the dtype)
            lr_t = rate * np.sqrt(1 - b2**t) / (1 - b1**t)
            adam_step(
                theta, grad, m, v, n_coefs, alpha, sw_sum, b1, b2, self.epsilon, lr_t
            )
        else:
            (velocity,) = state["moments"]
            sgd_step(
                theta,
                grad,
                velocity,
                n_coefs,
                alpha,
                sw_sum,
                rate,
                self.momentum,
                self.nesterov,
            )


class Network:
    """A multilayer perceptron's buffers and passes, for batches of at most
    ``batch_size`` rows.

    Parameters
    ----------
    layer_units : list of int
        Inputs, hidden units of each layer, outputs.
    activation : str
        The hidden activation: 'identity', 'logistic', 'tanh' or 'relu'.
    out_activation : str
        ``'identity'``, ``'exp'`` (Poisson), ``'logistic'`` or ``'softmax'``.
    loss : str
        ``'squared_error'``, ``'poisson'``, ``'log_loss'`` (softmax outputs) or
        ``'binary_log_loss'`` (logistic outputs).
    alpha : float
        The L2 penalty.
    batch_size : int
    dtype : dtype
    """

    def __init__(
        self, layer_units, activation, out_activation, loss, alpha, batch_size, dtype
    ):
        self.layer_units = list(layer_units)
        self.activation = activation
        self.out_activation = out_activation
        self.loss = loss
        self.alpha = alpha
        self.dtype = np.dtype(dtype)
        self.n_parameters = sum(
            a * b + b for a, b in zip(self.layer_units[:-1], self.layer_units[1:])
        )
        self.theta = np.zeros(self.n_parameters, dtype=self.dtype)
        self.grad = np.zeros(self.n_parameters, dtype=self.dtype)
        self.coefs, self.intercepts = unpack(self.theta, self.layer_units)
        self.coef_grads, self.intercept_grads = unpack(self.grad, self.layer_units)
        self.n_coefs = sum(
            a * b for a, b in zip(self.layer_units[:-1], self.layer_units[1:])
        )
        # the coefficients of every layer, as one array
        self.coef_part = self.theta[: self.n_coefs]
        self._allocate(batch_size)

    def _allocate(self, batch_size):
        """Activations and deltas of every layer for ``batch_size`` rows (the
        first layer's activations are the batch itself)."""
        self.batch_size = batch_size
        units = self.layer_units
        self.activations = [np.empty((batch_size, u), self.dtype) for u in units[1:]]
        self.deltas = [np.empty((batch_size, u), self.dtype) for u in units[1:]]
        self.inputs = np.empty((batch_size, units[0]), self.dtype)
        self.targets = np.empty((batch_size, units[-1]), self.dtype)
        self.weights = np.empty(batch_size, self.dtype)
        squared = self.loss == "squared_error"  # the residuals of its loss
        self.residuals = np.empty((batch_size if squared else 0, units[-1]), self.dtype)

    def set_parameters(self, coefs, intercepts):
        """Copy ``coefs`` and ``intercepts`` into the flat parameters."""
        for buffer, value in zip(
            (*self.coefs, *self.intercepts), (*coefs, *intercepts)
        ):
            buffer[...] = value

    def parameters(self):
        """Copies of the coefficients and intercepts (scikit-learn's
        ``coefs_`` and ``intercepts_``)."""
        return [c.copy() for c in self.coefs], [b.copy() for b in self.intercepts]

    # --- the passes -----------------------------------------------------------

    def forward(self, X):
        """The output activations of ``X`` (at most ``batch_size`` rows, or
        any number of rows when ``out`` buffers are not needed)."""
        m = X.shape[0]
        if m > self.batch_size:
            return self._forward_unbuffered(X)
        previous = X
        last = len(self.coefs) - 1
        for i, (coef, intercept) in enumerate(zip(self.coefs, self.intercepts)):
            z = self.activations[i][:m]
            if i == 0 and sp.issparse(X):
                z[...] = X @ coef
            else:
                np.dot(previous, coef, out=z)
            self._add_bias_activate(
                z, intercept, self.activation if i < last else self.out_activation
            )
            previous = z
        return previous

    def _forward_unbuffered(self, X):
        previous = X
        last = len(self.coefs) - 1
        for i, (coef, intercept) in enumerate(zip(self.coefs, self.intercepts)):
            z = np.ascontiguousarray(previous @ coef)
            self._add_bias_activate(
                z, intercept, self.activation if i < last else self.out_activation
            )
            previous = z
        return previous

    @staticmethod
    def _add_bias_activate(z, intercept, name):
        """``z += intercept``, then the activation ``name`` in place: relu and
        the identity in one compiled pass; tanh and logistic by NumPy and
        SciPy, whose functions a C loop would not reproduce bit for bit."""
        if name in ("relu", "identity"):
            add_bias_activation(z, intercept, name == "relu")
            return
        z += intercept
        if name == "tanh":
            np.tanh(z, out=z)
        elif name == "logistic":
            expit(z, out=z)
        elif name == "exp":
            np.exp(z, out=z)
        elif name == "softmax":
            z -= z.max(axis=1)[:, np.newaxis]  # as scikit-learn: exp(z - max)
            np.exp(z, out=z)
            z /= z.sum(axis=1)[:, np.newaxis]
        # identity: nothing to do

    def _derivative(self, a, delta, sums):
        """``delta`` times the derivative of the hidden activation, written
        through its output ``a``, as scikit-learn's ``inplace_*_derivative``
        (``delta[a == 0] = 0``; ``delta *= 1 - a**2``; ``delta *= a; delta *=
        1 - a``), and ``sums``, its column sums (``np.sum(delta, axis=0)``,
        the intercepts' gradient), in one compiled pass."""
        if self.activation == "identity":
            np.add.reduce(delta, axis=0, out=sums)  # np.sum
        else:
            activation_derivative(self.activation, a, delta, sums)

    def data_loss(self, y, p, weights, sw_sum):
        """The loss of outputs ``p`` against ``y`` (rows weighted by
        ``weights``, or ``None``), as scikit-learn's ``LOSS_FUNCTIONS``."""
        if self.loss == "squared_error":
            r = self.residuals[: p.shape[0]]
            np.subtract(y, p, out=r)
            np.square(r, out=r)
            return 0.5 * _mean(_weighted_mean(r, weights, sw_sum))
        if self.loss == "poisson":
            return _weighted_mean(xlogy(y, y / p) - y + p, weights, sw_sum).sum()
        eps = np.finfo(p.dtype).eps
        p = np.clip(p, eps, 1 - eps)
        if self.loss == "binary_log_loss":
            values = xlogy(y, p) + xlogy(1 - y, 1 - p)
        else:
            if p.shape[1] == 1:  # as scikit-learn's log_loss (unused: softmax
                p = np.append(1 - p, p, axis=1)  # outputs have 2+ columns)
                y = np.append(1 - y, y, axis=1)
            values = xlogy(y, p)
        return -_weighted_mean(values, weights, sw_sum).sum()

    def batch(self, X, y, weights):
        """Loss of one batch, and its raw gradient in ``self.grad``.

        ``X`` (dense or CSR), ``y`` (float, 2-d) and ``weights`` (or ``None``)
        are the batch's rows, at most ``batch_size``. Returns the loss and
        ``sw_sum``, the batch's size or weight: the optimizer's step finishes
        the gradient with it, ``(a^T delta + alpha W) / sw_sum`` and
        ``sum(delta) / sw_sum`` (see :meth:`Optimizer.step`)."""
        output = self.forward(X)
        sw_sum = X.shape[0] if weights is None else weights.sum()
        loss = self.data_loss(y, output, weights, sw_sum) + self._penalty(sw_sum)
        self._backward(X, y, output, weights)
        return loss, sw_sum

    def _penalty(self, sw_sum):
        """The L2 term of the loss: ``0.5 * alpha * sum(W**2) / sw_sum``."""
        if not self.alpha:
            return 0.0
        return (0.5 * self.alpha) * np.dot(self.coef_part, self.coef_part) / sw_sum

    def _backward(self, X, y, output, weights):
        """The unscaled, unpenalized gradients (``a^T delta`` and
        ``sum(delta)`` of each layer), from the output layer down."""
        m = X.shape[0]
        last = len(self.coefs) - 1
        delta = self.deltas[last][:m]
        np.subtract(output, y, out=delta)
        if weights is not None:
            delta *= weights.reshape(-1, 1)
        self._coef_gradient(last, X, delta)
        np.add.reduce(delta, axis=0, out=self.intercept_grads[last])  # np.sum
        for i in range(last, 0, -1):
            below = self.deltas[i - 1][:m]
            np.dot(delta, self.coefs[i].T, out=below)
            self._derivative(
                self.activations[i - 1][:m], below, self.intercept_grads[i - 1]
            )
            self._coef_gradient(i - 1, X, below)
            delta = below

    def _coef_gradient(self, i, X, delta):
        """``a^T delta`` of layer ``i``, from its input activations ``a``."""
        grad = self.coef_grads[i]
        a = X if i == 0 else self.activations[i - 1][: X.shape[0]]
        if i == 0 and sp.issparse(X):
            grad[...] = X.T @ delta
        else:
            np.dot(a.T, delta, out=grad)

    def epoch(self, optimizer, state, X, y, weights, order, rates):
        """One pass over the rows of ``X`` in batches of ``batch_size``, each
        followed by an update at its rate (``rates[i]`` for batch ``i``).

        ``order`` is the row order (``None``: the rows as they are, batches
        taken as slices); ``y`` holds the targets, 2-d (floats, or booleans).
        Returns the mean of the batch losses weighted by batch size
        (scikit-learn's ``loss_``).

        A batch whose sample weights are all zero carries no gradient (its
        loss and gradient would divide by a zero weight): it is skipped, no
        update and no loss, where scikit-learn's weights turn to NaN."""
        n = X.shape[0]
        total, counted = 0.0, 0
        if order is not None:
            plan = self._gather_plan(X, y, weights)
        for i, start in enumerate(range(0, n, self.batch_size)):
            stop = min(start + self.batch_size, n)
            m = stop - start
            if order is None:
                X_batch, y_batch = X[start:stop], self._targets(y[start:stop])
                w_batch = None if weights is None else weights[start:stop]
            else:
                X_batch, y_batch, w_batch = self._rows(
                    X, y, weights, order[start:stop], plan
                )
            if w_batch is not None and not w_batch.any():
                continue
            loss, sw_sum = self.batch(X_batch, y_batch, w_batch)
            total += loss * m
            counted += m
            optimizer.step(
                self.theta, self.grad, state, rates[i], self.n_coefs, self.alpha, sw_sum
            )
        return total / counted

    def _gather_plan(self, X, y, weights):
        """Which of an epoch's ``X``, ``y`` and ``weights`` (or ``None``)
        :func:`gather_rows` copies into the batch buffers: those dense,
        C-contiguous and of the network's dtype (NumPy takes the rows of the
        others: a sparse or Fortran-ordered ``X``, a classifier's boolean
        targets). Returns a flag for each of the three, and the arrays for
        :func:`gather_rows` (2-d: the weights as a column, a view) and their
        buffers."""
        flags, sources, buffers = [], [], []
        for array, buffer in zip(
            (X, y, weights), (self.inputs, self.targets, self.weights)
        ):
            flag = (
                isinstance(array, np.ndarray)
                and array.dtype == self.dtype
                and array.flags.c_contiguous
            )
            flags.append(flag)
            if flag:
                sources.append(array.reshape(array.shape[0], -1))
                buffers.append(buffer.reshape(buffer.shape[0], -1))
        return flags, sources, buffers

    def _rows(self, X, y, weights, rows, plan):
        """The batch of ``rows`` (``X``, ``y`` and ``weights`` rows, copied
        into the batch buffers, but a sparse ``X``'s), as ``_gather_plan``'s
        ``plan`` says: one :func:`gather_rows` pass, which asks for the
        memory of the rows a few rows ahead (random rows of data larger than
        the cache wait for memory), and NumPy for the others."""
        (X_flag, y_flag, w_flag), sources, buffers = plan
        m = rows.shape[0]
        if sources:
            if m < self.batch_size:  # the last batch, short
                buffers = [buffer[:m] for buffer in buffers]
            gather_rows(rows, sources, buffers)
        if X_flag:
            X_batch = self.inputs[:m]
        elif sp.issparse(X):
            X_batch = X[rows]
        else:
            X_batch = np.take(X, rows, axis=0, out=self.inputs[:m])
        if y_flag:
            y_batch = self.targets[:m]
        else:
            y_batch = self._targets(np.take(y, rows, axis=0))
        w_batch = None if weights is None else self.weights[:m]
        if weights is not None and not w_flag:
            np.take(weights, rows, out=w_batch)
        return X_batch, y_batch, w_batch

    def _targets(self, y):
        """``y`` (a batch's targets) as floats of the network's dtype: itself,
        or converted into the targets buffer (a classifier's targets are
        booleans, as scikit-learn keeps them, an eighth of the memory)."""
        if y.dtype == self.dtype:
            return y
        targets = self.targets[: y.shape[0]]
        np.copyto(targets, y)
        return targets


def n_batches(n_samples, batch_size):
    """Batches of one pass over ``n_samples`` rows (the last may be short)."""
    return -(-n_samples // batch_size)


def _weighted_mean(values, weights, sw_sum):
    """``numpy.average(values, weights=weights, axis=0)``."""
    if weights is None:
        return _mean(values, axis=0)
    return np.dot(weights, values) / sw_sum


def _mean(values, axis=None):
    """``values.mean(axis)`` of a float array, by the NumPy calls that
    compute it (``_mean`` of NumPy's ``numpy/_core/_methods.py``: its
    ``add.reduce``, then a division by the count, an ``intp``), without the
    Python steps around them: a few microseconds a batch, twice."""
    total = np.add.reduce(values, axis=axis)
    count = np.intp(values.size if axis is None else values.shape[axis])
    if isinstance(total, np.ndarray):
        return np.true_divide(total, count, out=total, casting="unsafe")
    return total.dtype.type(total / count)
