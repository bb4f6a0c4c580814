/* The C half of the MLP's fused steps (skcosine/_network_kernel.pyx
   includes it): one pass over the flat parameters that finishes the
   gradient and applies the optimizer's update, for Adam and for momentum
   SGD, and the per-element work of the hidden layers (bias and relu, the
   activation's derivative), in float64 and float32, with AVX2 and AVX-512
   copies chosen once at import from the CPU.

   Bit identity. Each element goes through the operations of the NumPy code
   it replaces (skcosine/_network.py's Optimizer before the fused steps), in
   the same order and the same precision, one rounding per operation: the
   build says -ffp-contract=off (no fused multiply-adds), and sqrt is IEEE's
   correctly rounded square root whatever the instruction (-fno-math-errno
   only lets the compiler skip errno, so that the loop vectorizes). The
   vector width changes how many elements run side by side, never what is
   computed for one.

   Per element, with w the parameter and g its raw gradient (a^T delta, or
   sum(delta) for an intercept):
     g = (g + w * alpha) / sw_sum   (coefficients; intercepts: g / sw_sum)
   Adam:
     m = m * b1 + g * (1 - b1);   v = v * b2 + (g * g) * (1 - b2)
     w = w + (m * -lr_t) / (sqrt(v) + eps)
   with m * -lr_t in double (lr_t is a NumPy float64 in the NumPy code, so
   NumPy computes that product in double and rounds it to the dtype);
   SGD:
     vel = vel * momentum - g * rate
     w = w + (vel * momentum - g * rate)  (Nesterov)  or  w = w + vel.
   Hidden layers: z = z + b, then relu max(z, 0) as numpy.maximum (z when
   z >= 0 or NaN, else 0); derivatives, through the output a: relu
   delta = a == 0 ? 0 : delta, tanh delta * (1 - a * a), logistic
   (delta * a) * (1 - a), and the column sums of the new delta (the
   intercepts' gradient). The batch's rows are gathered by copies, with
   prefetches (skn_gather_*, below). */
#ifndef SKCOSINE_NETWORK_KERNEL_H
#define SKCOSINE_NETWORK_KERNEL_H

#include <Python.h> /* Py_ssize_t */
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(_MSC_VER)
#define SKN_INLINE static __forceinline
#elif defined(__GNUC__) || defined(__clang__)
#define SKN_INLINE static inline __attribute__((always_inline))
#else
#define SKN_INLINE static inline
#endif

/* The constants of one update, in the precision NumPy used for each (the
   dtype's, but for Adam's step size, a double). */
#define SKN_CONSTANTS(T)                                                   \
typedef struct {                                                           \
    T alpha, sw_sum;        /* the penalty; the batch's weight */          \
    T b1, one_minus_b1;     /* Adam */                                     \
    T b2, one_minus_b2, eps;                                               \
    double neg_lr_t;        /* -lr * sqrt(1 - b2^t) / (1 - b1^t) */        \
    T rate, momentum;       /* SGD */                                      \
} skn_constants_##T;
SKN_CONSTANTS(double)
SKN_CONSTANTS(float)

/* The square root of each type (correctly rounded, as NumPy's). */
#define SKN_SQRT_double sqrt
#define SKN_SQRT_float sqrtf

/* The finished gradient of one element (PENALIZE: a coefficient). */
#define SKN_GRADIENT(g, w, c, PENALIZE)                                    \
    ((PENALIZE) ? ((g) + (w) * (c)->alpha) / (c)->sw_sum : (g) / (c)->sw_sum)

/* Adam over elements [0, n) (PENALIZE a compile-time constant, so that
   each call is its own straight loop). */
