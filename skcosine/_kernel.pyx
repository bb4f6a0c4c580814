# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""skcosine's SGD kernel: one pass over the samples trains K linear models.

Everything here is plain arithmetic on arrays that :class:`Kernel` checked
once, with the GIL held, when it was built: shapes, dtypes, alignment, the
structure of a CSR matrix (index bounds included, on the kernel's own copy of
it) and the rows to visit. The epoch itself runs without the GIL and trusts
nothing it did not check.

One sample, for each model ``k`` (scikit-learn's ``_plain_sgd`` in the same
order, with the loss inlined):

1. ``p = wscale * (w . x) + intercept`` (the dot product in four partial
   sums, which breaks its chain of additions);
2. ``dloss`` of the loss, clipped to ``max_dloss``;
   ``update = -eta * dloss * class_weight * sample_weight``;
3. L2 / elastic-net: ``wscale *= max(0, 1 - (1 - l1_ratio) * eta * alpha)``;
4. ``w += update / wscale * x``; ``intercept += update * intercept_decay``;
5. averaging (once ``0 < average <= t``), with the ``average_a`` /
   ``average_b`` trick of Bottou (2012);
6. L1 / elastic-net: the truncated gradient of Tsuruoka et al. (2009), whose
   state ``u`` and ``q`` lives in arrays that outlast the pass. A weight the
   truncation moves by ``delta`` (outside the scaled update of step 4) gets
   ``average_coef -= average_a * delta``, as step 5 does for the update, so
   that the average is that of the truncated iterates (scikit-learn's is
   not: it averages the iterate before the truncation and then lets the
   truncation shift the whole past average);
7. ``t += 1``.

The weights are stored feature-major, ``coef[j, k]``, so that the K dot
products of a row are computed side by side.

The learning rate of model ``k`` at the ``i``-th row of a pass is
``base + slope * f + amplitude * cos(phase + frequency * f)`` with
``f = start + i * step``: constant for a per-epoch schedule, a line in a warmup,
a cosine otherwise. Varying rates are tabulated a block of rows at a time: the
cosine is evaluated exactly at the first row of a block and advanced by
angle-addition recurrences, so no sample pays for a libm ``cos``.
"""

from cython cimport floating
from libc.float cimport DBL_MAX
from libc.math cimport INFINITY, cos, exp, fabs, isfinite, log, log1p, sin
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

import numpy as np

# The C half of the kernel (vector row loops, AVX2 dispatch, prefetch, 128-bit
# products): see _kernel.h, which also says what the bit identity rests on.
cdef extern from "_kernel.h":
    enum:
        SKC_RATE_BASE
        SKC_RATE_SLOPE
        SKC_RATE_AMPLITUDE
        SKC_RATE_PHASE
        SKC_RATE_FREQUENCY
        SKC_RATE_COLUMNS
    void SKC_PREFETCH(const void *p) noexcept nogil
    uint64_t skc_mulhi(uint64_t a, uint64_t b, uint64_t *lo) noexcept nogil
    void skc_detect() noexcept nogil
    void skc_row_d(double *W, const double *x, const int32_t *ind, Py_ssize_t nnz,
                   Py_ssize_t K, double *P, const double *step) noexcept nogil
    void skc_row_f(float *W, const float *x, const int32_t *ind, Py_ssize_t nnz,
                   Py_ssize_t K, double *P, const float *step) noexcept nogil

skc_detect()

# Loss codes (the order of LOSSES).
LOSSES = (
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
    "hinge",
    "perceptron",
    "squared_hinge",
    "log_loss",
    "modified_huber",
)
cdef enum:
    SQUARED_ERROR = 0
    HUBER = 1
    EPSILON_INSENSITIVE = 2
    SQUARED_EPSILON_INSENSITIVE = 3
    HINGE = 4
    PERCEPTRON = 5
    SQUARED_HINGE = 6
    LOG_LOSS = 7
    MODIFIED_HUBER = 8

cdef enum:
    # rows prefetched ahead of the current one (our measurement: far enough
    # for memory to answer, near enough to stay in the cache; see the
    # prefetching ablation of benchmarks/speed.py)
    AHEAD = 8
    LINE = 64  # bytes per cache line on x86-64 and most ARM cores
    BLOCK = 256  # most rows per table of rates (a power of 2)
    TABLE_SIZE = 4096  # rates per table: fewer rows per table for many models

MAX_INDEX = 2147483647  # INT32_MAX: rows and features are indexed in int32

# The columns of a rate plan (named once, in _kernel.h): a model's rate at
# position f is base + slope * f + amplitude * cos(phase + frequency * f).
RATE_BASE = SKC_RATE_BASE
RATE_SLOPE = SKC_RATE_SLOPE
RATE_AMPLITUDE = SKC_RATE_AMPLITUDE
RATE_PHASE = SKC_RATE_PHASE
RATE_FREQUENCY = SKC_RATE_FREQUENCY
RATE_COLUMNS = SKC_RATE_COLUMNS
"""Columns of a rate plan: ``RATE_BASE``, ``RATE_SLOPE``, ``RATE_AMPLITUDE``,
``RATE_PHASE``, ``RATE_FREQUENCY``."""


# --- losses -------------------------------------------------------------------
# scikit-learn's nine SGD losses, as SGDRegressor and SGDClassifier pick them
# (sklearn/linear_model/_stochastic_gradient.py): Hinge(1.0), Hinge(0.0) for the
# perceptron, SquaredHinge(1.0), ModifiedHuber, EpsilonInsensitive and
# SquaredEpsilonInsensitive of sklearn/linear_model/_sgd_fast.pyx.tp, and
# CyHalfSquaredError, CyHuberLoss and CyHalfBinomialLoss (log_loss, y in {0, 1})
# of sklearn/_loss/_loss.pyx.tp; their thresholds (the hinges' 1 and 0, modified
# Huber's -1 and 1, the epsilons) are those definitions'. Written out here so
# that the compiler inlines them. They also give the divergence rule's final
# losses (Kernel.mean_losses) and the all-zero model's reference
# (zero_model_loss); the numpy versions (skcosine._data.loss_values) give a
# starting model's reference. tests/test_kernel.py checks the two against each
# other through _loss_and_dloss, mean_losses and zero_model_loss.


cdef inline double _log1pexp(double x) noexcept nogil:
    """``log(1 + exp(x))`` without overflow or loss of precision: the
    branches and thresholds of scikit-learn's ``log1pexp``
    (sklearn/_loss/_loss.pyx.tp), after Maechler (2012), "Accurately computing
    log(1 - exp(-|a|))", the Rmpfr package's vignette."""
    if x <= -37.0:
        return exp(x)
    elif x <= -2.0:
        return log1p(exp(x))
    elif x <= 18.0:
        return log(1.0 + exp(x))
    elif x <= 33.3:
        return x + exp(-x)
    return x


cdef inline double _gradient(int loss, double y, double p, double eps) noexcept nogil:
    """Derivative of the loss with respect to the decision ``p``."""
    cdef double r, z
    if loss == SQUARED_ERROR:
        return p - y
    elif loss == HINGE or loss == PERCEPTRON:
        z = p * y
        if z <= (1.0 if loss == HINGE else 0.0):
            return -y
        return 0.0
    elif loss == LOG_LOSS:  # y in {0, 1}, as scikit-learn's half binomial loss
        # sigmoid(p) - y, in the two forms of scikit-learn's
        # cgradient_half_binomial (sklearn/_loss/_loss.pyx.tp): below -37,
        # exp(p) is sigmoid(p) to double precision and exp(-p) would overflow.
        if p > -37.0:
            r = exp(-p)
            return ((1.0 - y) - y * r) / (1.0 + r)
        return exp(p) - y
    elif loss == MODIFIED_HUBER:
        z = p * y
        if z >= 1.0:
            return 0.0
        elif z >= -1.0:
            return 2.0 * (1.0 - z) * -y
        return -4.0 * y
    elif loss == SQUARED_HINGE:
        z = 1.0 - p * y
        if z > 0:
            return -2.0 * y * z
        return 0.0
    elif loss == HUBER:
        r = p - y
        if fabs(r) <= eps:
            return r
        return eps if r >= 0 else -eps
    elif loss == EPSILON_INSENSITIVE:
        if y - p > eps:
            return -1.0
        elif p - y > eps:
            return 1.0
        return 0.0
    else:  # SQUARED_EPSILON_INSENSITIVE
        z = y - p
        if z > eps:
            return -2.0 * (z - eps)
        elif z < -eps:
            return 2.0 * (-z - eps)
        return 0.0


