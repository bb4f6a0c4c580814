"""Test configuration shared by the whole suite."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

# scikit-learn skips its array API estimator check unless SciPy's array API
# support is switched on before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_diabetes, load_iris, load_wine  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


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


# --- a child interpreter, for what would crash this one ---------------------------

ROOT = Path(__file__).resolve().parent.parent
"""The repository: the child appends it to ``sys.path`` (last, so that
``skcosine`` is still the installed package) to import the test modules as
``tests.test_x``."""


def run_child(code, timeout=120):
    """Run ``code`` in a fresh interpreter, in an empty directory of its own.

    A segfault or a hang there fails the calling test instead of killing
    pytest. Each child costs an interpreter start and the imports (2-9 s in
    CI): group cases, one child per test file where possible.

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text.
    """
    preamble = f"import sys\nsys.path.append({str(ROOT)!r})\n"
    try:
        with tempfile.TemporaryDirectory() as directory:
            return subprocess.run(
                [sys.executable, "-c", preamble + textwrap.dedent(code)],
                cwd=directory,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the child did not finish within {timeout} s:\n{code}")


def child_reports(function, cases, timeout=120):
    """Run ``function(cases)`` in a child, which prints one JSON object per
    case (with its ``"case"``); ``(child, {case: report})``.

    Parameters
    ----------
    function : str
        ``"tests.test_x.name"``: a function of a test module.
    cases : list of str
        Its argument; a case after a crash has no report.
    timeout : float
        Seconds before the child counts as hung.
    """
    module, name = function.rsplit(".", 1)
    child = run_child(
        f"""
        from {module} import {name}
        {name}({list(cases)!r})
        """,
        timeout=timeout,
    )
    reports = {}
    for line in child.stdout.splitlines():
        if line.startswith("{"):
            report = json.loads(line)
            reports[report["case"]] = report
    return child, reports


def report_outcome(case, call):
    """Child side: run ``call()`` and print its outcome as one JSON line:
    ``error`` (the exception's type name, or None), ``value_error``,
    ``message`` and, for a result, whether every number in it is finite."""
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