#define SKN_ADAM(T)                                                        \
SKN_INLINE void skn_adam_part_##T(                                         \
    T *restrict w, const T *restrict grad, T *restrict m, T *restrict v,   \
    Py_ssize_t n, const skn_constants_##T *c, const int PENALIZE)          \
{                                                                          \
    const T b1 = c->b1, c1 = c->one_minus_b1, b2 = c->b2;                  \
    const T c2 = c->one_minus_b2, eps = c->eps;                            \
    const double neg_lr_t = c->neg_lr_t;                                   \
    for (Py_ssize_t i = 0; i < n; i++) {                                   \
        T g = SKN_GRADIENT(grad[i], w[i], c, PENALIZE);                    \
        T mi = m[i] * b1 + g * c1;                                         \
        T vi = v[i] * b2 + (g * g) * c2;                                   \
        T step = (T)((double)mi * neg_lr_t);                               \
        m[i] = mi;                                                         \
        v[i] = vi;                                                         \
        w[i] = w[i] + step / (SKN_SQRT_##T(vi) + eps);             \
    }                                                                      \
}
/* Momentum SGD over elements [0, n). */
#define SKN_SGD(T)                                                         \
SKN_INLINE void skn_sgd_part_##T(                                          \
    T *restrict w, const T *restrict grad, T *restrict vel, Py_ssize_t n,  \
    const skn_constants_##T *c, const int PENALIZE, const int NESTEROV)    \
{                                                                          \
    const T rate = c->rate, momentum = c->momentum;                        \
    for (Py_ssize_t i = 0; i < n; i++) {                                   \
        T g = SKN_GRADIENT(grad[i], w[i], c, PENALIZE);                    \
        T scaled = g * rate;                                               \
        T vi = vel[i] * momentum - scaled;                                 \
        vel[i] = vi;                                                       \
        w[i] = w[i] + (NESTEROV ? vi * momentum - scaled : vi);            \
    }                                                                      \
}

/* The hidden activations whose derivative is fused (the order of
   DERIVATIVES in _network_kernel.pyx). */
enum { SKN_RELU = 0, SKN_TANH = 1, SKN_LOGISTIC = 2 };

/* A hidden layer's z = z + b over rows x cols (row-major), then relu. */
#define SKN_HIDDEN(T)                                                      \
SKN_INLINE void skn_bias_part_##T(                                         \
    T *restrict z, const T *restrict b, Py_ssize_t rows, Py_ssize_t cols,  \
    const int RELU)                                                        \
{                                                                          \
    for (Py_ssize_t r = 0; r < rows; r++, z += cols)                       \
        for (Py_ssize_t j = 0; j < cols; j++) {                            \
            T x = z[j] + b[j];                                             \
            z[j] = (!RELU || x >= 0 || x != x) ? x : (T)0;                 \
        }                                                                  \
}                                                                          \
/* delta times the derivative of the activation (CODE: 0 relu, 1 tanh,    \
   2 logistic), from its output a, over rows x cols (row-major); sums, the  \
   column sums of the new delta, as numpy.add.reduce(delta, axis=0) adds   \
   them: the first row, then each next row in turn. */                    \
SKN_INLINE void skn_derivative_part_##T(                                   \
    const T *restrict a, T *restrict delta, T *restrict sums,              \
    Py_ssize_t rows, Py_ssize_t cols, const int CODE)                      \
{                                                                          \
    const T one = 1;                                                       \
    for (Py_ssize_t r = 0; r < rows; r++, a += cols, delta += cols)        \
        for (Py_ssize_t j = 0; j < cols; j++) {                            \
            T d;                                                           \
            if (CODE == SKN_RELU)                                          \
                d = a[j] == 0 ? (T)0 : delta[j];                           \
            else if (CODE == SKN_TANH)                                     \
                d = delta[j] * (one - a[j] * a[j]);                        \
            else                                                           \
                d = (delta[j] * a[j]) * (one - a[j]);                      \
            delta[j] = d;                                                  \
            sums[j] = r == 0 ? d : sums[j] + d;                            \
        }                                                                  \
}

/* The whole update: the coefficients [0, n_coefs) penalized (when alpha is
   not 0: adding 0 * w is skipped, as the NumPy code skips it), then the
   intercepts [n_coefs, n). */
