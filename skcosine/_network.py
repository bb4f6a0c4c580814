"""The training loop of the cosine MLP estimators: forward and backward
passes, and the Adam and momentum-SGD updates, on buffers allocated once per
call.

This is the neural-network counterpart of the SGD kernel (:mod:`skcosine._kernel`),
in NumPy: its time goes to a few large matrix products per batch, which BLAS
runs, so what the loop adds is kept to a fixed, small number of NumPy calls
per layer and per batch, all writing into preallocated buffers.

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
the optimizer's moments: an update is a handful of NumPy calls over all
layers at once. The learning rate of each update comes from the caller (the
schedule), one value per batch.

Nothing here reads an estimator: :class:`Network` holds the architecture and
the buffers, :class:`Optimizer` the update rule and its state (plain arrays).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, xlogy

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

    def step(self, theta, grad, state, rate, scratch):
        """One update of the flat parameters ``theta`` in place, at ``rate``.

        ``scratch`` is a buffer the size of ``theta``; ``grad`` is
        overwritten (it serves as the second buffer once it has been read)."""
        state["t"] += 1
        if self.solver == "adam":
            self._adam(theta, grad, state, rate, scratch)
        else:
            self._sgd(theta, grad, state, rate, scratch)

    def _adam(self, theta, grad, state, rate, scratch):
        m, v = state["moments"]
        t = state["t"]
        tmp, denominator = scratch, grad  # grad is read before the denominator
        b1, b2 = self.beta_1, self.beta_2
        m *= b1
        np.multiply(grad, 1 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        v += tmp
        lr_t = rate * np.sqrt(1 - b2**t) / (1 - b1**t)
        np.sqrt(v, out=denominator)
        denominator += self.epsilon
        np.multiply(m, -lr_t, out=tmp)
        tmp /= denominator
        theta += tmp

    def _sgd(self, theta, grad, state, rate, scratch):
        (velocity,) = state["moments"]
        tmp, update = scratch, grad  # grad is read before the update
        velocity *= self.momentum
        np.multiply(grad, rate, out=tmp)
        velocity -= tmp
        if self.nesterov:
            np.multiply(velocity, self.momentum, out=update)
            update -= tmp
            theta += update
        else:
            theta += velocity


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
        self.scratch = np.empty(self.n_parameters, dtype=self.dtype)
        self.coefs, self.intercepts = unpack(self.theta, self.layer_units)
        self.coef_grads, self.intercept_grads = unpack(self.grad, self.layer_units)
        n_coefs = sum(
            a * b for a, b in zip(self.layer_units[:-1], self.layer_units[1:])
        )
        # the coefficients of every layer, and their gradients, as one array
        self.coef_part = self.theta[:n_coefs]
        self.coef_grad_part = self.grad[:n_coefs]
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
        # the factor of the hidden activation's derivative (relu: the mask of
        # the zeros), sized for the widest hidden layer: see _derivative
        widest = max(units[1:-1], default=0) if self.activation != "identity" else 0
        factor_dtype = bool if self.activation == "relu" else self.dtype
        self.derivative_factor = np.empty(batch_size * widest, factor_dtype)

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
            z += intercept
            self._activate(z, self.activation if i < last else self.out_activation)
            previous = z
        return previous

    def _forward_unbuffered(self, X):
        previous = X
        last = len(self.coefs) - 1
        for i, (coef, intercept) in enumerate(zip(self.coefs, self.intercepts)):
            z = np.asarray(previous @ coef)
            z += intercept
            self._activate(z, self.activation if i < last else self.out_activation)
            previous = z
        return previous

    @staticmethod
    def _activate(z, name):
        if name == "relu":
            np.maximum(z, 0, out=z)
        elif name == "tanh":
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

    def _derivative(self, a, delta):
        """``delta`` times the derivative of the hidden activation, written
        through its output ``a``, as scikit-learn's ``inplace_*_derivative``
        (``delta[a == 0] = 0``; ``delta *= 1 - a**2``; ``delta *= a; delta *=
        1 - a``) but without temporaries."""
        if self.activation == "identity":
            return
        factor = self.derivative_factor[: a.size].reshape(a.shape)
        if self.activation == "relu":
            np.equal(a, 0, out=factor)
            np.putmask(delta, factor, 0)
        elif self.activation == "tanh":
            np.square(a, out=factor)
            np.subtract(1, factor, out=factor)
            delta *= factor
        else:  # logistic
            delta *= a
            np.subtract(1, a, out=factor)
            delta *= factor

    def data_loss(self, y, p, weights, sw_sum):
        """The loss of outputs ``p`` against ``y`` (rows weighted by
        ``weights``, or ``None``), as scikit-learn's ``LOSS_FUNCTIONS``."""
        if self.loss == "squared_error":
            r = self.residuals[: p.shape[0]]
            np.subtract(y, p, out=r)
            np.square(r, out=r)
            return 0.5 * _weighted_mean(r, weights, sw_sum).mean()
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
        """Loss of one batch, and its gradient in ``self.grad``.

        ``X`` (dense or CSR), ``y`` (float, 2-d) and ``weights`` (or ``None``)
        are the batch's rows, at most ``batch_size``."""
        output = self.forward(X)
        sw_sum = X.shape[0] if weights is None else weights.sum()
        loss = self.data_loss(y, output, weights, sw_sum) + self._penalty(sw_sum)
        self._backward(X, y, output, weights)
        self._penalize_and_scale(sw_sum)
        return loss

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
        self._layer_gradient(last, X, delta)
        for i in range(last, 0, -1):
            below = self.deltas[i - 1][:m]
            np.dot(delta, self.coefs[i].T, out=below)
            self._derivative(self.activations[i - 1][:m], below)
            self._layer_gradient(i - 1, X, below)
            delta = below

    def _layer_gradient(self, i, X, delta):
        """``a^T delta`` and ``sum(delta)`` of layer ``i``, from its input
        activations ``a``."""
        grad = self.coef_grads[i]
        a = X if i == 0 else self.activations[i - 1][: X.shape[0]]
        if i == 0 and sp.issparse(X):
            grad[...] = X.T @ delta
        else:
            np.dot(a.T, delta, out=grad)
        np.add.reduce(delta, axis=0, out=self.intercept_grads[i])  # np.sum

    def _penalize_and_scale(self, sw_sum):
        """The gradients' ``(a^T delta + alpha W) / sw_sum`` and ``sum(delta)
        / sw_sum``, over every layer at once (the same operations on each
        element as scikit-learn's per-layer ones; adding ``0 * W`` changes
        nothing, so it is skipped when ``alpha`` is 0). The scratch buffer is
        free until the optimizer's step."""
        if self.alpha:
            penalty = self.scratch[: self.coef_part.size]
            np.multiply(self.coef_part, self.alpha, out=penalty)
            self.coef_grad_part += penalty
        self.grad /= sw_sum

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
        for i, start in enumerate(range(0, n, self.batch_size)):
            stop = min(start + self.batch_size, n)
            m = stop - start
            if order is None:
                X_batch, y_batch = X[start:stop], self._targets(y[start:stop])
                w_batch = None if weights is None else weights[start:stop]
            else:
                rows = order[start:stop]
                if sp.issparse(X):
                    X_batch = X[rows]
                else:
                    X_batch = np.take(X, rows, axis=0, out=self.inputs[:m])
                if y.dtype == self.dtype:
                    y_batch = np.take(y, rows, axis=0, out=self.targets[:m])
                else:
                    y_batch = self._targets(y[rows])
                w_batch = (
                    None
                    if weights is None
                    else np.take(weights, rows, out=self.weights[:m])
                )
            if w_batch is not None and not w_batch.any():
                continue
            total += self.batch(X_batch, y_batch, w_batch) * m
            counted += m
            optimizer.step(self.theta, self.grad, state, rates[i], self.scratch)
        return total / counted

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
        return values.mean(axis=0)
    return np.dot(weights, values) / sw_sum
