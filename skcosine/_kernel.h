/* The C half of skcosine's SGD kernel (skcosine/_kernel.pyx includes it).

   It holds what Cython cannot say: the row loops that run K models side by
   side in GCC's and Clang's vector extensions, their AVX2 copy chosen once at
   import from the CPU, the prefetch hint and a 64 x 64 -> 128-bit product.

   Bit identity. The kernel gives the same bits whatever the number of models
   trained together, the vector width (scalar, 16 or 32 bytes) and the CPU,
   because every model's arithmetic is the scalar loop's, operation for
   operation, in the same order. That rests on the compiler never contracting
   a * b + c into a fused multiply-add, which rounds once instead of twice:
   meson.build builds this extension with -ffp-contract=off (kernel_c_args).
   A build without it (or with -ffast-math) may change results in the last
   bits wherever the target has FMA instructions. */
#ifndef SKCOSINE_KERNEL_H
#define SKCOSINE_KERNEL_H

#include <Python.h> /* Py_ssize_t */
#include <stdint.h>

/* The columns of a rate plan: the rate of a model at position f of a pass is
   BASE + SLOPE * f + AMPLITUDE * cos(PHASE + FREQUENCY * f) (see _kernel.pyx;
   CosineAnnealingLR.segments returns the same columns). Exported to Python as
   skcosine._kernel.RATE_BASE ... RATE_COLUMNS. */
enum {
    SKC_RATE_BASE = 0,
    SKC_RATE_SLOPE = 1,
    SKC_RATE_AMPLITUDE = 2,
    SKC_RATE_PHASE = 3,
    SKC_RATE_FREQUENCY = 4,
    SKC_RATE_COLUMNS = 5
};

/* A hint that the cache line holding p will be read soon (no effect on
   results; compilers without the builtin ignore it). */
#if defined(__GNUC__) || defined(__clang__)
#define SKC_PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
#else
#define SKC_PREFETCH(p) ((void)(p))
#endif
#if defined(__SIZEOF_INT128__)
/* High and low 64 bits of a * b: the multiplication of Lemire's bounded random
   integers (Lemire, "Fast random integer generation in an interval", ACM
   TOMACS 29(1), 2019), in 128-bit arithmetic where the compiler has it. */
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
/* Other compilers: plain scalars, four models at a time (the lanes of a
   vector become independent scalars: same operations, same bits). */
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

#endif /* SKCOSINE_KERNEL_H */