cdef inline double _loss(int loss, double y, double p, double eps) noexcept nogil:
    """Value of the loss (the progressive training loss of a pass)."""
    cdef double r, z
    if loss == SQUARED_ERROR:
        return 0.5 * (p - y) * (p - y)
    elif loss == HINGE or loss == PERCEPTRON:
        z = (1.0 if loss == HINGE else 0.0) - p * y
        return z if z > 0 else 0.0
    elif loss == LOG_LOSS:
        return _log1pexp(p) - y * p
    elif loss == MODIFIED_HUBER:
        z = p * y
        if z >= 1.0:
            return 0.0
        elif z >= -1.0:
            return (1.0 - z) * (1.0 - z)
        return -4.0 * z
    elif loss == SQUARED_HINGE:
        z = 1.0 - p * y
        return z * z if z > 0 else 0.0
    elif loss == HUBER:
        r = fabs(y - p)
        if r <= eps:
            return 0.5 * r * r
        return eps * (r - 0.5 * eps)
    r = fabs(y - p) - eps
    if r <= 0:
        return 0.0
    return r if loss == EPSILON_INSENSITIVE else r * r


def _loss_and_dloss(loss, p, y, double epsilon):
    """The kernel's loss and its derivative ``dloss`` (before the clip to
    ``max_dloss``) at decisions ``p`` against targets ``y``, broadcast
    together: for the tests, which compare them with the numpy losses
    (:func:`skcosine._data.loss_values`) and their finite differences.

    Returns
    -------
    values, dloss : ndarray of float64
        Of the broadcast shape of ``p`` and ``y``.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}")
    cdef int code = LOSSES.index(loss)
    p, y = np.broadcast_arrays(np.asarray(p, np.float64), np.asarray(y, np.float64))
    shape = p.shape
    values, dloss = np.empty(shape), np.empty(shape)
    cdef const double[::1] ps = np.ascontiguousarray(p).ravel()
    cdef const double[::1] ys = np.ascontiguousarray(y).ravel()
    cdef double[::1] vs = values.ravel(), ds = dloss.ravel()
    cdef Py_ssize_t i
    for i in range(ps.shape[0]):
        vs[i] = _loss(code, ys[i], ps[i], epsilon)
        ds[i] = _gradient(code, ys[i], ps[i], epsilon)
    return values, dloss


def zero_model_loss(loss, double epsilon, targets, sample_weight, rows=None):
    """Weighted mean loss of the all-zero model on regression targets (the
    divergence rule's reference, ``skcosine._data.Problem.zero_losses``):
    ``sum(w * loss(y, 0)) / sum(w)`` over ``rows`` (every row when ``None``),
    0 when the weights sum to 0; the loss is the passes' ``_loss``.

    ``targets`` and ``sample_weight`` are 1-d float32 or float64 arrays of one
    dtype and length; ``rows`` an int32 array of rows within them.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}")
    cdef int code = LOSSES.index(loss)
    dtype = getattr(targets, "dtype", None)
    if dtype != F32 and dtype != F64:
        raise ValueError("targets must be a float32 or float64 array")
    targets = _vector(targets, dtype, None, "targets")
    cdef Py_ssize_t n = targets.shape[0]
    sample_weight = _vector(sample_weight, dtype, n, "sample_weight")
    if rows is not None:
        rows = _vector(rows, I32, None, "rows")
        if rows.shape[0] and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(f"rows must be in [0, {n})")
        n = rows.shape[0]
    cdef const int32_t[::1] r = rows
    cdef const int32_t *R = &r[0] if rows is not None and n else NULL
    cdef const float[::1] y32, w32
    cdef const double[::1] y64, w64
    cdef double total = 0.0, weight_sum = 0.0
    if dtype == F32:
        y32, w32 = targets, sample_weight
        if y32.shape[0]:
            with nogil:
                _zero_model_sums(code, epsilon, &y32[0], &w32[0], R, n, &total,
                                 &weight_sum)
    else:
        y64, w64 = targets, sample_weight
        if y64.shape[0]:
            with nogil:
                _zero_model_sums(code, epsilon, &y64[0], &w64[0], R, n, &total,
                                 &weight_sum)
    return total / weight_sum if weight_sum > 0 else 0.0


cdef void _zero_model_sums(
    int loss, double eps, const floating *y, const floating *w,
    const int32_t *rows, Py_ssize_t n, double *total, double *weight_sum,
) noexcept nogil:
    # Row i goes to partial sum i % 4: four independent chains of additions
    # instead of one (a chain waits for each addition to finish).
    cdef Py_ssize_t i, row, part
    cdef double weight
    cdef double sum_loss[4]
    cdef double sum_weight[4]
    for part in range(4):
        sum_loss[part] = 0.0
        sum_weight[part] = 0.0
    for i in range(n):
        row = rows[i] if rows != NULL else i
        weight = w[row]
        sum_loss[i % 4] += weight * _loss(loss, y[row], 0.0, eps)
        sum_weight[i % 4] += weight
    total[0] = (sum_loss[0] + sum_loss[1]) + (sum_loss[2] + sum_loss[3])
    weight_sum[0] = (sum_weight[0] + sum_weight[1]) + (sum_weight[2] + sum_weight[3])


# --- the random order of the rows ----------------------------------------------
# The package owns its generator (xoshiro256** seeded by SplitMix64, and
# Lemire's bounded integers for a Fisher-Yates shuffle) instead of borrowing
# numpy's: the order of the rows, and so every fitted bit, must depend on the
# 4-word state a checkpoint saves and on nothing else, so that a fit resumed
# from a checkpoint continues bit for bit whatever numpy version runs it (numpy
# makes no promise that its streams, or the algorithms of its shuffle and
# bounded integers, stay the same across versions).


