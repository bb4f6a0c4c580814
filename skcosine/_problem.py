"""The problem of one call: the validated data and the constants of the
models trained on it (per-model penalty, class weights, targets as each
model's loss sees them). The trainer, the monitor and the divergence rule
read it; it knows nothing of them."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._blocks import row_blocks
from ._losses import TEMPORARIES, loss_values
from ._step_size import data_scale

__all__ = ["MAX_DLOSS", "SPARSE_INTERCEPT_DECAY", "Problem"]

SPARSE_INTERCEPT_DECAY = 0.01
"""scikit-learn's factor of the intercept updates on sparse data."""

MAX_DLOSS = 1e12
"""scikit-learn's clip of the loss gradient ``|dloss|`` of one update."""


@dataclass(frozen=True)
class Problem:
    """The data of one call, and the constants of the models trained on it.

    Attributes
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Validated data.
    targets : ndarray of shape (n_samples,)
        Regression targets (dtype of ``X``), or the class index of every row
        (int32) when ``positive`` is set.
    sample_weight : ndarray of shape (n_samples,)
        Validated sample weights, dtype of ``X``.
    rows : ndarray of int32 or None
        The training rows (all rows but the held-out ones); ``None`` for all.
    sample_rows : ndarray of int or None
        Every row of the data set the models are fitted on, held-out rows
        included (a fold of a cross-validation); ``None`` for all rows of
        ``X``. The reference and final losses are means over these rows.
    alpha, weight_pos, weight_neg : ndarray of shape (n_models,)
        Penalty strength and class weights of each model.
    positive : ndarray of shape (n_models,), int32, or None
        The class each model treats as positive (classification only).
    negative : float
        Target of a model's other classes: -1, or 0 for the log loss.
    max_dloss : float
        Bound on ``|dloss|``.
    intercept_decay : float
        Factor of the intercept updates.
    """

    X: object
    targets: np.ndarray
    sample_weight: np.ndarray
    rows: np.ndarray
    alpha: np.ndarray
    weight_pos: np.ndarray
    weight_neg: np.ndarray
    positive: object = None
    negative: float = -1.0
    max_dloss: float = MAX_DLOSS
    intercept_decay: float = 1.0
    sample_rows: object = None

    @classmethod
    def build(
        cls, settings, X, targets, sample_weight, rows, *, sample_rows=None, alphas=None
    ):
        """The problem of ``settings`` on validated data.

        Parameters
        ----------
        settings : Settings
            The loss and ``alpha``.
        X : ndarray or CSR matrix of shape (n_samples, n_features)
            Validated data.
        targets : Targets
            The encoded targets of every row of ``X``.
        sample_weight : ndarray of shape (n_samples,)
            Validated sample weights.
        rows, sample_rows : ndarray of int or None
            See the attributes.
        alphas : sequence of float or None
            One ``alpha`` per candidate of a grid, each candidate getting the
            ``targets.n_models`` models of the targets; ``None`` for the one
            ``settings.alpha``.
        """
        values = targets.values
        if targets.regression:  # regression targets in the dtype of X
            values = values.astype(X.dtype, copy=False)
        alphas = [settings.alpha] if alphas is None else alphas
        n_candidates, per_candidate = len(alphas), targets.n_models
        positive = targets.positive
        return cls(
            X=X,
            targets=values,
            sample_weight=sample_weight,
            rows=None if rows is None else np.asarray(rows, dtype=np.int32),
            sample_rows=sample_rows,
            alpha=np.repeat(np.asarray(alphas, dtype=np.float64), per_candidate),
            weight_pos=np.tile(targets.weight_pos, n_candidates),
            weight_neg=np.tile(targets.weight_neg, n_candidates),
            positive=None if targets.regression else np.tile(positive, n_candidates),
            negative=0.0 if settings.loss == "log_loss" else -1.0,
            # large targets scale scikit-learn's clip up
            max_dloss=MAX_DLOSS * max(1.0, targets.max_abs()),
            intercept_decay=SPARSE_INTERCEPT_DECAY if sp.issparse(X) else 1.0,
        )

    @property
    def n_models(self):
        return len(self.alpha)

    def data_scale(self, row_weights, fit_intercept):
        """:func:`skcosine._step_size.data_scale` of the training rows.

        Parameters
        ----------
        row_weights : ndarray of shape (n_samples,)
            ``c_i * w_i`` of every row of ``X``.
        fit_intercept : bool
            Whether the intercept is trained.
        """
        return data_scale(
            self.X, row_weights, fit_intercept, self.intercept_decay, rows=self.rows
        )

    @property
    def regression(self):
        """Whether the models are regressions (no positive class)."""
        return self.positive is None

    def model_targets(self, rows):
        """Targets of ``rows`` as each model's loss sees them, broadcastable
        to ``(n, K)``."""
        if self.regression:
            return self.targets[rows, None]
        mine = self.targets[rows, None] == self.positive[None, :]
        return np.where(mine, 1.0, self.negative)

    def model_weights(self, rows):
        """Sample times class weight of ``rows`` for each model, broadcastable
        to ``(n, K)``."""
        if self.regression:  # no class weights
            return self.sample_weight[rows, None]
        positive = self.model_targets(rows) > 0
        class_weight = np.where(positive, self.weight_pos, self.weight_neg)
        return class_weight * self.sample_weight[rows, None]

    def zero_losses(self, loss, epsilon):
        """Mean loss of the all-zero model over the sample rows, per model."""
        if not self.regression:  # every target is 1 or `negative`
            return np.full(self.n_models, loss_values(loss, epsilon, y=1.0, p=0.0))
        total = weight_sum = 0.0
        for rows in row_blocks(self.X, TEMPORARIES, self.sample_rows):
            weights = self.sample_weight[rows]
            values = loss_values(loss, epsilon, self.targets[rows], p=0.0)
            total += float(weights @ values)
            weight_sum += float(weights.sum())
        return np.full(self.n_models, total / weight_sum if weight_sum > 0 else 0.0)
