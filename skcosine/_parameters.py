"""The parameters the estimators share, documented once: each one's numpydoc
entry (type, default and description). The estimators' docstrings quote the
entries (see :mod:`skcosine._docstrings`); ``tests/test_docstrings.py`` checks
that every documented default is the one the ``__init__`` signature states."""

import difflib

from . import _sklearn_compat as compat

__all__ = ["ENTRIES", "REPLACED", "ParameterNamesMixin", "unknown_parameter"]

ENTRIES = {
    "penalty": """penalty : {'l2', 'l1', 'elasticnet', None}, default='l2'
    The regularisation term.""",
    "alpha": """alpha : float, default=0.0001
    Strength of the regularisation term.""",
    "l1_ratio": """l1_ratio : float, default=0.15
    Elastic-net mixing parameter, used when ``penalty='elasticnet'``.""",
    "fit_intercept": """fit_intercept : bool, default=True
    Whether to fit an intercept.""",
    "max_iter": """max_iter : int or 'auto', default='auto'
    Number of epochs (the training budget). 'auto' sizes it from the ``n``
    rows of ``X``: ``ceil(50,000 / n)`` epochs, at least 20 for the
    regressor and 10 for the classifier, at most 100 -- small data get the
    epochs SGD needs to converge, large data as many updates in a few
    passes. ``partial_fit``, which does not know the size of the data, takes
    100 when it starts a schedule (and keeps the budget of an earlier
    ``fit``). With ``T_max=None`` the cosine cycle spans exactly this budget,
    after ``warmup_epochs``.""",
    "tol": """tol : float or None, default=None
    With a float, a model (each one-versus-all problem of a classifier)
    stops after ``n_iter_no_change`` epochs in which its training objective
    (or, with ``early_stopping``, its validation score) did not improve by at
    least ``tol``; its cycle then ends before reaching ``lr_min``. ``None``
    (default) runs the whole schedule, which is the point of cosine
    annealing. ``partial_fit`` ignores it, as scikit-learn's does.""",
    "shuffle": """shuffle : bool, default=True
    Whether to shuffle the samples before each epoch. Every epoch uses a
    fresh order, drawn from one generator seeded once per fit.""",
    "verbose": """verbose : int, default=0
    Print the learning rate (and the monitored value) of every epoch.""",
    "epsilon": """epsilon : float, default=0.1
    Epsilon of the 'huber', 'epsilon_insensitive' and
    'squared_epsilon_insensitive' losses.""",
    "random_state": """random_state : int, RandomState instance or None, default=None
    Seeds the shuffling and the early-stopping split. Pass an int for
    reproducible results.""",
    "eta0": """eta0 : float or 'auto', default='auto'
    Initial learning rate: the start (and top) of the cosine schedule.
    'auto' computes it from the training rows as
    ``s / (h * max_i c_i w_i (||x_i||^2 + fit_intercept))``, with ``w_i`` the
    sample weight and ``c_i`` the class weight of row ``i`` (1 for a
    regression), ``h`` the largest curvature of the loss (1 for
    'squared_error', 'huber', 'hinge', 'perceptron' and
    'epsilon_insensitive'; 2 for 'squared_epsilon_insensitive',
    'squared_hinge' and 'modified_huber'; 1/4 for 'log_loss') and ``s`` 2 for
    'squared_error', 4 for 'hinge' and 1 otherwise: a step no sample can
    make diverge, whatever the scale of ``X`` (``s`` was measured, see the
    user guide). With ``partial_fit`` it is the lowest such rate over the
    blocks seen so far. The value used is ``schedule_.lr_initial``.""",
    "lr_min": """lr_min : float, default=0.0
    Learning rate at the end of the cosine cycle, in ``[0, eta0]``. With
    ``eta0='auto'``, a value above the computed rate is lowered to it (the
    schedule is then flat), so that every value of a grid is valid.""",
    "T_max": """T_max : int or None, default=None
    Length of the cosine cycle in epochs. ``None`` fills the budget:
    ``max_iter - warmup_epochs``. After ``T_max`` the rate holds ``lr_min``
    (unless ``T_mult`` is set).""",
    "T_mult": """T_mult : int or None, default=None
    ``None`` gives a single cycle. An integer >= 1 turns on warm restarts
    (SGDR): the first cycle lasts ``T_0 = T_max`` epochs and each next
    cycle is ``T_mult`` times longer.""",
    "warmup_epochs": """warmup_epochs : int, default=0
    Epochs of linear warmup before the cosine phase.""",
    "anneal_per": """anneal_per : {'epoch', 'sample'}, default='epoch'
    'epoch' keeps the rate of epoch ``e`` at ``schedule_(e)`` for the whole
    epoch; 'sample' anneals within the epoch: its ``i``-th update (of
    ``n``) runs at ``schedule_(e + i / n)``, a smooth curve even for
    short cycles.""",
    "batches_per_epoch": """batches_per_epoch : int, default=1
    How many ``partial_fit`` calls make one epoch, for data streamed in
    blocks: each call advances the schedule by ``1 / batches_per_epoch``
    epochs (call ``k`` after a fresh start trains at
    ``schedule_(k / batches_per_epoch)``), so a stream of
    ``batches_per_epoch`` blocks per pass follows the same cosine curve as
    ``fit`` over the whole data. ``fit`` is not affected.""",
    "early_stopping": """early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the data (stratified for a
    classifier) and monitor the validation score after each epoch -- the
    R^2, or each one-versus-all problem's accuracy -- to stop with ``tol``;
    ``tol`` must be a float.""",
    "validation_fraction": """validation_fraction : float, default=0.1
    Fraction of the data held out for early stopping.""",
    "n_iter_no_change": """n_iter_no_change : int, default=5
    Epochs without improvement before stopping (with ``tol``). A value of
    at least ``max_iter`` never stops (and gives no
    ``ConvergenceWarning``).""",
    "warm_start": """warm_start : bool, default=False
    Start ``fit`` from the previous coefficients. The schedule starts a new
    cycle at ``eta0`` (a warm restart).""",
    "average": """average : bool or int, default=False
    Averaged SGD: ``coef_`` is the average of the iterates, starting after
    ``average`` samples (``True`` means 1), as in scikit-learn's SGD. With
    an L1 or elastic-net penalty the average is exact, the truncation
    included, where scikit-learn's is not (see the user guide).""",
    "checkpoint_path": """checkpoint_path : str, path-like or None, default=None
    Where ``fit`` saves its progress every ``checkpoint_every`` epochs
    (numeric arrays and JSON, read back without pickle). A ``fit`` that
    finds there a checkpoint of the same fit (same parameters and data)
    resumes from it, with a result identical to an uninterrupted fit; a
    file that is not one raises a ``ValueError``. ``fit`` writes
    ``<path>``, ``<path>.values`` and ``<path>.lock`` (and a temporary
    ``<path>.<random>.tmp`` while saving), never follows a link, reads only
    regular files and removes only the files it wrote. The files are deleted
    when the fit completes or diverges; an interrupted fit (Ctrl-C included)
    keeps its last checkpoint. A second fit using the same path at the same
    time is refused: use one path per concurrent fit (not one for a whole
    parallel search).""",
    "checkpoint_every": """checkpoint_every : int, default=10
    Epochs between two checkpoints.""",
}
"""``{name: entry}``: each entry its numpydoc lines, dedented."""