cdef inline uint64_t _rotl(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline uint64_t _next(uint64_t *s) noexcept nogil:
    """xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom
    number generators", ACM TOMS 47(4), 2021): the constants (5, 7, 9, 17,
    45) are those of their reference code, https://prng.di.unimi.it/."""
    cdef uint64_t result = _rotl(s[1] * 5, 7) * 9
    cdef uint64_t t = s[1] << 17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


cdef inline uint64_t _below(uint64_t *s, uint64_t bound) noexcept nogil:
    """A uniform integer in ``[0, bound)``, without bias: Lemire's (2019)
    multiply-and-reject, which divides only in the rare rejection case."""
    cdef uint64_t low, limit
    cdef uint64_t high = skc_mulhi(_next(s), bound, &low)
    if low < bound:
        limit = (<uint64_t>0 - bound) % bound
        while low < limit:
            high = skc_mulhi(_next(s), bound, &low)
    return high


def seed_state(uint64_t seed):
    """The 256-bit generator state for ``seed`` (SplitMix64 expansion).

    SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
    generators", OOPSLA 2014), with the constants of Vigna's splitmix64.c
    (https://prng.di.unimi.it/), is how the authors of xoshiro256** recommend
    filling its state from one 64-bit seed.

    Parameters
    ----------
    seed : int
        Any integer in ``[0, 2**64)``.

    Returns
    -------
    ndarray of shape (4,), dtype uint64
        A state for :meth:`Kernel.shuffle`; never all zero.
    """
    state = np.empty(4, dtype=np.uint64)
    cdef uint64_t[::1] s = state
    cdef uint64_t z
    cdef int i
    for i in range(4):
        seed += <uint64_t>0x9E3779B97F4A7C15
        z = seed
        z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
        s[i] = z ^ (z >> 31)
    return state


# --- one pass -----------------------------------------------------------------


cdef struct Pass:
    # What the steps of a pass share (Kernel._begin fills it), as raw pointers:
    # memoryview slices must not be copied in the loop (each copy is a struct of
    # a few hundred bytes). The arrays of X's precision are passed beside it,
    # typed. A NULL pointer is an absent feature: dense data (indptr, indices),
    # regression (labels, positive), no averaging (avg_*), no L1 (u), the
    # unweighted loss not tracked (psum).
    Py_ssize_t K, d, n  # models, features, rows of the pass
    const int32_t *rows  # the order of the pass
    const int32_t *indptr
    const int32_t *indices
    const int32_t *labels
    const int32_t *positive
    const uint8_t *on  # the active models
    const double *cap  # the largest rate of every row (row_cap), or NULL
    const uint8_t *capped  # the models the caps apply to
    double *P  # the decisions of the current row
    double *S  # the update of each model divided by its wscale
    double *wscale
    double *intercept
    double *updates
    double *alpha
    double *wpos
    double *wneg
    double *avg_a
    double *avg_b
    double *avg_intercept
    double *u
    double *eta  # the rate terms of the current row (see _rate_terms)
    double *factor
    double *l1_step
    const double *R  # the rate plan, SKC_RATE_COLUMNS per model
    double *table  # the rate terms of a block of rows (see _fill_rates)
    Py_ssize_t block
    double *lsum  # the progressive loss: its weighted sum,
    double *wsum  # the sum of the weights,
    double *psum  # its unweighted sum
    int loss
    double eps, max_dloss, decay, negative, average, l1_ratio, l2_ratio
    bint vary, l2, simple, fit_intercept, track, prefetch


# --- the kernel -----------------------------------------------------------------


cdef class Kernel:
    """K linear models trained by SGD on one data set, one pass at a time.

    Every array is checked here, once; the passes then run without the GIL.
    The model arrays are updated in place, pass after pass. Every array must
    be aligned (a view at an odd byte offset is refused: the caller copies
    it). The passes read the kernel's own copy of the structure of a CSR
    matrix (made, then checked, here), never the caller's arrays.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features) or CSR matrix
        float32 or float64; a dense array must be C-contiguous, a CSR matrix
        needs int32 indices and offsets (it may have no stored values).
    targets : ndarray of shape (n_samples,)
        Regression targets (dtype of ``X``), or with ``positive`` the class
        index of every row (int32).
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights, dtype of ``X``.
    rows : ndarray of shape (n_rows,), dtype int32, or None
        The rows trained on (without held-out rows), each in
        ``[0, n_samples)``; ``None`` for all of them, in order. A pass visits
        them in this order, or in the order :meth:`shuffle` draws.
    coef : ndarray of shape (n_features, n_models), dtype of ``X``
        The weights divided by ``wscale``, C-contiguous.
    intercept : ndarray of shape (n_models,), float64
        The intercepts.
    wscale : ndarray of shape (n_models,), float64
        Pending scale of each model's weights, in ``(0, 1]``: L2 shrinkage
        multiplies it (O(1) per sample) and it is folded into ``coef`` only when
        it gets small, as in scikit-learn's ``WeightVector``.
    updates : ndarray of shape (n_models,), float64
        ``t`` of every model: the number of updates made so far, plus one.
    alpha, weight_pos, weight_neg : ndarray of shape (n_models,), float64
        Penalty strength and class weights of every model (``weight_pos`` for
        targets > 0).
    active : ndarray of shape (n_models,), uint8
        Models to train (read at every pass); the others are left untouched.
    losses : ndarray of shape (n_models,), float64
        Receives the mean loss of every model over each pass.
    positive : ndarray of shape (n_models,), int32 or None
        For classification, the class index each model treats as positive:
        its target is 1 on those rows and ``negative`` elsewhere.
    average_coef, average_intercept, average_a, average_b : ndarray or None
        The averaged model (shapes of ``coef`` and ``intercept``) and its two
        scalars per model (Bottou's representation: the average is
        ``(average_coef + average_a * coef) / average_b``), when
        ``average > 0``.
    l1_q, l1_u : ndarray or None
        Truncated-gradient state, of shapes ``(n_features, n_models)`` (dtype
        of ``X``) and ``(n_models,)`` (float64), for an L1 or elastic-net
        penalty. ``l1_u`` may be ``+inf`` (see :func:`_truncate`).
    loss : str
        One of :data:`LOSSES`.
    epsilon : float
        Epsilon of the insensitive and Huber losses.
    l1_ratio : float
        Share of L1 in the penalty (0 for L2, 1 for L1).
    penalized : bool
        Whether there is a penalty at all.
    fit_intercept : bool
        Whether to train the intercepts.
    intercept_decay : float
        Factor of the intercept updates: the estimators pass 0.01 for CSR
        input, scikit-learn's ``SPARSE_INTERCEPT_DECAY``
        (sklearn/linear_model/_base.py; ``skcosine._data``'s copy), 1 otherwise.
    average : int
        Averaging starts once ``t >= average``; 0 for no averaging.
    max_dloss : float
        Bound on the absolute value of ``dloss``. The default is scikit-learn's
        ``MAX_DLOSS`` (sklearn/linear_model/_sgd_fast.pyx.tp); the estimators
        scale it by the largest absolute target (``skcosine._data``).
    negative : float
        Target of the rows outside a model's positive class (-1, or 0 for the
        log loss).
    row_cap : ndarray of shape (n_samples,), float64, or None
        The largest rate of every row's update, for the models in ``capped``:
        a row ``i`` updates with ``min(eta, row_cap[i])`` instead of ``eta``
        (the penalty still uses ``eta``), and while ``row_cap[i] < eta`` its
        loss is left out of ``losses`` (and :attr:`unweighted_losses`): it
        measures how far the other rows moved the model since its last
        visit, not a divergence. ``None``: no cap (``eta0='auto'`` sets it
        for the rows its rate leaves out: see
        :func:`skcosine._settings.row_caps`).
    capped : ndarray of shape (n_models,), uint8, or None
        The models ``row_cap`` applies to (all when ``None``).
    """

    cdef object _keep  # references keeping the arrays alive
    cdef bint sparse, float32, classification, penalized, fit_intercept
    # Benchmark switches (benchmarks/speed.py's ablation), set after
    # construction: whether a pass sums each row's loss before its update (the
    # divergence rule needs it; off only to measure its cost), and whether it
    # prefetches the rows visited a few samples ahead (off only to measure
    # what that buys).
    cdef public bint _track_loss, _prefetch
    cdef int loss
    cdef Py_ssize_t n_samples, n_features, n_models, n_rows, block
    cdef double epsilon, l1_ratio, intercept_decay, max_dloss, negative
    cdef double average

    # data
    cdef const double[:, ::1] X64
    cdef const float[:, ::1] X32
    cdef const double[::1] data64
    cdef const float[::1] data32
    cdef const int32_t[::1] indices
    cdef const int32_t[::1] indptr
    cdef const double[::1] y64
    cdef const float[::1] y32
    cdef const double[::1] sw64
    cdef const float[::1] sw32
    cdef const int32_t[::1] labels
    cdef int32_t[::1] rows
    cdef const int32_t[::1] initial_rows
    cdef bint all_rows

    # models
    cdef double[:, ::1] coef64
    cdef float[:, ::1] coef32
    cdef double[:, ::1] avg64
    cdef float[:, ::1] avg32
    cdef double[::1] intercept
    cdef double[::1] avg_intercept
    cdef double[::1] updates
    cdef double[::1] alpha
    cdef double[::1] weight_pos
    cdef double[::1] weight_neg
    cdef const int32_t[::1] positive
    cdef double[:, ::1] q64
    cdef float[:, ::1] q32
    cdef double[::1] u
    cdef bint averaging, l1

    cdef double[::1] wscale, avg_a, avg_b, losses, loss_sum, weight_sum
    cdef double[::1] plain_sum, plain_losses, objectives
    cdef public bint track_unweighted  # sum unweighted_losses too (off: 0)
    cdef const uint8_t[::1] active
    cdef const double[::1] row_cap
    cdef const uint8_t[::1] capped
    cdef bint capping

    # scratch, one entry per model
    cdef double[::1] p, step, stepw, eta, factor, l1_step, table

    def __init__(
        self,
        X,
        targets,
        sample_weight,
        rows,
        *,
        coef,
        intercept,
        wscale,
        updates,
        alpha,
        weight_pos,
        weight_neg,
        active,
        losses,
        positive=None,
        average_coef=None,
        average_intercept=None,
        average_a=None,
        average_b=None,
        l1_q=None,
        l1_u=None,
        loss="squared_error",
        double epsilon=0.1,
        double l1_ratio=0.0,
        bint penalized=False,
        bint fit_intercept=True,
        double intercept_decay=1.0,
        double average=0.0,
        double max_dloss=1e12,
        double negative=-1.0,
        row_cap=None,
        capped=None,
    ):
        keep = []
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}")
        self.loss = LOSSES.index(loss)
        dense, data = self._check_data(X, keep)
        dtype = F32 if self.float32 else F64
        n = self.n_samples
        sample_weight = _vector(sample_weight, dtype, n, "sample_weight")
        keep.append(sample_weight)
        self.classification = positive is not None
        y = None
        if self.classification:
            labels = _vector(targets, I32, n, "targets")
            keep.append(labels)
            self.labels = labels
        else:
            y = _vector(targets, dtype, n, "targets")
            keep.append(y)
        if rows is None:  # every row: the order starts from 0, 1, ..., n - 1
            self.rows = np.arange(n, dtype=np.int32)
            self.all_rows = True
        else:
            rows = _vector(rows, I32, None, "rows")
            if rows.shape[0] and (rows.min() < 0 or rows.max() >= n):
                raise ValueError(f"rows must be in [0, {n})")
            self.initial_rows = rows
            self.rows = rows.copy()
            self.all_rows = False
            keep.append(rows)
        self.n_rows = self.rows.shape[0]
        keep.append(self.rows)
        coef, average_coef, l1_q = self._check_models(
            keep, dtype, coef, intercept, wscale, updates, alpha, weight_pos,
            weight_neg, positive, average_coef, average_intercept, average_a,
            average_b, l1_q, l1_u,
        )
        self._store_typed(dense, data, y, sample_weight, coef, average_coef, l1_q)
        self.epsilon = epsilon
        self.l1_ratio = l1_ratio
        self.penalized = penalized
        self.fit_intercept = fit_intercept
        self.intercept_decay = intercept_decay
        self.average = average
        self.max_dloss = max_dloss
        self.negative = negative
        self._track_loss = True
        self._prefetch = True
        if not (0.0 <= l1_ratio <= 1.0 and max_dloss > 0 and average >= 0):
            raise ValueError("l1_ratio, max_dloss or average out of range")
        k = self.n_models
        active = _vector(active, U8, k, "active")
        losses = _vector(losses, F64, k, "losses", writeable=True)
        keep.extend([active, losses])
        self.active = active
        self.losses = losses
        if row_cap is not None:
            row_cap = _vector(row_cap, F64, n, "row_cap")
            if not np.all(row_cap > 0):  # +inf included: no cap
                raise ValueError("row_cap must be > 0 (+inf for no cap)")
            capped = _vector(
                np.ones(k, np.uint8) if capped is None else capped,
                U8, k, "capped",
            )
            keep.extend([row_cap, capped])
            self.row_cap = row_cap
            self.capped = capped
        self.capping = row_cap is not None
        self.block = BLOCK
        while self.block > 8 and self.block * k > TABLE_SIZE:
            self.block //= 2
        # The per-model sums and scratch vectors, then the table of rates: in
        # one array (slicing a typed memoryview is free; a view of each of 12
        # new arrays cost about 10 us per kernel)
        cdef double[::1] work = np.zeros((11 + 3 * self.block) * k)
        self.loss_sum, self.weight_sum = work[0:k], work[k:2 * k]
        self.plain_sum, self.plain_losses = work[2 * k:3 * k], work[3 * k:4 * k]
        self.objectives, self.p = work[4 * k:5 * k], work[5 * k:6 * k]
        self.eta, self.factor = work[6 * k:7 * k], work[7 * k:8 * k]
        self.l1_step, self.step = work[8 * k:9 * k], work[9 * k:10 * k]
        self.stepw, self.table = work[10 * k:11 * k], work[11 * k:]
        self.factor[:] = 1.0
        self._keep = keep

    cdef _store_typed(self, dense, data, y, sample_weight, coef, average, l1_q):
        """Keep the validated arrays of X's precision (None where unused)."""
        if self.float32:
            self.X32, self.data32, self.y32, self.sw32 = dense, data, y, sample_weight
            self.coef32, self.avg32, self.q32 = coef, average, l1_q
        else:
            self.X64, self.data64, self.y64, self.sw64 = dense, data, y, sample_weight
            self.coef64, self.avg64, self.q64 = coef, average, l1_q

    cdef _check_data(self, X, list keep):
        """Check X (dense C-contiguous or CSR); ``(dense, None)`` or
        ``(None, data)``, the arrays the kernel reads."""
        self.sparse = hasattr(X, "indptr") and hasattr(X, "indices")
        if self.sparse:
            if getattr(X, "format", None) != "csr":
                raise ValueError("a sparse X must be a CSR matrix")
            n, d = X.shape
            data, indices, indptr = X.data, X.indices, X.indptr
            self.float32 = data.dtype == np.float32
            if data.dtype not in (np.float32, np.float64):
                raise ValueError("X must be float32 or float64")
            if indices.dtype != np.int32:
                raise ValueError("CSR indices must be int32")
            if indptr.dtype != np.int32:
                raise ValueError("CSR offsets (indptr) must be int32")
            if data.ndim != 1 or indices.ndim != 1:
                raise ValueError("CSR data and indices must be 1-d")
            if not (data.flags.c_contiguous and data.flags.aligned):
                raise ValueError("CSR data must be contiguous and aligned")
            # The passes read copies of the structure, checked after copying:
            # a caller changing X.indices or X.indptr during a pass (from
            # another thread, while the GIL is released) cannot lead them
            # outside coef. Never empty: a pointer into an empty array is
            # NULL, which the row loops would take for a dense row.
            nnz = indices.shape[0]
            own = np.zeros(max(nnz, 1), np.int32)
            own[:nnz] = indices
            indices = own
            indptr = np.array(indptr, dtype=np.int32, order="C")
            check_csr(n, d, data, indices[:nnz], indptr)
            if data.shape[0] == 0:
                data = np.zeros(1, data.dtype)
            keep.extend([data, indices, indptr])
            self.indices = indices
            self.indptr = indptr
            X = None
        else:
            if not isinstance(X, np.ndarray) or X.ndim != 2:
                raise ValueError("X must be a 2-d array or a CSR matrix")
            if X.dtype != F32 and X.dtype != F64:
                raise ValueError("X must be float32 or float64")
            flags = X.flags
            if not (flags.c_contiguous and flags.aligned):
                raise ValueError("X must be C-contiguous and aligned")
            self.float32 = X.dtype == F32
            n, d = X.shape
            keep.append(X)
            data = None
        if n > MAX_INDEX or d > MAX_INDEX:
            raise ValueError(f"at most {MAX_INDEX} rows and features are supported")
        if d < 1:
            raise ValueError("X must have at least one feature")
        self.n_samples, self.n_features = n, d
        return X, data

    cdef _check_models(
        self, list keep, dtype, coef, intercept, wscale, updates, alpha, weight_pos,
        weight_neg, positive, average_coef, average_intercept, average_a,
        average_b, l1_q, l1_u,
    ):
        d = self.n_features
        coef = _matrix(coef, dtype, d, "coef")
        k = coef.shape[1]
        if k < 1:
            raise ValueError("there must be at least one model")
        self.n_models = k
        keep.append(coef)
        vectors = {
            name: _vector(value, F64, k, name, writeable=True)
            for name, value in (
                ("intercept", intercept), ("wscale", wscale), ("updates", updates),
                ("alpha", alpha), ("weight_pos", weight_pos),
                ("weight_neg", weight_neg),
            )
        }
        keep.extend(vectors.values())
        self.intercept = vectors["intercept"]
        self.wscale = vectors["wscale"]
        self.updates = vectors["updates"]
        self.alpha = vectors["alpha"]
        self.weight_pos = vectors["weight_pos"]
        self.weight_neg = vectors["weight_neg"]
        if not _within(self.updates, 1.0, INFINITY):
            raise ValueError("updates must be >= 1")
        if not (_within(self.intercept, -DBL_MAX, DBL_MAX) and _finite(coef)):
            raise ValueError("coef and intercept must be finite")
        if not _within(self.alpha, 0.0, DBL_MAX):
            raise ValueError("alpha must be finite and >= 0")
        if not _within(self.weight_pos, 0.0, DBL_MAX):
            raise ValueError("weight_pos must be finite and >= 0")
        if not _within(self.weight_neg, 0.0, DBL_MAX):
            raise ValueError("weight_neg must be finite and >= 0")
        if not _within(self.wscale, 0.0, 1.0, open_low=True):
            raise ValueError("wscale must be in (0, 1]")
        if positive is not None:
            positive = _vector(positive, I32, k, "positive")
            keep.append(positive)
            self.positive = positive
        self.averaging = average_coef is not None
        if self.averaging:
            average_coef = _matrix(average_coef, dtype, d, "average_coef", k)
            average_intercept = _vector(
                average_intercept, F64, k, "average_intercept", writeable=True
            )
            average_a = _vector(average_a, F64, k, "average_a", writeable=True)
            average_b = _vector(average_b, F64, k, "average_b", writeable=True)
            if not (
                _within(average_a, -DBL_MAX, DBL_MAX)
                and _within(average_b, 1.0, INFINITY)
                and _within(average_intercept, -DBL_MAX, DBL_MAX)
                and _finite(average_coef)
            ):
                raise ValueError(
                    "average_coef, average_intercept and average_a must be finite "
                    "and average_b >= 1"
                )
            keep.extend([average_coef, average_intercept, average_a, average_b])
            self.avg_a = average_a
            self.avg_b = average_b
            self.avg_intercept = average_intercept
        self.l1 = l1_q is not None
        if self.l1:
            l1_q = _matrix(l1_q, dtype, d, "l1_q", k)
            l1_u = _vector(l1_u, F64, k, "l1_u", writeable=True)
            if not _finite(l1_q):
                raise ValueError("l1_q must be finite")
            if not _within(l1_u, 0.0, INFINITY):  # +inf included: see _truncate
                raise ValueError("l1_u must be >= 0 (+inf included), not NaN")
            keep.extend([l1_q, l1_u])
            self.u = l1_u
        return coef, average_coef, l1_q

    @property
    def n_models(self):
        """Number of models trained together."""
        return self.n_models

    @property
    def unweighted_losses(self):
        """Mean loss of every model over the last pass, each row counted once
        (neither sample nor class weights): what scikit-learn's SGD sums for
        its training objective. ``losses`` holds the weighted mean. Summed
        only while ``track_unweighted`` is set (0 otherwise), as it costs
        about 1 ns a sample."""
        return np.array(self.plain_losses)

    @property
    def objectives(self):
        """scikit-learn's SGD training objective of every model after the last
        pass: :attr:`unweighted_losses` plus the penalty of the weights at its
        end, ``alpha * ((1 - l1_ratio) / 2 * ||w||^2 + l1_ratio * ||w||_1)``
        (what the ``tol`` rule monitors and ``loss_curve_`` records). Computed
        only while ``track_unweighted`` is set (0 otherwise)."""
        return np.array(self.objectives)

    @property
    def n_rows(self):
        """Number of rows a pass visits."""
        return self.n_rows

    def shuffle(self, uint64_t[::1] state not None):
        """Draw the order of the next pass: a permutation of ``rows``.

        The permutation is a Fisher-Yates shuffle of ``rows`` in their given
        order, so it depends on ``state`` only, which advances in place.
        """
        if state.shape[0] != 4:
            raise ValueError("the generator state has 4 words")
        if state[0] == 0 and state[1] == 0 and state[2] == 0 and state[3] == 0:
            raise ValueError("the generator state must not be all zero")
        cdef Py_ssize_t i, j, n = self.n_rows
        cdef int32_t swap
        with nogil:
            for i in range(n):
                self.rows[i] = i if self.all_rows else self.initial_rows[i]
            for i in range(n - 1, 0, -1):
                j = <Py_ssize_t>_below(&state[0], <uint64_t>(i + 1))
                swap = self.rows[i]
                self.rows[i] = self.rows[j]
                self.rows[j] = swap

    def mean_losses(self, coef, intercept, sample_rows=None):
        """The divergence rule's mean loss of the models ``coef`` over
        ``sample_rows``, and whether they are finite (the final check of
        :func:`skcosine._training.final_failures`).

        Each row counts with its sample weight, times its class weight for a
        classification; a row with a finite ``row_cap`` counts 0 in the
        ``capped`` models (its loss measures how far the other rows pulled the
        model, not a divergence). The losses are those of the passes
        (``_loss``); ``skcosine._data.loss_values`` is their numpy version.

        Parameters
        ----------
        coef : ndarray of shape (n_features, n_models), dtype of X
            The models' weights as published (``wscale`` applied), C-contiguous.
        intercept : ndarray of shape (n_models,), float64
            Their intercepts.
        sample_rows : ndarray of shape (n_rows,), int32, or None
            The rows, each in ``[0, n_samples)``; every row when ``None``.

        Returns
        -------
        means : ndarray of shape (n_models,)
            Sum of weight times loss over sum of weights (over 1 when the
            weights sum to 0).
        finite : ndarray of shape (n_models,), bool
            Whether a model's weights, intercept and every decision are finite.
        """
        cdef Py_ssize_t k = self.n_models, n = self.n_samples
        coef = _matrix(coef, F32 if self.float32 else F64, self.n_features, "coef", k)
        intercept = _vector(intercept, F64, k, "intercept")
        if sample_rows is not None:
            sample_rows = _vector(sample_rows, I32, None, "sample_rows")
            if sample_rows.shape[0] and (
                sample_rows.min() < 0 or sample_rows.max() >= n
            ):
                raise ValueError(f"sample_rows must be in [0, {n})")
            n = sample_rows.shape[0]
        means, finite, scratch = np.zeros(k), np.ones(k, np.uint8), np.zeros(2 * k)
        cdef const int32_t[::1] rows = sample_rows
        cdef const double[::1] b = intercept
        cdef double[::1] total = means, work = scratch
        cdef uint8_t[::1] ok = finite
        cdef const int32_t *R = &rows[0] if sample_rows is not None and n else NULL
        cdef const float[:, ::1] c32
        cdef const double[:, ::1] c64
        if self.float32:
            c32 = coef
            with nogil:
                self._mean_losses(c32, self.X32, self.data32, self.y32, self.sw32,
                                  &b[0], R, n, &total[0], &work[0], &ok[0])
        else:
            c64 = coef
            with nogil:
                self._mean_losses(c64, self.X64, self.data64, self.y64, self.sw64,
                                  &b[0], R, n, &total[0], &work[0], &ok[0])
        return means, finite.astype(bool)

    cdef void _mean_losses(
        self,
        const floating[:, ::1] coef,
        const floating[:, ::1] X,
        const floating[::1] data,
        const floating[::1] y,
        const floating[::1] sw,
        const double *intercept,
        const int32_t *rows,
        Py_ssize_t n,
        double *total,
        double *work,
        uint8_t *ok,
    ) noexcept nogil:
        """:meth:`mean_losses` on checked arrays; ``rows`` NULL for
        ``0 .. n - 1``; ``work`` holds ``2 * n_models`` doubles."""
        cdef Py_ssize_t i, j, m, row, K = self.n_models, d = self.n_features
        cdef Py_ssize_t nnz = d
        cdef floating *W = <floating *>&coef[0, 0]
        cdef const floating *values = &data[0] if self.sparse else &X[0, 0]
        cdef const floating *Y = NULL if self.classification else &y[0]
        cdef const floating *x
        cdef const int32_t *ind = NULL
        cdef const int32_t *indptr = &self.indptr[0] if self.sparse else NULL
        cdef const int32_t *indices = &self.indices[0] if self.sparse else NULL
        cdef const int32_t *labels = &self.labels[0] if self.classification else NULL
        cdef const int32_t *positive = (
            &self.positive[0] if self.classification else NULL
        )
        cdef const double *cap = &self.row_cap[0] if self.capping else NULL
        cdef const uint8_t *capped = &self.capped[0] if self.capping else NULL
        cdef double *P = work
        cdef double *wsum = work + K
        cdef double value, target = 0.0, weight
        for m in range(K):
            total[m] = 0.0
            wsum[m] = 0.0
            ok[m] = isfinite(intercept[m])
            for j in range(d):
                if not isfinite(W[j * K + m]):
                    ok[m] = False
        for i in range(n):
            row = rows[i] if rows != NULL else i
            if indptr != NULL:
                x = values + indptr[row]
                ind = indices + indptr[row]
                nnz = indptr[row + 1] - indptr[row]
            else:
                x = values + row * d
            if K == 1:
                _dot4(W, x, ind, nnz, P)
            elif floating is double:
                skc_row_d(W, x, ind, nnz, K, P, NULL)
            else:
                skc_row_f(W, x, ind, nnz, K, P, NULL)
            if Y != NULL:
                target = Y[row]
            for m in range(K):
                value = <floating>P[m]  # X @ coef in the dtype of X, as numpy's
                value = value + intercept[m]
                if not isfinite(value):
                    ok[m] = False
                weight = sw[row]
                if labels != NULL:
                    target = 1.0 if labels[row] == positive[m] else self.negative
                    weight = (
                        self.weight_pos[m] if target > 0.0 else self.weight_neg[m]
                    ) * weight
                if cap != NULL and capped[m] and isfinite(cap[row]):
                    weight = 0.0
                total[m] += weight * _loss(self.loss, target, value, self.epsilon)
                wsum[m] += weight
        for m in range(K):
            total[m] = total[m] / (wsum[m] if wsum[m] > 0.0 else 1.0)

    def run(self, const double[:, ::1] rates not None, double start, double step):
        """Train every active model for one pass over ``rows``.

        Parameters
        ----------
        rates : ndarray of shape (n_models, 5)
            Rate plan of every model: ``base, slope, amplitude, phase,
            frequency`` (see the module docstring).
        start, step : float
            Position ``f`` of the first row, and its increment per row.

        Returns
        -------
        finite : bool
            Whether every trained model ended the pass finite. ``losses``
            holds each model's mean loss over the pass (weighted by sample and
            class weights), each row's loss taken just before its update;
            :attr:`unweighted_losses` the same mean with every row counted
            once.
        """
        cdef Py_ssize_t k = self.n_models
        if rates.shape[0] != k or rates.shape[1] != RATE_COLUMNS:
            raise ValueError(f"rates must have shape ({k}, {RATE_COLUMNS})")
        if not (isfinite(start) and isfinite(step)):
            raise ValueError("start and step must be finite")
        cdef bint finite
        with nogil:
            if self.float32:
                self._run(self.coef32, self.avg32, self.q32, self.X32, self.data32,
                          self.y32, self.sw32, rates, start, step)
                finite = self._finite(self.coef32, self.avg32)
                self._objectives(self.coef32)
            else:
                self._run(self.coef64, self.avg64, self.q64, self.X64, self.data64,
                          self.y64, self.sw64, rates, start, step)
                finite = self._finite(self.coef64, self.avg64)
                self._objectives(self.coef64)
        return finite

    cdef void _objectives(self, const floating[:, ::1] coef) noexcept nogil:
        """:attr:`objectives`: the unweighted mean loss of the pass plus the
        penalty of the weights ``coef * wscale`` (in float64) at its end."""
        cdef Py_ssize_t j, m
        cdef double w, squared, l1
        for m in range(self.n_models):
            self.objectives[m] = self.plain_losses[m]
            if not (self.track_unweighted and self.penalized):
                continue
            squared = 0.0
            l1 = 0.0
            for j in range(self.n_features):
                w = <double>coef[j, m] * self.wscale[m]
                squared += w * w
                l1 += fabs(w)
            self.objectives[m] += self.alpha[m] * (
                (1.0 - self.l1_ratio) * 0.5 * squared + self.l1_ratio * l1
            )

    cdef bint _finite(self, floating[:, ::1] coef, floating[:, ::1] avg) noexcept nogil:
        cdef Py_ssize_t j, m
        for m in range(self.n_models):
            if not self.active[m]:
                continue
            if not isfinite(self.intercept[m]):
                return False
            if self.averaging and not isfinite(self.avg_intercept[m]):
                return False
            for j in range(self.n_features):
                if not isfinite(coef[j, m]):
                    return False
                if self.averaging and not isfinite(avg[j, m]):
                    return False
        return True

    cdef void _run(
        self,
        floating[:, ::1] coef,
        floating[:, ::1] avg,
        floating[:, ::1] q,
        const floating[:, ::1] X,
        const floating[::1] data,
        const floating[::1] y,
        const floating[::1] sw,
        const double[:, ::1] rates,
        double start,
        double step,
    ) noexcept nogil:
        """One pass (see :meth:`run`): for every row, the steps of the module
        docstring, each a function below."""
        # The arrays of X's precision, as raw pointers (NULL where unused);
        # the others are in the Pass.
        cdef floating *W = &coef[0, 0]
        cdef floating *A = &avg[0, 0] if self.averaging else NULL
        cdef floating *Q = &q[0, 0] if self.l1 else NULL
        cdef const floating *values = &data[0] if self.sparse else &X[0, 0]
        cdef const floating *Y = NULL if self.classification else &y[0]
        cdef const floating *SW = &sw[0]
        cdef floating *SWt = <floating *>&self.stepw[0]  # the steps, rounded
        cdef const floating *x
        cdef const int32_t *ind = NULL
        cdef Py_ssize_t i, row, ahead, b, nnz = self.n_features
        cdef Py_ssize_t row_bytes = nnz * sizeof(floating)
        # By value: no pointer to it leaves this function (the steps are
        # inlined), so the compiler knows that no store to an array changes it.
        cdef Pass s = self._begin(rates)
        for i in range(s.n):
            row = s.rows[i]
            # Ask for the data of the row visited AHEAD samples later (a hint:
            # no effect on results). A sparse row's values and indices are
            # found through its offset: the offset is asked for AHEAD rows
            # ahead, the values and indices AHEAD // 2 rows ahead, by when the
            # offset has arrived. Written here, not in a function of its own:
            # GCC (12, from -O1) counts prefetches as free of side effects, and
            # deleted every call of a function that did nothing else.
            if s.prefetch and i + AHEAD < s.n:
                ahead = s.rows[i + AHEAD]
                if s.indptr != NULL:
                    SKC_PREFETCH(&s.indptr[ahead])
                    ahead = s.rows[i + AHEAD // 2]
                    b = s.indptr[ahead]
                    SKC_PREFETCH(values + b)
                    SKC_PREFETCH(s.indices + b)
                else:
                    b = 0
                    while b < row_bytes:
                        SKC_PREFETCH((<const char *>(values + ahead * s.d)) + b)
                        b += LINE
                if s.labels != NULL:
                    SKC_PREFETCH(s.labels + ahead)
                else:
                    SKC_PREFETCH(Y + ahead)
                SKC_PREFETCH(SW + ahead)
            if s.indptr != NULL:  # the row's stored values and their columns
                x = values + s.indptr[row]
                ind = s.indices + s.indptr[row]
                nnz = s.indptr[row + 1] - s.indptr[row]
            else:
                x = values + row * s.d
            _decisions(&s, W, x, ind, nnz)                     # step 1
            if s.vary:
                _rates_of_row(&s, i, start, step)
            _steps(&s, row, W, A, Y, SW, SWt)                 # steps 2, 3, 4
            _update_weights(&s, W, SWt, x, ind, nnz)          # step 4
            if A != NULL or Q != NULL:                         # steps 5, 6
                _average_and_truncate(&s, W, A, Q, x, ind, nnz)
            _advance(&s, A)                                    # steps 5, 7
        self._end(s)

    cdef Pass _begin(self, const double[:, ::1] rates) noexcept nogil:
        """The Pass of a pass with ``rates``; zero the loss sums and compute
        the terms of constant rates (once per pass)."""
        cdef Py_ssize_t m, C = SKC_RATE_COLUMNS
        cdef Pass s
        s.K, s.d, s.n = self.n_models, self.n_features, self.n_rows
        s.rows = &self.rows[0] if s.n else NULL
        s.indptr = &self.indptr[0] if self.sparse else NULL
        s.indices = &self.indices[0] if self.sparse else NULL
        s.labels = &self.labels[0] if self.classification else NULL
        s.positive = &self.positive[0] if self.classification else NULL
        s.on = &self.active[0]
        s.cap = &self.row_cap[0] if self.capping else NULL
        s.capped = &self.capped[0] if self.capping else NULL
        s.P, s.S = &self.p[0], &self.step[0]
        s.wscale, s.intercept = &self.wscale[0], &self.intercept[0]
        s.updates, s.alpha = &self.updates[0], &self.alpha[0]
        s.wpos, s.wneg = &self.weight_pos[0], &self.weight_neg[0]
        s.avg_a = &self.avg_a[0] if self.averaging else NULL
        s.avg_b = &self.avg_b[0] if self.averaging else NULL
        s.avg_intercept = &self.avg_intercept[0] if self.averaging else NULL
        s.u = &self.u[0] if self.l1 else NULL
        s.eta, s.factor, s.l1_step = &self.eta[0], &self.factor[0], &self.l1_step[0]
        s.R, s.table, s.block = &rates[0, 0], &self.table[0], self.block
        s.lsum, s.wsum = &self.loss_sum[0], &self.weight_sum[0]
        s.psum = &self.plain_sum[0] if self.track_unweighted else NULL
        s.loss, s.eps, s.max_dloss = self.loss, self.epsilon, self.max_dloss
        s.decay, s.negative = self.intercept_decay, self.negative
        s.average = self.average
        s.l1_ratio, s.l2_ratio = self.l1_ratio, 1.0 - self.l1_ratio
        s.l2 = self.penalized and self.l1_ratio < 1.0
        s.simple = s.K == 1 and not self.averaging and not self.l1
        s.fit_intercept, s.track, s.prefetch = (
            self.fit_intercept, self._track_loss, self._prefetch
        )
        s.vary = False
        for m in range(s.K):
            s.lsum[m] = 0.0
            s.wsum[m] = 0.0
            if s.psum != NULL:
                s.psum[m] = 0.0
            if (s.R[m * C + SKC_RATE_SLOPE] != 0.0
                    or s.R[m * C + SKC_RATE_AMPLITUDE] != 0.0):
                s.vary = True
            _rate_terms(s.R[m * C + SKC_RATE_BASE], s.alpha[m], s.l2_ratio, s.l1_ratio,
                        s.eta + m, s.factor + m, s.l1_step + m)
        return s

    cdef void _end(self, Pass s) noexcept nogil:
        """The mean losses of the pass."""
        cdef Py_ssize_t m
        for m in range(s.K):
            self.losses[m] = s.lsum[m] / s.wsum[m] if s.wsum[m] > 0 else 0.0
            self.plain_losses[m] = (
                s.psum[m] / s.n if s.psum != NULL and s.n > 0 else 0.0
            )


# --- the steps of one row ---------------------------------------------------------


cdef inline void _decisions(
    const Pass *s, floating *W, const floating *x, const int32_t *ind,
    Py_ssize_t nnz,
) noexcept nogil:
    """Step 1: ``P[k] = w_k . x`` (before ``wscale``) for every model: the
    products of feature ``j`` go to partial sum ``j % 4``, summed as
    ``(s0 + s1) + (s2 + s3)``, so that one model's chain of additions is four
    independent chains; every model count K gives the same sums."""
    if s.K == 1:
        _dot4(W, x, ind, nnz, s.P)
    elif floating is double:
        skc_row_d(W, x, ind, nnz, s.K, s.P, NULL)
    else:
        skc_row_f(W, x, ind, nnz, s.K, s.P, NULL)


cdef inline void _rates_of_row(
    Pass *s, Py_ssize_t i, double start, double step
) noexcept nogil:
    """Point the rate terms at those of row ``i``, tabulating the rates of the
    next block of rows at the first row of each block."""
    cdef Py_ssize_t b = i & (s.block - 1)
    if b == 0:
        _fill_rates(s.R, s.K, start, step, i, min(s.block, s.n - i), s.alpha,
                    s.l2_ratio, s.l1_ratio, s.table)
    s.eta = s.table + 3 * s.K * b
    s.factor = s.eta + s.K
    s.l1_step = s.factor + s.K


cdef inline void _steps(
    Pass *s, Py_ssize_t row, floating *W, floating *A, const floating *Y,
    const floating *SW, floating *SWt,
) noexcept nogil:
    """Steps 2 to 4 but the weights, per active model: the decision (rounded
    to the dtype of X, as scikit-learn's ``WeightVector.dot``), the loss of the
    row before its update, the clipped ``dloss`` and the update, the L2 scale,
    the intercept and the L1 penalty so far. ``S[k]`` (``SWt[k]`` rounded to
    the dtype of X) receives the update over ``wscale``, 0 for no update."""
    # scikit-learn's threshold below which wscale is folded into the weights
    # (sklearn/utils/_weight_vector.pyx.tp, reset_wscale_threshold).
    cdef double threshold = 1e-6 if floating is float else 1e-9
    cdef Py_ssize_t m, K = s.K
    cdef int loss = s.loss
    cdef double eps = s.eps, max_dloss = s.max_dloss, decay = s.decay
    cdef bint track = s.track, l2 = s.l2, fit_intercept = s.fit_intercept
    cdef const int32_t *positive = s.positive
    cdef const double *eta = s.eta
    cdef const double *factor = s.factor
    cdef double *wscale = s.wscale
    cdef double *intercept = s.intercept
    cdef double *S = s.S
    cdef int32_t label = s.labels[row] if s.labels != NULL else 0
    cdef double target = 0.0 if s.labels != NULL else Y[row]
    cdef double value, row_loss, dloss, update, rate
    cdef bint at_cap
    cdef floating weight_row = SW[row]
    cdef floating cw, weight, uf
    for m in range(K):
        SWt[m] = 0.0
        S[m] = 0.0
        if not s.on[m]:
            continue
        value = <floating>(s.P[m] * wscale[m])
        value = value + intercept[m]
        if positive != NULL:
            target = 1.0 if label == positive[m] else s.negative
        cw = s.wpos[m] if target > 0.0 else s.wneg[m]
        weight = cw * weight_row
        # a row above its cap updates at the cap (row_cap); its loss is not
        # summed: it measures how far the other rows moved the model
        rate = eta[m]
        at_cap = s.cap != NULL and s.capped[m] and s.cap[row] < rate
        if at_cap:
            rate = s.cap[row]
        if track and not at_cap:
            row_loss = _loss(loss, target, value, eps)
            s.lsum[m] += weight * row_loss
            s.wsum[m] += weight
            if s.psum != NULL:
                s.psum[m] += row_loss
        dloss = _gradient(loss, target, value, eps)
        if dloss < -max_dloss:
            dloss = -max_dloss
        elif dloss > max_dloss:
            dloss = max_dloss
        update = -rate * dloss
        update *= weight
        if l2:
            wscale[m] *= <floating>factor[m]
            if wscale[m] < threshold:
                _fold_model(W, A, wscale, s.avg_a, s.avg_b, s.d, s.K, m)
        if update != 0.0:
            uf = update
            SWt[m] = uf / <floating>wscale[m]
            S[m] = SWt[m] if floating is double else uf / wscale[m]
            if fit_intercept:
                intercept[m] += update * decay
        if s.u != NULL:
            s.u[m] += s.l1_step[m]


cdef inline void _update_weights(
    const Pass *s, floating *W, const floating *SWt, const floating *x,
    const int32_t *ind, Py_ssize_t nnz,
) noexcept nogil:
    """Step 4, the weights: ``w_k += SWt[k] * x`` for every model."""
    cdef Py_ssize_t j, jj
    cdef floating sf
    if s.simple:  # one model, neither averaged nor truncated
        sf = SWt[0]
        if sf != 0.0:
            if ind == NULL:
                for j in range(nnz):
                    W[j] += x[j] * sf
            else:
                for jj in range(nnz):
                    W[ind[jj]] += x[jj] * sf
    elif floating is double:
        skc_row_d(W, x, ind, nnz, s.K, NULL, SWt)
    else:
        skc_row_f(W, x, ind, nnz, s.K, NULL, SWt)


cdef inline void _average_and_truncate(
    const Pass *s, floating *W, floating *A, floating *Q, const floating *x,
    const int32_t *ind, Py_ssize_t nnz,
) noexcept nogil:
    """Steps 5 and 6 on the weights of the row's features (``A`` or ``Q`` is
    NULL without averaging or L1): the averaged weights follow the update,
    then the updated weights are truncated (each weight's own order of
    operations is kept)."""
    cdef Py_ssize_t j, jj, m, K = s.K
    cdef const uint8_t *on = s.on
    cdef const double *S = s.S
    cdef const double *avg_a = s.avg_a
    cdef const double *updates = s.updates
    cdef double average = s.average, z
    cdef floating xf
    cdef floating *w
    cdef floating *a = NULL
    cdef floating *qj
    for jj in range(nnz):
        j = jj if ind == NULL else ind[jj]
        xf = x[jj]
        w = W + j * K
        if A != NULL:
            a = A + j * K
            for m in range(K):
                if on[m] and average <= updates[m]:
                    a[m] += avg_a[m] * xf * -S[m]
        if Q != NULL:
            qj = Q + j * K
            for m in range(K):
                if not on[m]:
                    continue
                z = _truncate(w + m, qj + m, s.u[m], s.wscale[m])
                # The truncation moved the weight by z outside the scaled
                # update: correct the averaged weights as for that update, so
                # that the average holds the truncated iterates.
                if A != NULL and z != 0.0 and average <= updates[m]:
                    a[m] -= avg_a[m] * z


cdef inline void _advance(const Pass *s, const floating *A) noexcept nogil:
    """Steps 5 and 7 for every active model: the averaging scalars and the
    averaged intercept (``A``, the averaged weights, is NULL without
    averaging; the step rounds to their dtype, that of X), then ``t += 1``."""
    cdef Py_ssize_t m
    cdef double average = s.average, mu
    cdef floating num_iter
    for m in range(s.K):
        if not s.on[m]:
            continue
        if A != NULL and average <= s.updates[m]:
            num_iter = <floating>(s.updates[m] - average + 1.0)
            mu = 1.0 / num_iter
            if num_iter > 1.0:
                s.avg_b[m] /= 1.0 - mu
            s.avg_a[m] += mu * s.avg_b[m] * s.wscale[m]
            s.avg_intercept[m] += (
                s.intercept[m] - s.avg_intercept[m]
            ) / (s.updates[m] - average + 1.0)
        s.updates[m] += 1.0


cdef void _fold_model(
    floating *W, floating *A, double *wscale, double *avg_a, double *avg_b,
    Py_ssize_t d, Py_ssize_t K, Py_ssize_t m,
) noexcept nogil:
    """Fold ``wscale`` (and the averaging scalars) of model ``m`` into its
    columns, rounding as scikit-learn's ``WeightVector.reset_wscale``: done when
    ``wscale`` gets too small, as there."""
    cdef Py_ssize_t j
    cdef floating a_f, inv_b_f, scale_f
    if A != NULL and (avg_a[m] != 0.0 or avg_b[m] != 1.0):
        a_f = avg_a[m]
        inv_b_f = 1.0 / avg_b[m]
        for j in range(d):
            A[j * K + m] += a_f * W[j * K + m]
        for j in range(d):
            A[j * K + m] *= inv_b_f
        avg_a[m] = 0.0
        avg_b[m] = 1.0
    if wscale[m] != 1.0:
        scale_f = wscale[m]
        for j in range(d):
            W[j * K + m] *= scale_f
        wscale[m] = 1.0


cdef inline void _dot4(
    const floating *w, const floating *x, const int32_t *ind, Py_ssize_t nnz,
    double *out,
) noexcept nogil:
    """``w . x`` with the products of feature ``j`` in partial sum ``j % 4``."""
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef Py_ssize_t jj, end = nnz - nnz % 4
    if ind == NULL:
        for jj in range(0, end, 4):
            s0 += w[jj] * x[jj]
            s1 += w[jj + 1] * x[jj + 1]
            s2 += w[jj + 2] * x[jj + 2]
            s3 += w[jj + 3] * x[jj + 3]
        if end < nnz:
            s0 += w[end] * x[end]
        if end + 1 < nnz:
            s1 += w[end + 1] * x[end + 1]
        if end + 2 < nnz:
            s2 += w[end + 2] * x[end + 2]
    else:
        for jj in range(0, end, 4):
            s0 += w[ind[jj]] * x[jj]
            s1 += w[ind[jj + 1]] * x[jj + 1]
            s2 += w[ind[jj + 2]] * x[jj + 2]
            s3 += w[ind[jj + 3]] * x[jj + 3]
        if end < nnz:
            s0 += w[ind[end]] * x[end]
        if end + 1 < nnz:
            s1 += w[ind[end + 1]] * x[end + 1]
        if end + 2 < nnz:
            s2 += w[ind[end + 2]] * x[end + 2]
    out[0] = (s0 + s1) + (s2 + s3)


cdef void _fill_rates(
    const double *R, Py_ssize_t K, double start, double step, Py_ssize_t first,
    Py_ssize_t count, const double *alpha, double l2_ratio, double l1_ratio,
    double *table,
) noexcept nogil:
    """Rates of rows ``first .. first + count - 1`` for every model, with their
    L2 factors and L1 steps: row ``r`` of the block at ``table[3 K r ...]``.

    A cosine is exact at the block's first row and advanced by rotations, in
    four interleaved chains (rows ``r = q mod 4``, each rotating by four rows
    at a time), so that no chain of dependent multiplications is longer than
    ``BLOCK / 4``."""
    cdef Py_ssize_t m, r, lane, C = SKC_RATE_COLUMNS
    cdef double *rates = table
    cdef double f0 = start + first * step, base, slope, amplitude, angle, delta
    cdef double c[4]
    cdef double s[4]
    cdef double c4, s4, z
    for m in range(K):
        base = R[m * C + SKC_RATE_BASE]
        slope = R[m * C + SKC_RATE_SLOPE]
        amplitude = R[m * C + SKC_RATE_AMPLITUDE]
        if amplitude == 0.0:  # a line (or a constant)
            for r in range(count):
                rates[3 * K * r + m] = base + slope * (f0 + r * step)
        else:  # a cosine (the segments never combine both)
            angle = R[m * C + SKC_RATE_PHASE] + R[m * C + SKC_RATE_FREQUENCY] * f0
            delta = R[m * C + SKC_RATE_FREQUENCY] * step
            for lane in range(4):
                c[lane] = cos(angle + lane * delta)
                s[lane] = sin(angle + lane * delta)
            c4, s4 = cos(4.0 * delta), sin(4.0 * delta)
            r = 0
            while r < count:
                for lane in range(4):  # independent chains, unrolled by the compiler
                    if r + lane < count:
                        rates[3 * K * (r + lane) + m] = base + amplitude * c[lane]
                    z = c[lane] * c4 - s[lane] * s4
                    s[lane] = s[lane] * c4 + c[lane] * s4
                    c[lane] = z
                r += 4
        for r in range(count):
            _rate_terms(rates[3 * K * r + m], alpha[m], l2_ratio, l1_ratio,
                        rates + 3 * K * r + m, rates + 3 * K * r + K + m,
                        rates + 3 * K * r + 2 * K + m)


cdef inline void _rate_terms(
    double eta, double alpha, double l2_ratio, double l1_ratio,
    double *rate, double *factor, double *l1_step,
) noexcept nogil:
    """The per-sample terms of a learning rate ``eta``: the rate, the L2 scale
    factor ``max(0, 1 - (1 - l1_ratio) eta alpha)`` and the L1 step."""
    cdef double scale = 1.0 - l2_ratio * eta * alpha
    rate[0] = eta
    factor[0] = scale if scale > 0.0 else 0.0
    l1_step[0] = l1_ratio * eta * alpha


cdef inline double _truncate(
    floating *w, floating *q, double u, double wscale
) noexcept nogil:
    """Truncated-gradient L1 step of one weight (Tsuruoka et al., 2009).

    ``u``, the L1 penalty accumulated per weight, overflows to ``+inf`` when
    ``alpha * eta`` is huge; that is a valid state, kept as it is: every
    weight the step touches is then clipped to exactly 0 (``w -+ inf`` is on
    the other side of 0; ``q`` stays finite), as a penalty beyond any weight
    does. The model is all zero, a legitimate (if useless) result, and ``fit``
    and ``partial_fit`` continue from it alike.

    Returns the change of the weight (of ``coef``, unscaled), for the average.
    """
    cdef double z = w[0]
    cdef double value
    if wscale * z > 0.0:
        value = w[0] - (u + q[0]) / wscale
        w[0] = value if value > 0.0 else 0.0
    elif wscale * z < 0.0:
        value = w[0] + (u - q[0]) / wscale
        w[0] = value if value < 0.0 else 0.0
    q[0] += wscale * (w[0] - z)
    return w[0] - z


cdef bint _within(
    const double[::1] values, double low, double high, bint open_low=False
):
    """Whether every value lies in ``[low, high]`` (``(low, high]`` with
    ``open_low``); NaN does not."""
    cdef Py_ssize_t i
    cdef double v
    for i in range(values.shape[0]):
        v = values[i]
        if not (low <= v <= high) or (open_low and v == low):
            return False
    return True


# The dtypes of the checks, made once (comparing with a dtype object is about
# four times as fast as with a scalar type, which numpy converts each time).
F32, F64, I32, U8 = (np.dtype(t) for t in (np.float32, np.float64, np.int32, np.uint8))


cdef object _vector(value, dtype, n, name, bint writeable=False):
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype != dtype:
        raise ValueError(f"{name} must be a 1-d {np.dtype(dtype).name} array")
    if n is not None and value.shape[0] != n:
        raise ValueError(f"{name} must have {n} entries, got {value.shape[0]}")
    flags = value.flags
    if not (flags.c_contiguous and flags.aligned) or (
        writeable and not flags.writeable
    ):
        writable = " and writeable" if writeable else ""
        raise ValueError(f"{name} must be contiguous, aligned{writable}")
    return value


cdef object _matrix(value, dtype, n_rows, name, n_columns=None):
    if not isinstance(value, np.ndarray) or value.ndim != 2 or value.dtype != dtype:
        raise ValueError(f"{name} must be a 2-d {np.dtype(dtype).name} array")
    if value.shape[0] != n_rows or (
        n_columns is not None and value.shape[1] != n_columns
    ):
        raise ValueError(f"{name} has shape {value.shape}, expected ({n_rows}, ...)")
    flags = value.flags
    if not (flags.c_contiguous and flags.aligned and flags.writeable):
        raise ValueError(f"{name} must be C-contiguous, aligned and writeable")
    return value


cdef bint _finite(matrix):
    """Whether every value of a checked float32 or float64 matrix is finite
    (one loop, no temporary array)."""
    cdef const float[:, ::1] m32
    cdef const double[:, ::1] m64
    if matrix.dtype == F32:
        m32 = matrix
        return _all_finite(&m32[0, 0], m32.shape[0] * m32.shape[1])
    m64 = matrix
    return _all_finite(&m64[0, 0], m64.shape[0] * m64.shape[1])


cdef bint _all_finite(const floating *values, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        if not isfinite(values[i]):
            return False
    return True


ctypedef fused index_t:
    int32_t
    int64_t

ctypedef fused offset_t:
    int32_t
    int64_t


def check_csr(Py_ssize_t n_rows, Py_ssize_t n_columns, data,
              const index_t[::1] indices, const offset_t[::1] indptr):
    """Raise ``ValueError`` unless the CSR arrays describe a valid matrix.

    Checks what the kernel relies on: ``indptr`` has ``n_rows + 1`` entries,
    starts at 0, never decreases and ends within ``data`` and ``indices``;
    every column index is in ``[0, n_columns)``. O(nnz), with the GIL
    released. (A CSC matrix is checked as the CSR matrix of its transpose.)
    """
    if n_rows < 0 or n_columns < 0:
        raise ValueError(
            f"a sparse matrix cannot have {n_rows} rows and {n_columns} columns: "
            "the matrix is malformed"
        )
    if indptr.shape[0] != n_rows + 1:
        raise ValueError(
            f"the sparse matrix has {indptr.shape[0]} offsets (indptr), expected "
            f"{n_rows + 1}: the matrix is malformed"
        )
    cdef Py_ssize_t nnz = indices.shape[0]
    if len(data) != nnz:
        raise ValueError(
            "the sparse matrix has data and indices of different lengths: the "
            "matrix is malformed"
        )
    if indptr[0] != 0 or indptr[n_rows] > nnz:
        raise ValueError(
            f"the sparse matrix offsets (indptr) must start at 0 and end at most "
            f"at {nnz}, got {indptr[0]} and {indptr[n_rows]}: the matrix is "
            "malformed"
        )
    cdef Py_ssize_t end = indptr[n_rows]
    cdef Py_ssize_t i, bad_row = -1, bad_index = -1
    cdef int64_t index
    with nogil:
        for i in range(n_rows):
            if indptr[i + 1] < indptr[i]:
                bad_row = i
                break
        if bad_row < 0:
            for i in range(end):
                index = indices[i]
                if index < 0 or index >= n_columns:
                    bad_index = i
                    break
    if bad_row >= 0:
        raise ValueError(
            f"the sparse matrix offsets (indptr) decrease after entry {bad_row}: "
            "the matrix is malformed"
        )
    if bad_index >= 0:
        raise ValueError(
            f"the sparse matrix has index {indices[bad_index]} at position "
            f"{bad_index}, outside [0, {n_columns}): the matrix is malformed"
        )