#define SKN_STEPS(T, NAME, ATTR)                                           \
ATTR static void NAME##_adam(                                              \
    T *w, const T *grad, T *m, T *v, Py_ssize_t n, Py_ssize_t n_coefs,     \
    const skn_constants_##T *c)                                            \
{                                                                          \
    if (c->alpha != 0)                                                     \
        skn_adam_part_##T(w, grad, m, v, n_coefs, c, 1);                   \
    else                                                                   \
        skn_adam_part_##T(w, grad, m, v, n_coefs, c, 0);                   \
    skn_adam_part_##T(w + n_coefs, grad + n_coefs, m + n_coefs,            \
                      v + n_coefs, n - n_coefs, c, 0);                     \
}                                                                          \
ATTR static void NAME##_sgd(                                               \
    T *w, const T *grad, T *vel, Py_ssize_t n, Py_ssize_t n_coefs,         \
    const skn_constants_##T *c, int nesterov)                              \
{                                                                          \
    int penalize = c->alpha != 0;                                          \
    if (nesterov && penalize)                                              \
        skn_sgd_part_##T(w, grad, vel, n_coefs, c, 1, 1);                  \
    else if (nesterov)                                                     \
        skn_sgd_part_##T(w, grad, vel, n_coefs, c, 0, 1);                  \
    else if (penalize)                                                     \
        skn_sgd_part_##T(w, grad, vel, n_coefs, c, 1, 0);                  \
    else                                                                   \
        skn_sgd_part_##T(w, grad, vel, n_coefs, c, 0, 0);                  \
    if (nesterov)                                                          \
        skn_sgd_part_##T(w + n_coefs, grad + n_coefs, vel + n_coefs,       \
                         n - n_coefs, c, 0, 1);                            \
    else                                                                   \
        skn_sgd_part_##T(w + n_coefs, grad + n_coefs, vel + n_coefs,       \
                         n - n_coefs, c, 0, 0);                            \
}                                                                          \
ATTR static void NAME##_bias(                                              \
    T *z, const T *b, Py_ssize_t rows, Py_ssize_t cols, int relu)          \
{                                                                          \
    if (relu)                                                              \
        skn_bias_part_##T(z, b, rows, cols, 1);                            \
    else                                                                   \
        skn_bias_part_##T(z, b, rows, cols, 0);                            \
}                                                                          \
ATTR static void NAME##_derivative(                                        \
    const T *a, T *delta, T *sums, Py_ssize_t rows, Py_ssize_t cols,       \
    int code)                                                              \
{                                                                          \
    if (code == SKN_RELU)                                                  \
        skn_derivative_part_##T(a, delta, sums, rows, cols, SKN_RELU);     \
    else if (code == SKN_TANH)                                             \
        skn_derivative_part_##T(a, delta, sums, rows, cols, SKN_TANH);     \
    else                                                                   \
        skn_derivative_part_##T(a, delta, sums, rows, cols, SKN_LOGISTIC); \
}

/* The rows of a batch, gathered from the training data (the loop of
   gather_rows in _network_kernel.pyx; this loop checks every index as it
   reads it): for
   each source k, row rows[i] of src[k] (bytes[k] bytes a row) copied to row
   i of out[k]. Random rows of data larger than the cache wait for memory:
   the cache lines of row rows[i + SKN_AHEAD] of every source are asked for
   before row i is copied, so that several rows' memory is on its way at
   once (the SGD kernel's AHEAD, skcosine/_kernel.pyx, does the same). Only
   copies: the values are the bits of the source. */
enum {
    /* rows asked for ahead of the one copied (our measurement on the
       100,000 x 50 MLP case of benchmarks/speed.py, 200 rows a batch: 4,
       8, 16 and 32 within noise of each other, 27-30 us a batch against
       np.take's 38-45 us; 8, as the SGD kernel's AHEAD) */
    SKN_AHEAD = 8,
    SKN_LINE = 64 /* bytes per cache line on x86-64 and most ARM cores */
};
#if defined(__GNUC__) || defined(__clang__)
#define SKN_PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
#else
#define SKN_PREFETCH(p) ((void)(p))
#endif
/* Every cache line of the row at p (bytes long). A macro, not a function:
   GCC counts prefetches as free of side effects (see _kernel.pyx). */
#define SKN_PREFETCH_ROW(p, bytes)                                         \
    do {                                                                   \
        const char *skn_end = (const char *)(p) + (bytes);                 \
        for (const char *skn_line = (const char *)((uintptr_t)(p) &        \
                                    ~(uintptr_t)(SKN_LINE - 1));           \
             skn_line < skn_end; skn_line += SKN_LINE)                     \
            SKN_PREFETCH(skn_line);                                        \
    } while (0)
#define SKN_GATHER(I)                                                      \
static Py_ssize_t skn_gather_##I(const I *rows, Py_ssize_t m, Py_ssize_t n, \
                                 int n_sources, const char *const *src,    \
                                 char *const *out, const Py_ssize_t *bytes) \
{                                                                          \
    /* Each index is read once, then checked, then used: a caller thread   \
       writing into rows meanwhile changes which rows are copied, never    \
       where. Returns -1, or the position of an index outside [0, n). */   \
    for (Py_ssize_t i = 0; i < m && i < SKN_AHEAD; i++) {                  \
        I ahead = rows[i];                                                 \
        if (ahead >= 0 && ahead < n)                                       \
            for (int k = 0; k < n_sources; k++)                            \
                SKN_PREFETCH_ROW(src[k] + ahead * bytes[k], bytes[k]);     \
    }                                                                      \
    for (Py_ssize_t i = 0; i < m; i++) {                                   \
        if (i + SKN_AHEAD < m) {                                           \
            I ahead = rows[i + SKN_AHEAD];                                 \
            if (ahead >= 0 && ahead < n)                                   \
                for (int k = 0; k < n_sources; k++)                        \
                    SKN_PREFETCH_ROW(src[k] + ahead * bytes[k], bytes[k]); \
        }                                                                  \
        I row = rows[i];                                                   \
        if (row < 0 || row >= n)                                           \
            return i;                                                      \
        for (int k = 0; k < n_sources; k++)                                \
            memcpy(out[k] + i * bytes[k], src[k] + row * bytes[k],         \
                   (size_t)bytes[k]);                                      \
    }                                                                      \
    return -1;                                                             \
}
SKN_GATHER(int32_t)
SKN_GATHER(int64_t)