REPLACED = {
    "learning_rate": "the learning rate always follows a cosine schedule: set "
    "eta0 (the initial rate), lr_min (the final rate), T_max and T_mult (the "
    "cycle length and warm restarts) and warmup_epochs; lr_min=eta0 gives a "
    "constant rate.",
    "power_t": "not used: skcosine has no inverse-scaling schedule; the rate "
    "goes from eta0 down to lr_min along a cosine.",
}
"""scikit-learn's SGD parameters that skcosine does not have, and what to use
instead: the hints of :func:`unknown_parameter`."""


def unknown_parameter(cls, name, valid):
    """What to say about a parameter ``name`` that ``cls`` does not have.

    Parameters
    ----------
    cls : type
        The estimator class.
    name : str
        The unknown parameter.
    valid : collection of str
        The parameters of ``cls``.

    Returns
    -------
    hint : str
        The skcosine replacement of a scikit-learn parameter (:data:`REPLACED`,
        or the class's own ``_replaced_parameters``),
        the searched list of a CV estimator (``alpha`` -> ``alphas``), the
        closest names of a misspelling, or else the valid names.
    """
    replaced = getattr(cls, "_replaced_parameters", REPLACED)
    if name in replaced:
        return replaced[name]
    plain = getattr(cls, "_plain", None)  # the estimator a CV estimator searches
    searched = plain is not None and name in plain().get_params()
    if searched and name + "s" in valid:
        return f"{cls.__name__} searches lists of values: use {name}s=[...]."
    close = difflib.get_close_matches(name, sorted(valid), n=3)
    if close:
        return "did you mean " + " or ".join(map(repr, close)) + "?"
    return f"valid parameters are {sorted(valid)}."


class ParameterNamesMixin:
    """A parameter the estimator does not have (misspelled, or one of
    scikit-learn's SGD that skcosine replaces) gets a message naming the class
    and the replacement in ``set_params`` (so in every search over it).

    At construction Python's own ``TypeError`` names the class: a ``__new__``
    that checked the keywords first would hide ``__init__``'s signature from
    ``inspect.signature`` (and the editors and checkers that read it) on some
    Python versions."""

    def get_params(self, deep=True):
        """Get the parameters of this estimator (as scikit-learn's
        ``get_params``, with the parameter names read once per class: see
        :func:`~skcosine._sklearn_compat.parameter_names`).

        Parameters
        ----------
        deep : bool, default=True
            If True, will return the parameters for this estimator and
            contained subobjects that are estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        if deep:  # nested estimators' parameters: scikit-learn's own walk
            return super().get_params(deep=True)
        return {
            name: getattr(self, name) for name in compat.parameter_names(type(self))
        }

    def set_params(self, **params):
        """Set the parameters of this estimator (as scikit-learn's
        ``set_params``; an unknown name raises a ``ValueError`` naming the
        replacement).

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        valid = self.get_params(deep=False)
        for name in params:
            if "__" not in name and name not in valid:
                hint = unknown_parameter(type(self), name, valid)
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator "
                    f"{type(self).__name__}: {hint}"
                )
        return super().set_params(**params)
