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
from libc.math cimport INFINITY, cos, exp, fabs, isfinite, log, log1p, sin
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

import numpy as np

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define SKC_PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
    #else
    #define SKC_PREFETCH(p) ((void)(p))
    #endif
    #if defined(__SIZEOF_INT128__)
    /* High and low 64 bits of a * b (Lemire's bounded random integers). */
    static inline uint64_t skc_mulhi(uint64_t a, uint64_t b, uint64_t *lo) {
        __uint128_t m = (__uint128_t)a * b;
        *lo = (uint64_t)m;
        return (uint64_t)(m >> 64);
    }
    #else
    static inline uint64_t skc_mulhi(uint64_t a, uint64_t b, uint64_t *lo) {
        uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
        uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
        uint64_t middle = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
        *lo = a * b;
        return p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
    }
    #endif

    /* The two loops over a row for K > 1 models side by side: the decisions
       P[k] = sum_jj W[J(jj) * K + k] * x[jj] (coef[j, k] is W[j * K + k];
       feature J(jj) is ind[jj], or jj when dense), and the update
       W[J(jj) * K + k] += x[jj] * step[k]. One model's dot product is
       _dot4's: the products of position jj go to partial sum jj % 4, summed
       as (s0 + s1) + (s2 + s3). Each model's arithmetic is that of the scalar
       loop; the vectors only run models side by side (no fused multiply-adds:
       the build says -ffp-contract=off), so results are the same bits. */
    #define SKC_J(jj) (ind ? ind[jj] : (jj))

    /* Model c alone. */
    #define SKC_ONE_MODEL(T)                                                   \
    static inline void skc_one_##T(                                            \
        T *W, const T *x, const int32_t *ind, Py_ssize_t nnz, Py_ssize_t K,    \
        double *P, const T *step, Py_ssize_t c)                                \
    {                                                                          \
        Py_ssize_t jj, end = nnz - nnz % 4;                                    \
        const T *w = W + c;                                                    \
        if (P) {                                                               \
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;                     \
            for (jj = 0; jj < end; jj += 4) {                                  \
                s0 += w[SKC_J(jj) * K] * x[jj];                                \
                s1 += w[SKC_J(jj + 1) * K] * x[jj + 1];                        \
                s2 += w[SKC_J(jj + 2) * K] * x[jj + 2];                        \
                s3 += w[SKC_J(jj + 3) * K] * x[jj + 3];                        \
            }                                                                  \
            if (end < nnz) s0 += w[SKC_J(end) * K] * x[end];                   \
            if (end + 1 < nnz) s1 += w[SKC_J(end + 1) * K] * x[end + 1];       \
            if (end + 2 < nnz) s2 += w[SKC_J(end + 2) * K] * x[end + 2];       \
            P[c] = (s0 + s1) + (s2 + s3);                                      \
        } else {                                                               \
            T st = step[c];                                                    \
            for (jj = 0; jj < nnz; jj++)                                       \
                W[SKC_J(jj) * K + c] += x[jj] * st;                            \
        }                                                                      \
    }
    SKC_ONE_MODEL(double)
    SKC_ONE_MODEL(float)

    #if defined(_MSC_VER)
    #define SKC_INLINE static __forceinline
    #elif defined(__GNUC__) || defined(__clang__)
    #define SKC_INLINE static inline __attribute__((always_inline))
    #else
    #define SKC_INLINE static inline
    #endif
    /* Models c .. c + NV L - 1, in NV vectors of L lanes (V of T, widened by
       WIDEN to D of double for the sums): the feature loop inside, so that the
       4 NV partial sums (or NV steps) stay in registers over the whole row. */
    #define SKC_CHUNK(T, NAME, V, D, L, WIDEN)                                 \
    SKC_INLINE void NAME(                                                      \
        T *W, const T *x, const int32_t *ind, Py_ssize_t nnz, Py_ssize_t K,    \
        double *P, const T *step, Py_ssize_t c, const int NV)                  \
    {                                                                          \
        Py_ssize_t jj, end = nnz - nnz % 4;                                    \
        int v;                                                                 \
        W += c;                                                                \
        if (P) {                                                               \
            D s0[4], s1[4], s2[4], s3[4];                                      \
            for (v = 0; v < NV; v++)                                           \
                s0[v] = s1[v] = s2[v] = s3[v] = (D){0};                        \
            for (jj = 0; jj < end; jj += 4) {                                  \
                const T *w0 = W + SKC_J(jj) * K, *w1 = W + SKC_J(jj + 1) * K;  \
                const T *w2 = W + SKC_J(jj + 2) * K, *w3 = W + SKC_J(jj + 3) * K; \
                for (v = 0; v < NV; v++) {                                     \
                    s0[v] += WIDEN(*(const V *)(w0 + L * v) * x[jj], D);       \
                    s1[v] += WIDEN(*(const V *)(w1 + L * v) * x[jj + 1], D);   \
                    s2[v] += WIDEN(*(const V *)(w2 + L * v) * x[jj + 2], D);   \
                    s3[v] += WIDEN(*(const V *)(w3 + L * v) * x[jj + 3], D);   \
                }                                                              \
            }                                                                  \
            for (jj = end; jj < nnz; jj++) {                                   \
                const T *w = W + SKC_J(jj) * K;                                \
                for (v = 0; v < NV; v++) {                                     \
                    D z = WIDEN(*(const V *)(w + L * v) * x[jj], D);           \
                    if (jj == end) s0[v] += z;                                 \
                    else if (jj == end + 1) s1[v] += z;                        \
                    else s2[v] += z;                                           \
                }                                                              \
            }                                                                  \
            for (v = 0; v < NV; v++)                                           \
                *(D *)(P + c + L * v) = (s0[v] + s1[v]) + (s2[v] + s3[v]);     \
        } else {                                                               \
            V st[4];                                                           \
            for (v = 0; v < NV; v++)                                           \
                st[v] = *(const V *)(step + c + L * v);                        \
            for (jj = 0; jj < nnz; jj++) {                                     \
                T *w = W + SKC_J(jj) * K;                                      \
                for (v = 0; v < NV; v++)                                       \
                    *(V *)(w + L * v) += x[jj] * st[v];                        \
            }                                                                  \
        }                                                                      \
    }
    /* All K models: chunks of NV vectors, then single vectors, then models
       one at a time; a dense and a sparse copy. */
    #define SKC_ROW_LOOPS(T, NAME, ATTR, V, D, L, NV, WIDEN)                   \
    SKC_CHUNK(T, NAME##_chunk, V, D, L, WIDEN)                                 \
    SKC_INLINE void NAME##_rows(                                               \
        T *W, const T *x, const int32_t *ind, Py_ssize_t nnz, Py_ssize_t K,    \
        double *P, const T *step)                                              \
    {                                                                          \
        Py_ssize_t c = 0;                                                      \
        for (; c + NV * L <= K; c += NV * L)                                   \
            NAME##_chunk(W, x, ind, nnz, K, P, step, c, NV);                   \
        for (; c + L <= K; c += L)                                             \
            NAME##_chunk(W, x, ind, nnz, K, P, step, c, 1);                    \
        for (; c < K; c++)                                                     \
            skc_one_##T(W, x, ind, nnz, K, P, step, c);                        \
    }                                                                          \
    ATTR static void NAME(                                                     \
        T *W, const T *x, const int32_t *ind, Py_ssize_t nnz, Py_ssize_t K,    \
        double *P, const T *step)                                              \
    {                                                                          \
        if (ind)                                                               \
            NAME##_rows(W, x, ind, nnz, K, P, step);                           \
        else                                                                   \
            NAME##_rows(W, x, NULL, nnz, K, P, step);                          \
    }
    #if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 9)
    /* GCC's and Clang's vector extensions. */
    #define SKC_VECTOR(T, N)                                                   \
        __attribute__((vector_size(N * sizeof(T)), aligned(sizeof(T)), may_alias))
    typedef double skc_v2d SKC_VECTOR(double, 2);
    typedef float skc_v2f SKC_VECTOR(float, 2);
    /* Baseline x86-64 and other targets: 16-byte vectors. */
    SKC_ROW_LOOPS(double, skc_row_base_double, , skc_v2d, skc_v2d, 2, 2,
                  __builtin_convertvector)
    SKC_ROW_LOOPS(float, skc_row_base_float, , skc_v2f, skc_v2d, 2, 2,
                  __builtin_convertvector)
    #if defined(__x86_64__) || defined(__i386__)
    /* 32-byte vectors where the CPU has AVX2 (looked up once, at import). */
    typedef double skc_v4d SKC_VECTOR(double, 4);
    typedef float skc_v4f SKC_VECTOR(float, 4);
    #define SKC_AVX2 __attribute__((target("avx2")))
    SKC_ROW_LOOPS(double, skc_row_avx2_double, SKC_AVX2, skc_v4d, skc_v4d, 4, 2,
                  __builtin_convertvector)
    SKC_ROW_LOOPS(float, skc_row_avx2_float, SKC_AVX2, skc_v4f, skc_v4d, 4, 2,
                  __builtin_convertvector)
    static int skc_avx2 = 0;
    static void skc_detect(void) {
        __builtin_cpu_init();
        skc_avx2 = __builtin_cpu_supports("avx2");
    }
    #define SKC_ROW(T, ...)                                                    \
        (skc_avx2 ? skc_row_avx2_##T(__VA_ARGS__) : skc_row_base_##T(__VA_ARGS__))
    #endif
    #else
    /* Other compilers: plain scalars, four models at a time. */
    #define SKC_CAST(v, D) ((D)(v))
    SKC_ROW_LOOPS(double, skc_row_base_double, , double, double, 1, 4, SKC_CAST)
    SKC_ROW_LOOPS(float, skc_row_base_float, , float, double, 1, 4, SKC_CAST)
    #endif
    #if !defined(SKC_ROW)
    static void skc_detect(void) {}
    #define SKC_ROW(T, ...) skc_row_base_##T(__VA_ARGS__)
    #endif
    static void skc_row_d(double *W, const double *x, const int32_t *ind,
                          Py_ssize_t nnz, Py_ssize_t K, double *P,
                          const double *step) {
        SKC_ROW(double, W, x, ind, nnz, K, P, step);
    }
    static void skc_row_f(float *W, const float *x, const int32_t *ind,
                          Py_ssize_t nnz, Py_ssize_t K, double *P,
                          const float *step) {
        SKC_ROW(float, W, x, ind, nnz, K, P, step);
    }
    """
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
    AHEAD = 8  # rows prefetched ahead of the current one
    LINE = 64  # bytes per cache line
    BLOCK = 256  # most rows per table of rates (a power of 2)
    TABLE_SIZE = 4096  # rates per table: fewer rows per table for many models

MAX_INDEX = 2147483647

RATE_COLUMNS = 5
"""Columns of a rate plan: base, slope, amplitude, phase, frequency."""


# --- losses -------------------------------------------------------------------


cdef inline double _log1pexp(double x) noexcept nogil:
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


# --- the random order of the rows ----------------------------------------------


cdef inline uint64_t _rotl(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline uint64_t _next(uint64_t *s) noexcept nogil:
    """xoshiro256** (Blackman and Vigna, 2018)."""
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
        Factor of the intercept updates (scikit-learn's 0.01 for CSR input).
    average : int
        Averaging starts once ``t >= average``; 0 for no averaging.
    max_dloss : float
        Bound on the absolute value of ``dloss``.
    negative : float
        Target of the rows outside a model's positive class (-1, or 0 for the
        log loss).
    track_loss : bool
        Whether a pass sums the loss of every row before its update (for the
        divergence rule; switching it off is for measuring its cost).
    prefetch : bool
        Whether to prefetch the rows visited a few samples ahead (switching it
        off is for measuring what it buys).
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
    cdef bint track_loss, prefetch
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
    cdef double[::1] plain_sum, plain_losses
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
        bint track_loss=True,
        bint prefetch=True,
        row_cap=None,
        capped=None,
    ):
        keep = []
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}")
        self.loss = LOSSES.index(loss)
        dense, data = self._check_data(X, keep)
        dtype = np.float32 if self.float32 else np.float64
        n = self.n_samples
        sample_weight = _vector(sample_weight, dtype, n, "sample_weight")
        keep.append(sample_weight)
        self.classification = positive is not None
        y = None
        if self.classification:
            labels = _vector(targets, np.int32, n, "targets")
            keep.append(labels)
            self.labels = labels
        else:
            y = _vector(targets, dtype, n, "targets")
            keep.append(y)
        if rows is None:  # every row: the order starts from 0, 1, ..., n - 1
            self.rows = np.arange(n, dtype=np.int32)
            self.all_rows = True
        else:
            rows = _vector(rows, np.int32, None, "rows")
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
        self.track_loss = track_loss
        self.prefetch = prefetch
        if not (0.0 <= l1_ratio <= 1.0 and max_dloss > 0 and average >= 0):
            raise ValueError("l1_ratio, max_dloss or average out of range")
        k = self.n_models
        active = _vector(active, np.uint8, k, "active")
        losses = _vector(losses, np.float64, k, "losses", writeable=True)
        keep.extend([active, losses])
        self.active = active
        self.losses = losses
        if row_cap is not None:
            row_cap = _vector(row_cap, np.float64, n, "row_cap")
            if not np.all(row_cap > 0):  # +inf included: no cap
                raise ValueError("row_cap must be > 0 (+inf for no cap)")
            capped = _vector(
                np.ones(k, np.uint8) if capped is None else capped,
                np.uint8, k, "capped",
            )
            keep.extend([row_cap, capped])
            self.row_cap = row_cap
            self.capped = capped
        self.capping = row_cap is not None
        self.loss_sum = np.zeros(k)
        self.weight_sum = np.zeros(k)
        self.plain_sum = np.zeros(k)
        self.plain_losses = np.zeros(k)
        self.p = np.zeros(k)
        self.eta = np.zeros(k)
        self.factor = np.ones(k)
        self.l1_step = np.zeros(k)
        self.step = np.zeros(k)
        self.stepw = np.zeros(k)
        self.block = BLOCK
        while self.block > 8 and self.block * k > TABLE_SIZE:
            self.block //= 2
        self.table = np.zeros(3 * self.block * k)
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
            if X.dtype not in (np.float32, np.float64):
                raise ValueError("X must be float32 or float64")
            if not (X.flags.c_contiguous and X.flags.aligned):
                raise ValueError("X must be C-contiguous and aligned")
            self.float32 = X.dtype == np.float32
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
            name: _vector(value, np.float64, k, name, writeable=True)
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
        if not np.all(np.asarray(updates) >= 1):
            raise ValueError("updates must be >= 1")
        if not (np.all(np.isfinite(intercept)) and np.all(np.isfinite(coef))):
            raise ValueError("coef and intercept must be finite")
        for name in ("alpha", "weight_pos", "weight_neg"):
            values = vectors[name]
            if not np.all((values >= 0) & np.isfinite(values)):
                raise ValueError(f"{name} must be finite and >= 0")
        if not np.all(np.asarray(wscale) > 0) or np.any(np.asarray(wscale) > 1):
            raise ValueError("wscale must be in (0, 1]")
        if positive is not None:
            positive = _vector(positive, np.int32, k, "positive")
            keep.append(positive)
            self.positive = positive
        self.averaging = average_coef is not None
        if self.averaging:
            average_coef = _matrix(average_coef, dtype, d, "average_coef", k)
            average_intercept = _vector(
                average_intercept, np.float64, k, "average_intercept", writeable=True
            )
            average_a = _vector(average_a, np.float64, k, "average_a", writeable=True)
            average_b = _vector(average_b, np.float64, k, "average_b", writeable=True)
            if not (
                np.all(np.isfinite(average_a))
                and np.all(average_b >= 1)
                and np.all(np.isfinite(average_intercept))
                and np.all(np.isfinite(average_coef))
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
            l1_u = _vector(l1_u, np.float64, k, "l1_u", writeable=True)
            if not np.all(np.isfinite(l1_q)):
                raise ValueError("l1_q must be finite")
            if not np.all(l1_u >= 0):  # +inf included: see _truncate
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
            else:
                self._run(self.coef64, self.avg64, self.q64, self.X64, self.data64,
                          self.y64, self.sw64, rates, start, step)
                finite = self._finite(self.coef64, self.avg64)
        return finite

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
        # Raw pointers from here on: memoryview slices must not be copied in
        # the loop (each copy is a struct of a few hundred bytes).
        cdef Py_ssize_t K = self.n_models, d = self.n_features, n = self.n_rows
        cdef Py_ssize_t i, j, m, row, ahead, nnz, b, jj, row_bytes = 0
        cdef floating *W = &coef[0, 0]
        cdef floating *A = &avg[0, 0] if self.averaging else NULL
        cdef floating *Q = &q[0, 0] if self.l1 else NULL
        cdef const floating *Xd = NULL if self.sparse else &X[0, 0]
        cdef const floating *Xs = &data[0] if self.sparse else NULL
        cdef const floating *Y = NULL if self.classification else &y[0]
        cdef const floating *SW = &sw[0]
        cdef const int32_t *labels = &self.labels[0] if self.classification else NULL
        cdef const int32_t *positive = &self.positive[0] if self.classification else NULL
        cdef const int32_t *indices = &self.indices[0] if self.sparse else NULL
        cdef const int32_t *indptr = &self.indptr[0] if self.sparse else NULL
        cdef const int32_t *rows = &self.rows[0] if n else NULL
        cdef const double *R = &rates[0, 0]
        cdef const uint8_t *on = &self.active[0]
        cdef const double *CAP = &self.row_cap[0] if self.capping else NULL
        cdef const uint8_t *capped = &self.capped[0] if self.capping else NULL
        cdef double *P = &self.p[0]
        cdef double *S = &self.step[0]
        cdef floating *SWt = <floating *>&self.stepw[0]
        cdef double *wscale = &self.wscale[0]
        cdef double *intercept = &self.intercept[0]
        cdef double *updates = &self.updates[0]
        cdef double *alpha = &self.alpha[0]
        cdef double *wpos = &self.weight_pos[0]
        cdef double *wneg = &self.weight_neg[0]
        cdef double *avg_a = &self.avg_a[0] if self.averaging else NULL
        cdef double *avg_b = &self.avg_b[0] if self.averaging else NULL
        cdef double *avg_intercept = &self.avg_intercept[0] if self.averaging else NULL
        cdef double *u = &self.u[0] if self.l1 else NULL
        cdef double *TABLE = &self.table[0]
        cdef Py_ssize_t block = self.block
        cdef double *lsum = &self.loss_sum[0]
        cdef double *wsum = &self.weight_sum[0]
        cdef double *psum = &self.plain_sum[0] if self.track_unweighted else NULL
        cdef double row_loss
        cdef const floating *x
        cdef const int32_t *ind
        cdef floating *w
        cdef floating *a
        cdef floating *qj
        cdef floating xf, sf, uf, cw, weight, num_iter, factor
        cdef double f, target, eta, dloss, update, scale, value, z, mu
        cdef bint at_cap = False
        cdef double threshold = 1e-6 if floating is float else 1e-9
        cdef bint vary = False
        cdef double *ETA = &self.eta[0]
        cdef double *FAC = &self.factor[0]
        cdef double *L1S = &self.l1_step[0]
        cdef int32_t label = 0
        cdef floating weight_row
        cdef bint l2 = self.penalized and self.l1_ratio < 1.0
        cdef bint simple = K == 1 and not self.averaging and not self.l1
        cdef double l2_ratio = 1.0 - self.l1_ratio
        cdef double l1_ratio = self.l1_ratio, average = self.average
        cdef double decay = self.intercept_decay, negative = self.negative
        cdef double max_dloss = self.max_dloss, eps = self.epsilon
        cdef int loss = self.loss
        cdef bint track = self.track_loss, fit_intercept = self.fit_intercept
        cdef bint prefetch = self.prefetch
        cdef bint classification = self.classification, sparse = self.sparse
        cdef bint averaging = self.averaging, l1 = self.l1

        for m in range(K):
            lsum[m] = 0.0
            wsum[m] = 0.0
            if psum != NULL:
                psum[m] = 0.0
            if R[m * 5 + 1] != 0.0 or R[m * 5 + 2] != 0.0:
                vary = True
            # the terms of a constant rate, computed once per pass
            _rate_terms(R[m * 5], alpha[m], l2_ratio, l1_ratio, ETA + m, FAC + m,
                        L1S + m)
        if not sparse:
            row_bytes = d * sizeof(floating)

        for i in range(n):
            row = rows[i]
            # Bring the row visited AHEAD samples later into the cache.
            if prefetch and i + AHEAD < n:
                ahead = rows[i + AHEAD]
                if sparse:
                    SKC_PREFETCH(&indptr[ahead])
                    ahead = rows[i + AHEAD // 2]
                    b = indptr[ahead]
                    SKC_PREFETCH(Xs + b)
                    SKC_PREFETCH(indices + b)
                else:
                    b = 0
                    while b < row_bytes:
                        SKC_PREFETCH((<const char *>(Xd + ahead * d)) + b)
                        b += LINE
                if classification:
                    SKC_PREFETCH(labels + ahead)
                else:
                    SKC_PREFETCH(Y + ahead)
                SKC_PREFETCH(SW + ahead)
            if sparse:
                b = indptr[row]
                nnz = indptr[row + 1] - b
                x = Xs + b
                ind = indices + b
            else:
                nnz = d
                x = Xd + row * d
                ind = NULL

            # 1. the decisions of every model: the products of feature j go to
            #    partial sum j % 4, summed as (s0 + s1) + (s2 + s3), so that one
            #    model's chain of additions is four independent chains; every
            #    model count K gives the same sums. (Rounded to the dtype of X,
            #    as scikit-learn's WeightVector.dot does, afterwards.)
            if K == 1:
                _dot4(W, x, ind, nnz, P)
            elif floating is double:
                skc_row_d(W, x, ind, nnz, K, P, NULL)
            else:
                skc_row_f(W, x, ind, nnz, K, P, NULL)

            # 2. per model: loss, rate, penalty scale, update
            if vary:  # a table of the rates of the next block of rows
                b = i & (block - 1)
                if b == 0:
                    _fill_rates(R, K, start, step, i, min(block, n - i), alpha,
                                l2_ratio, l1_ratio, TABLE)
                ETA = TABLE + 3 * K * b
                FAC = ETA + K
                L1S = FAC + K
            if classification:
                label = labels[row]
            else:
                target = Y[row]
            weight_row = SW[row]
            for m in range(K):
                SWt[m] = 0.0
                S[m] = 0.0
                if not on[m]:
                    continue
                value = <floating>(P[m] * wscale[m])
                value = value + intercept[m]
                if classification:
                    target = 1.0 if label == positive[m] else negative
                cw = wpos[m] if target > 0.0 else wneg[m]
                weight = cw * weight_row
                # a row above its cap updates at the cap (row_cap); its loss is
                # not summed: it measures how far the other rows moved the
                # model, not a divergence
                eta = ETA[m]
                at_cap = CAP != NULL and capped[m] and CAP[row] < eta
                if at_cap:
                    eta = CAP[row]
                if track and not at_cap:
                    row_loss = _loss(loss, target, value, eps)
                    lsum[m] += weight * row_loss
                    wsum[m] += weight
                    if psum != NULL:
                        psum[m] += row_loss
                dloss = _gradient(loss, target, value, eps)
                if dloss < -max_dloss:
                    dloss = -max_dloss
                elif dloss > max_dloss:
                    dloss = max_dloss
                update = -eta * dloss
                update *= weight
                if l2:
                    wscale[m] *= <floating>FAC[m]
                    if wscale[m] < threshold:
                        _fold_model(W, A, wscale, avg_a, avg_b, d, K, m)
                if update != 0.0:
                    uf = update
                    SWt[m] = uf / <floating>wscale[m]
                    S[m] = SWt[m] if floating is double else uf / wscale[m]
                    if fit_intercept:
                        intercept[m] += update * decay
                if l1:
                    u[m] += L1S[m]

            # 3. the weights, the averaged weights and the L1 truncation
            if simple:
                sf = SWt[0]
                if sf != 0.0:
                    if ind == NULL:
                        for j in range(d):
                            W[j] += x[j] * sf
                    else:
                        for jj in range(nnz):
                            W[ind[jj]] += x[jj] * sf
            elif floating is double:
                skc_row_d(W, x, ind, nnz, K, NULL, SWt)
            else:
                skc_row_f(W, x, ind, nnz, K, NULL, SWt)
            # Then the averaged weights and the truncation of the updated weights
            # (each weight's own order of operations is kept).
            if averaging or l1:
                for jj in range(nnz):
                    j = jj if ind == NULL else ind[jj]
                    xf = x[jj]
                    w = W + j * K
                    if averaging:
                        a = A + j * K
                        for m in range(K):
                            if on[m] and average <= updates[m]:
                                a[m] += avg_a[m] * xf * -S[m]
                    if l1:
                        qj = Q + j * K
                        for m in range(K):
                            if not on[m]:
                                continue
                            z = _truncate(w + m, qj + m, u[m], wscale[m])
                            # The truncation moved the weight by z outside the
                            # scaled update: correct the averaged weights as for
                            # that update, so that the average holds the
                            # truncated iterates.
                            if averaging and z != 0.0 and average <= updates[m]:
                                a[m] -= avg_a[m] * z

            # 4. averaging scalars, the intercept average, t
            for m in range(K):
                if not on[m]:
                    continue
                if averaging and average <= updates[m]:
                    num_iter = <floating>(updates[m] - average + 1.0)
                    mu = 1.0 / num_iter
                    if num_iter > 1.0:
                        avg_b[m] /= 1.0 - mu
                    avg_a[m] += mu * avg_b[m] * wscale[m]
                    avg_intercept[m] += (
                        intercept[m] - avg_intercept[m]
                    ) / (updates[m] - average + 1.0)
                updates[m] += 1.0

        for m in range(K):
            self.losses[m] = lsum[m] / wsum[m] if wsum[m] > 0 else 0.0
            self.plain_losses[m] = psum[m] / n if psum != NULL and n > 0 else 0.0


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
    cdef Py_ssize_t m, r, lane
    cdef double *rates = table
    cdef double f0 = start + first * step, base, slope, amplitude, angle, delta
    cdef double c[4]
    cdef double s[4]
    cdef double c4, s4, z
    for m in range(K):
        base, slope, amplitude = R[m * 5], R[m * 5 + 1], R[m * 5 + 2]
        if amplitude == 0.0:  # a line (or a constant)
            for r in range(count):
                rates[3 * K * r + m] = base + slope * (f0 + r * step)
        else:  # a cosine (the segments never combine both)
            angle = R[m * 5 + 3] + R[m * 5 + 4] * f0
            delta = R[m * 5 + 4] * step
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


cdef inline double _truncate(floating *w, floating *q, double u, double wscale) noexcept nogil:
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


def _vector(value, dtype, n, name, writeable=False):
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype != dtype:
        raise ValueError(f"{name} must be a 1-d {np.dtype(dtype).name} array")
    if n is not None and value.shape[0] != n:
        raise ValueError(f"{name} must have {n} entries, got {value.shape[0]}")
    if not (value.flags.c_contiguous and value.flags.aligned) or (
        writeable and not value.flags.writeable
    ):
        writable = " and writeable" if writeable else ""
        raise ValueError(f"{name} must be contiguous, aligned{writable}")
    return value


def _matrix(value, dtype, n_rows, name, n_columns=None):
    if not isinstance(value, np.ndarray) or value.ndim != 2 or value.dtype != dtype:
        raise ValueError(f"{name} must be a 2-d {np.dtype(dtype).name} array")
    if value.shape[0] != n_rows or (n_columns is not None and value.shape[1] != n_columns):
        raise ValueError(f"{name} has shape {value.shape}, expected ({n_rows}, ...)")
    if not (value.flags.c_contiguous and value.flags.aligned and value.flags.writeable):
        raise ValueError(f"{name} must be C-contiguous, aligned and writeable")
    return value


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
