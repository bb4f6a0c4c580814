"""Test configuration shared by the whole suite."""

import os

# scikit-learn skips its array API estimator check unless SciPy's array API
# support is switched on before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


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