SKN_ADAM(double)
SKN_ADAM(float)
SKN_SGD(double)
SKN_SGD(float)
SKN_HIDDEN(double)
SKN_HIDDEN(float)
SKN_STEPS(double, skn_base_double, )
SKN_STEPS(float, skn_base_float, )

#if (defined(__x86_64__) || defined(__i386__)) &&                          \
    (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 9))
/* 32-byte vectors where the CPU has AVX2, 64-byte ones where it has
   AVX-512F (looked up once, at import). */
#define SKN_AVX2 __attribute__((target("avx2")))
#define SKN_AVX512 __attribute__((target("avx512f")))
SKN_STEPS(double, skn_avx2_double, SKN_AVX2)
SKN_STEPS(float, skn_avx2_float, SKN_AVX2)
SKN_STEPS(double, skn_avx512_double, SKN_AVX512)
SKN_STEPS(float, skn_avx512_float, SKN_AVX512)
enum { SKN_BASE = 0, SKN_WITH_AVX2 = 1, SKN_WITH_AVX512 = 2 };
static int skn_level = SKN_BASE;
static void skn_detect(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        skn_level = SKN_WITH_AVX512;
    else if (__builtin_cpu_supports("avx2"))
        skn_level = SKN_WITH_AVX2;
}
#define SKN_CALL(T, STEP, ...)                                             \
    (skn_level == SKN_WITH_AVX512 ? skn_avx512_##T##_##STEP(__VA_ARGS__)   \
     : skn_level == SKN_WITH_AVX2 ? skn_avx2_##T##_##STEP(__VA_ARGS__)     \
                                  : skn_base_##T##_##STEP(__VA_ARGS__))
#else
static void skn_detect(void) {}
#define SKN_CALL(T, STEP, ...) skn_base_##T##_##STEP(__VA_ARGS__)
#endif

static void skn_adam_d(double *w, const double *grad, double *m, double *v,
                       Py_ssize_t n, Py_ssize_t n_coefs,
                       const skn_constants_double *c) {
    SKN_CALL(double, adam, w, grad, m, v, n, n_coefs, c);
}
static void skn_adam_f(float *w, const float *grad, float *m, float *v,
                       Py_ssize_t n, Py_ssize_t n_coefs,
                       const skn_constants_float *c) {
    SKN_CALL(float, adam, w, grad, m, v, n, n_coefs, c);
}
static void skn_sgd_d(double *w, const double *grad, double *vel,
                      Py_ssize_t n, Py_ssize_t n_coefs,
                      const skn_constants_double *c, int nesterov) {
    SKN_CALL(double, sgd, w, grad, vel, n, n_coefs, c, nesterov);
}
static void skn_sgd_f(float *w, const float *grad, float *vel,
                      Py_ssize_t n, Py_ssize_t n_coefs,
                      const skn_constants_float *c, int nesterov) {
    SKN_CALL(float, sgd, w, grad, vel, n, n_coefs, c, nesterov);
}
static void skn_bias_d(double *z, const double *b, Py_ssize_t rows,
                       Py_ssize_t cols, int relu) {
    SKN_CALL(double, bias, z, b, rows, cols, relu);
}
static void skn_bias_f(float *z, const float *b, Py_ssize_t rows,
                       Py_ssize_t cols, int relu) {
    SKN_CALL(float, bias, z, b, rows, cols, relu);
}
static void skn_derivative_d(const double *a, double *delta, double *sums,
                             Py_ssize_t rows, Py_ssize_t cols, int code) {
    SKN_CALL(double, derivative, a, delta, sums, rows, cols, code);
}
static void skn_derivative_f(const float *a, float *delta, float *sums,
                             Py_ssize_t rows, Py_ssize_t cols, int code) {
    SKN_CALL(float, derivative, a, delta, sums, rows, cols, code);
}

#endif /* SKCOSINE_NETWORK_KERNEL_H */
