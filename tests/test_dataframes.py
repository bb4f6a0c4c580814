"""pandas and polars in, feature names kept; skops persistence."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes, load_iris

from skcosine import CosineSGDClassifier, CosineSGDRegressor

TRUSTED = [
    "skcosine.CosineSGDClassifier",
    "skcosine.CosineSGDRegressor",
    "skcosine.CosineAnnealingLR",
    "skcosine.CosineAnnealingWarmRestarts",
]


@pytest.fixture(scope="module")
def frame():
    data = load_diabetes(as_frame=True)
    return data.data, data.target


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_dataframes_keep_feature_names(frame, library):
    X, y = frame
    if library == "polars":
        pl = pytest.importorskip("polars")
        X, y = pl.from_pandas(X), pl.from_pandas(y)
    model = CosineSGDRegressor(max_iter=10, random_state=0).fit(X, y)
    assert list(model.feature_names_in_) == list(frame[0].columns)
    reference = CosineSGDRegressor(max_iter=10, random_state=0)
    reference.fit(frame[0].to_numpy(), frame[1].to_numpy())
    assert_array_equal(model.coef_, reference.coef_)
    # (predictions may differ in the last bit: the BLAS sees another layout)
    assert_allclose(
        model.predict(X), reference.predict(frame[0].to_numpy()), rtol=1e-12
    )
    with pytest.warns(UserWarning, match="partial_fit now trains at learning rate 0"):
        model.partial_fit(X, y)  # names checked again, same columns
    with pytest.warns(UserWarning, match="feature names"):
        model.predict(frame[0].to_numpy())


def test_renamed_columns_are_refused(frame):
    X, y = frame
    model = CosineSGDRegressor(max_iter=3).fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X.rename(columns={"age": "AGE"}))


def test_string_labels_from_a_dataframe():
    data = load_iris(as_frame=True)
    labels = pd.Series(np.asarray(data.target_names)[data.target], name="species")
    model = CosineSGDClassifier(random_state=0).fit(data.data, labels)
    assert set(model.predict(data.data)) <= set(data.target_names)
    assert model.score(data.data, labels) > 0.8


@pytest.mark.parametrize("Estimator", [CosineSGDRegressor, CosineSGDClassifier])
def test_skops_round_trip_with_listed_trusted_types(Estimator, frame):
    sio = pytest.importorskip("skops.io")
    X, y = frame
    if Estimator is CosineSGDClassifier:
        y = (y > y.median()).astype(int)
    params = dict(max_iter=8, T_max=3, T_mult=2, random_state=0)
    model = Estimator(**params).fit(X, y)
    blob = sio.dumps(model)
    assert set(sio.get_untrusted_types(data=blob)) <= set(TRUSTED)
    loaded = sio.loads(blob, trusted=TRUSTED)
    assert_array_equal(loaded.predict(X), model.predict(X))
    # the loaded model resumes exactly as the original would
    model.partial_fit(
        X, y, **({"classes": [0, 1]} if Estimator is not CosineSGDRegressor else {})
    )
    loaded.partial_fit(X, y)
    assert_array_equal(loaded.coef_, model.coef_)
    assert_array_equal(loaded.learning_rates_, model.learning_rates_)
