"""Test configuration shared by the whole suite."""

import os

# scikit-learn skips its array API estimator check unless SciPy's array API
# support is switched on before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
