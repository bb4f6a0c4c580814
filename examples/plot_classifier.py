"""
==========================================
A cosine-annealed classifier on wine data
==========================================

:class:`~skcosine.CosineSGDClassifier` trains one binary problem per class
(one versus all), all on the same schedule and in the same pass over the
rows. Every fit records the training loss of each epoch (``loss_curve_``),
drawn here next to the learning rate. With ``tol`` set, each problem follows
scikit-learn's stopping rule; here ``n_iter_no_change`` equals the budget, so
the whole cycle runs.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_wine
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDClassifier, LearningRateScheduleDisplay

X, y = load_wine(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = make_pipeline(
    StandardScaler(),
    CosineSGDClassifier(
        loss="log_loss",
        max_iter=40,
        warmup_epochs=3,
        tol=0.0,
        n_iter_no_change=40,
        random_state=0,
    ),
)
model.fit(X_train, y_train)
print(classification_report(y_test, model.predict(X_test)))

# %%
# The learning rate of every epoch and the training loss (mean over the three
# one-versus-all problems).
fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
display = LearningRateScheduleDisplay.from_estimator(model[-1], ax=ax)
fig.suptitle("Learning rate and training loss per epoch on the wine data")
plt.show()

# %%
# Class probabilities come from the log loss, as in scikit-learn.
print(model.predict_proba(X_test[:3]).round(3))
