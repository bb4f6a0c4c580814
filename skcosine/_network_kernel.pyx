# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""The MLP's per-element steps, fused: what :mod:`skcosine._network` did in
several NumPy passes over the same memory, done in one.

* :func:`adam_step`, :func:`sgd_step`: the gradient's penalty and scaling,
  then the optimizer's update, in one pass over the flat parameters (the
  loop is in ``_network_kernel.h``, which also says what bit identity with
  the NumPy code rests on);
* :func:`add_bias_activation`: a hidden layer's ``z += intercept`` and its
  relu (or nothing, for the identity);
* :func:`activation_derivative`: a hidden delta times the derivative of its
  activation, written through the activation's output, and its column sums
  (the intercepts' gradient);
* :func:`gather_rows`: a shuffled batch's rows of the training data (inputs,
  targets, sample weights) copied into the batch buffers in one pass that
  asks for each row's memory a few rows ahead (copies only).

All loops are C, in ``_network_kernel.h``.

Each function checks its arrays (type, dtype, dimensions, contiguity,
lengths, writeability) with the GIL held, then runs without it. Each
element goes through the operations of the NumPy code, in the same order and
precision, so that results are the same bits.

The scalar constants (``alpha``, the betas, ``epsilon``, the rate, the
momentum) are rounded to the dtype, as NumPy rounds a Python float in
``float32_array * 0.9``. A NumPy float64 scalar is not rounded by NumPy (the
product is computed in double): with float32 data and such a hyperparameter,
the NumPy code's last bits differed from these steps'. Adam's step size is
the exception the NumPy code always had: a float64 (``np.sqrt`` makes it
one), so its product with ``m`` is computed in double here too.
"""

from cython cimport floating
from libc.stdint cimport int32_t, int64_t

import numpy as np

cdef extern from "_network_kernel.h":
    Py_ssize_t skn_gather_int32_t(const int32_t *rows, Py_ssize_t m, Py_ssize_t n,
                                  int n_sources, const char *const *src,
                                  char *const *out,
                                  const Py_ssize_t *bytes) noexcept nogil
    Py_ssize_t skn_gather_int64_t(const int64_t *rows, Py_ssize_t m, Py_ssize_t n,
                                  int n_sources, const char *const *src,
                                  char *const *out,
                                  const Py_ssize_t *bytes) noexcept nogil
    ctypedef struct skn_constants_double:
        double alpha, sw_sum, b1, one_minus_b1, b2, one_minus_b2, eps
        double neg_lr_t, rate, momentum
    ctypedef struct skn_constants_float:
        float alpha, sw_sum, b1, one_minus_b1, b2, one_minus_b2, eps
        double neg_lr_t
        float rate, momentum
    void skn_detect() noexcept nogil
    void skn_adam_d(double *w, const double *grad, double *m, double *v,
                    Py_ssize_t n, Py_ssize_t n_coefs,
                    const skn_constants_double *c) noexcept nogil
    void skn_adam_f(float *w, const float *grad, float *m, float *v,
                    Py_ssize_t n, Py_ssize_t n_coefs,
                    const skn_constants_float *c) noexcept nogil
    void skn_sgd_d(double *w, const double *grad, double *vel, Py_ssize_t n,
                   Py_ssize_t n_coefs, const skn_constants_double *c,
                   int nesterov) noexcept nogil
    void skn_sgd_f(float *w, const float *grad, float *vel, Py_ssize_t n,
                   Py_ssize_t n_coefs, const skn_constants_float *c,
                   int nesterov) noexcept nogil
    void skn_bias_d(double *z, const double *b, Py_ssize_t rows,
                    Py_ssize_t cols, int relu) noexcept nogil
    void skn_bias_f(float *z, const float *b, Py_ssize_t rows,
                    Py_ssize_t cols, int relu) noexcept nogil
    void skn_derivative_d(const double *a, double *delta, double *sums,
                          Py_ssize_t rows, Py_ssize_t cols,
                          int code) noexcept nogil
    void skn_derivative_f(const float *a, float *delta, float *sums,
                          Py_ssize_t rows, Py_ssize_t cols,
                          int code) noexcept nogil

skn_detect()

# The dtypes the steps run in.
DTYPES = (np.dtype(np.float64), np.dtype(np.float32))

# The hidden activations whose derivative is fused (the identity's is 1).
DERIVATIVES = ("relu", "tanh", "logistic")

# The row numbers gather_rows reads (the fit's order is int32, or intp).
INDEX_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))

cdef enum:
    MAX_SOURCES = 3  # a batch's inputs, targets and sample weights

# The names gather_rows gives its arrays in its errors.
SOURCE_NAMES = tuple(f"sources[{k}]" for k in range(MAX_SOURCES))
OUT_NAMES = tuple(f"outs[{k}]" for k in range(MAX_SOURCES))


def _check_arrays(names, arrays, ndim, writeable=True):
    """Every array a C-contiguous ndarray (``writeable``, unless told
    otherwise) of ``ndim`` dimensions and of one dtype in ``DTYPES``;
    returns that dtype."""
    dtype = None
    for name, array in zip(names, arrays):
        if not isinstance(array, np.ndarray):
            raise ValueError(f"{name} must be a NumPy array, got {type(array)}")
        if array.ndim != ndim:
            raise ValueError(f"{name} must be {ndim}-d, got {array.ndim}-d")
        if array.dtype not in DTYPES:
            raise ValueError(f"{name} must be float64 or float32, got {array.dtype}")
        if dtype is not None and array.dtype != dtype:
            raise ValueError(f"{name} is {array.dtype}, {names[0]} {dtype}")
        if not array.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous")
        if writeable and not array.flags.writeable:
            raise ValueError(f"{name} must be writeable")
        dtype = array.dtype
    return dtype


def _check_same_length(names, arrays):
    """The arrays have the length of the first."""
    n = arrays[0].shape[0]
    for name, array in zip(names[1:], arrays[1:]):
        if array.shape[0] != n:
            raise ValueError(
                f"{name} has {array.shape[0]} elements, {names[0]} {n}"
            )


def _check_update(names, arrays, n_coefs, sw_sum):
    """The flat arrays of an update and the bounds of its parameters: the
    coefficients ``[0, n_coefs)`` of the parameters, and a batch weight
    ``sw_sum`` that NumPy would not promote beyond the dtype (as the NumPy
    code divided by it, it must be a positive number of that precision)."""
    dtype = _check_arrays(names, arrays, 1)
    _check_same_length(names, arrays)
    if not 0 <= n_coefs <= arrays[0].shape[0]:
        raise ValueError(
            f"n_coefs={n_coefs} must be in [0, {arrays[0].shape[0]}]"
        )
    # a NumPy scalar of a wider float promotes under NumPy 2 and not under
    # NumPy 1's value-based casting: refused alike, so that the bits never
    # depend on the NumPy version (an int, a Python float or a scalar of the
    # arrays' dtype divide in that dtype under both)
    if isinstance(sw_sum, np.generic) and np.result_type(sw_sum) not in (
        dtype,
        np.dtype(np.int64),
        np.dtype(np.int32),
    ):
        raise ValueError(
            f"sw_sum={sw_sum!r} ({type(sw_sum).__name__}) would promote "
            f"{dtype} arithmetic"
        )
    return dtype


def adam_step(theta, grad, m, v, Py_ssize_t n_coefs, double alpha, sw_sum,
              double beta_1, double beta_2, double epsilon, double lr_t):
    """Finish the gradient and apply one Adam update, in place.

    ``grad`` holds the raw gradients (``a^T delta`` of the coefficients
    ``theta[:n_coefs]``, then ``sum(delta)`` of the intercepts) and is left
    as it was; ``m`` and ``v`` are Adam's moments; ``lr_t`` the step size
    of this update, ``lr * sqrt(1 - b2^t) / (1 - b1^t)``."""
    names = ("theta", "grad", "m", "v")
    dtype = _check_update(names, (theta, grad, m, v), n_coefs, sw_sum)
    if dtype == np.float64:
        _adam[double](theta, grad, m, v, n_coefs, alpha, sw_sum, beta_1,
                      beta_2, epsilon, lr_t)
    else:
        _adam[float](theta, grad, m, v, n_coefs, alpha, sw_sum, beta_1,
                     beta_2, epsilon, lr_t)


cdef void _adam(floating[::1] theta, const floating[::1] grad,
                floating[::1] m, floating[::1] v, Py_ssize_t n_coefs,
                double alpha, double sw_sum, double beta_1, double beta_2,
                double epsilon, double lr_t) noexcept:
    """The constants in the precision NumPy used (each rounded to the dtype,
    ``1 - b`` computed in double first, as in Python; the step size stays a
    double), then the pass."""
    cdef skn_constants_double c64
    cdef skn_constants_float c32
    cdef Py_ssize_t n = theta.shape[0]
    if n == 0:
        return
    if floating is double:
        c64.alpha, c64.sw_sum = alpha, sw_sum
        c64.b1, c64.one_minus_b1 = beta_1, 1.0 - beta_1
        c64.b2, c64.one_minus_b2 = beta_2, 1.0 - beta_2
        c64.eps, c64.neg_lr_t = epsilon, -lr_t
        with nogil:
            skn_adam_d(&theta[0], &grad[0], &m[0], &v[0], n, n_coefs, &c64)
    else:
        c32.alpha, c32.sw_sum = <float>alpha, <float>sw_sum
        c32.b1, c32.one_minus_b1 = <float>beta_1, <float>(1.0 - beta_1)
        c32.b2, c32.one_minus_b2 = <float>beta_2, <float>(1.0 - beta_2)
        c32.eps, c32.neg_lr_t = <float>epsilon, -lr_t
        with nogil:
            skn_adam_f(&theta[0], &grad[0], &m[0], &v[0], n, n_coefs, &c32)


def sgd_step(theta, grad, velocity, Py_ssize_t n_coefs, double alpha, sw_sum,
             double rate, double momentum, bint nesterov):
    """Finish the gradient and apply one momentum-SGD update at ``rate``, in
    place (``grad`` as for :func:`adam_step`; ``velocity`` the moment)."""
    names = ("theta", "grad", "velocity")
    dtype = _check_update(names, (theta, grad, velocity), n_coefs, sw_sum)
    if dtype == np.float64:
        _sgd[double](theta, grad, velocity, n_coefs, alpha, sw_sum, rate,
                     momentum, nesterov)
    else:
        _sgd[float](theta, grad, velocity, n_coefs, alpha, sw_sum, rate,
                    momentum, nesterov)


cdef void _sgd(floating[::1] theta, const floating[::1] grad,
               floating[::1] velocity, Py_ssize_t n_coefs, double alpha,
               double sw_sum, double rate, double momentum,
               bint nesterov) noexcept:
    """The constants rounded to the dtype, then the pass."""
    cdef skn_constants_double c64
    cdef skn_constants_float c32
    cdef Py_ssize_t n = theta.shape[0]
    if n == 0:
        return
    if floating is double:
        c64.alpha, c64.sw_sum = alpha, sw_sum
        c64.rate, c64.momentum = rate, momentum
        with nogil:
            skn_sgd_d(&theta[0], &grad[0], &velocity[0], n, n_coefs, &c64,
                      nesterov)
    else:
        c32.alpha, c32.sw_sum = <float>alpha, <float>sw_sum
        c32.rate, c32.momentum = <float>rate, <float>momentum
        with nogil:
            skn_sgd_f(&theta[0], &grad[0], &velocity[0], n, n_coefs, &c32,
                      nesterov)


def add_bias_activation(z, intercept, bint relu):
    """``z += intercept`` (broadcast over the rows of ``z``), then, if
    ``relu``, ``z = maximum(z, 0)`` (NaN kept, as ``numpy.maximum``)."""
    _check_arrays(("z",), (z,), 2)
    _check_arrays(("intercept",), (intercept,), 1)
    if intercept.dtype != z.dtype or intercept.shape[0] != z.shape[1]:
        raise ValueError(
            f"intercept ({intercept.dtype}, {intercept.shape[0]} elements) "
            f"does not match the columns of z ({z.dtype}, {z.shape[1]})"
        )
    if z.dtype == np.float64:
        _add_bias_activation[double](z, intercept, relu)
    else:
        _add_bias_activation[float](z, intercept, relu)


cdef void _add_bias_activation(floating[:, ::1] z,
                               const floating[::1] intercept,
                               bint relu) noexcept:
    """The pass (``_network_kernel.h``)."""
    cdef Py_ssize_t rows = z.shape[0], cols = z.shape[1]
    if rows == 0 or cols == 0:
        return
    with nogil:
        if floating is double:
            skn_bias_d(&z[0, 0], &intercept[0], rows, cols, relu)
        else:
            skn_bias_f(&z[0, 0], &intercept[0], rows, cols, relu)


def activation_derivative(name, a, delta, sums):
    """``delta`` times the derivative of the hidden activation ``name``,
    from its output ``a``, in place: relu ``delta[a == 0] = 0``, tanh
    ``delta * (1 - a * a)``, logistic ``(delta * a) * (1 - a)``; and
    ``sums``, the column sums of the new ``delta`` (the intercepts'
    gradient), as ``numpy.add.reduce(delta, axis=0)`` adds them."""
    if name not in DERIVATIVES:
        raise ValueError(f"name={name!r} must be one of {DERIVATIVES}")
    _check_arrays(("a", "delta"), (a, delta), 2)
    _check_arrays(("sums",), (sums,), 1)
    if a.shape != delta.shape:
        raise ValueError(f"a is {a.shape}, delta {delta.shape}")
    if sums.dtype != a.dtype or sums.shape[0] != a.shape[1]:
        raise ValueError(
            f"sums ({sums.dtype}, {sums.shape[0]} elements) does not match "
            f"the columns of a ({a.dtype}, {a.shape[1]})"
        )
    cdef int code = DERIVATIVES.index(name)
    if a.dtype == np.float64:
        _derivative[double](code, a, delta, sums)
    else:
        _derivative[float](code, a, delta, sums)


cdef void _derivative(int code, const floating[:, ::1] a,
                      floating[:, ::1] delta, floating[::1] sums) noexcept:
    """The pass (``_network_kernel.h``; ``code`` indexes ``DERIVATIVES``).
    No rows: the sums of nothing, 0."""
    cdef Py_ssize_t rows = a.shape[0], cols = a.shape[1]
    if cols == 0:
        return
    if rows == 0:
        sums[:] = 0
        return
    with nogil:
        if floating is double:
            skn_derivative_d(&a[0, 0], &delta[0, 0], &sums[0], rows, cols,
                             code)
        else:
            skn_derivative_f(&a[0, 0], &delta[0, 0], &sums[0], rows, cols,
                             code)


def gather_rows(rows, sources, outs):
    """Row ``i`` of each ``outs[k]`` is row ``rows[i]`` of ``sources[k]``, as
    ``numpy.take(sources[k], rows, axis=0, out=outs[k])``: a batch's rows of
    the training data (inputs, targets, sample weights), in one pass over
    ``rows`` that asks for each row's memory a few rows before copying it.

    ``rows``: 1-d, C-contiguous, int32 or int64, every index in ``[0, n)``
    (no negative index from the end); ``sources`` (1 to ``MAX_SOURCES``):
    C-contiguous 2-d arrays of ``n`` rows and of one dtype in ``DTYPES``;
    ``outs``: writeable C-contiguous arrays of that dtype, each of
    ``len(rows)`` rows of its source's columns, sharing no memory with it."""
    cdef const int32_t[::1] rows32
    cdef const int64_t[::1] rows64
    cdef const double[:, ::1] source64
    cdef double[:, ::1] out64
    cdef const float[:, ::1] source32
    cdef float[:, ::1] out32
    cdef const char *src[MAX_SOURCES]
    cdef char *out[MAX_SOURCES]
    cdef Py_ssize_t nbytes[MAX_SOURCES]
    cdef Py_ssize_t m, n, bad = -1
    cdef int k, used = 0, n_sources
    # Its own tuples: a caller changing its lists meanwhile changes nothing
    # here, and the arrays stay alive until the copy ends.
    sources, outs = tuple(sources), tuple(outs)
    n_sources = len(sources)
    if not isinstance(rows, np.ndarray):
        raise ValueError(f"rows must be a NumPy array, got {type(rows)}")
    if rows.ndim != 1 or rows.dtype not in INDEX_DTYPES:
        raise ValueError(
            f"rows must be 1-d int32 or int64, got {rows.ndim}-d {rows.dtype}"
        )
    if not rows.flags.c_contiguous:
        raise ValueError("rows must be C-contiguous")
    if not 1 <= n_sources <= MAX_SOURCES or len(outs) != n_sources:
        raise ValueError(
            f"{n_sources} sources and {len(outs)} outs: must be as many, "
            f"1 to {MAX_SOURCES}"
        )
    dtype = _check_arrays(SOURCE_NAMES, sources, 2, writeable=False)
    if _check_arrays(OUT_NAMES, outs, 2) != dtype:
        raise ValueError(f"outs are {outs[0].dtype}, sources {dtype}")
    m, n = rows.shape[0], sources[0].shape[0]
    for k in range(n_sources):
        source, target = sources[k], outs[k]
        if source.shape[0] != n:
            raise ValueError(
                f"sources[{k}] has {source.shape[0]} rows, sources[0] {n}"
            )
        if target.shape != (m, source.shape[1]):
            raise ValueError(
                f"outs[{k}] is {target.shape}, must be {(m, source.shape[1])} "
                f"(the rows asked for, the columns of sources[{k}])"
            )
        if np.may_share_memory(source, target):
            raise ValueError(f"outs[{k}] shares memory with sources[{k}]")
    if m == 0:
        return  # no row asked for (nor an address to take)
    for k in range(n_sources):
        if sources[k].shape[1] == 0:
            continue  # nothing to copy (nor an address to take)
        nbytes[used] = sources[k].shape[1] * dtype.itemsize
        if dtype == np.float64:
            source64, out64 = sources[k], outs[k]
            src[used] = <const char *>&source64[0, 0]
            out[used] = <char *>&out64[0, 0]
        else:
            source32, out32 = sources[k], outs[k]
            src[used] = <const char *>&source32[0, 0]
            out[used] = <char *>&out32[0, 0]
        used += 1
    # Every index is checked by the loop as it reads it (the one check: a
    # check here, before it, could be undone by another thread meanwhile);
    # an index out of range stops the copy there.
    if rows.dtype == np.int32:
        rows32 = rows
        with nogil:
            bad = skn_gather_int32_t(&rows32[0], m, n, used, src, out, nbytes)
    else:
        rows64 = rows
        with nogil:
            bad = skn_gather_int64_t(&rows64[0], m, n, used, src, out, nbytes)
    if bad >= 0:
        raise ValueError(f"rows[{bad}]={rows[bad]} is not in [0, {n})")
