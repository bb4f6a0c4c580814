"""
============================================
Out-of-core training that keeps the schedule
============================================

Data too big for memory is read in blocks and fed to ``partial_fit``. With
``batches_per_epoch`` set to the number of blocks in one pass, call ``k`` trains
at ``schedule_(k / batches_per_epoch)``: the stream follows the same cosine
curve as an in-memory ``fit``, only sampled once per block. Here a CSV file is
read with ``pandas.read_csv(chunksize=...)``; ``dask_ml.wrappers.Incremental``
over a chunked dask array or dataframe works the same way.
"""

# %%
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skcosine import CosineSGDRegressor

X, y = load_diabetes(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().set_output(transform="pandas").fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

folder = Path(tempfile.mkdtemp())
X_train.assign(target=y_train).to_csv(folder / "train.csv", index=False)

epochs, blocks = 30, 5
chunksize = -(-len(y_train) // blocks)
streamed = CosineSGDRegressor(
    eta0=0.02, max_iter=epochs, batches_per_epoch=blocks, random_state=0
)
for _ in range(epochs):
    for chunk in pd.read_csv(folder / "train.csv", chunksize=chunksize):
        streamed.partial_fit(chunk.drop(columns="target"), chunk["target"])
shutil.rmtree(folder)  # the CSV file was needed for the stream only

in_memory = CosineSGDRegressor(eta0=0.02, max_iter=epochs, random_state=0)
in_memory.fit(X_train, y_train)
print(f"streamed  R^2 = {streamed.score(X_test, y_test):.4f}")
print(f"in memory R^2 = {in_memory.score(X_test, y_test):.4f}")

# %%
# The rate of every block and of every in-memory epoch: the same curve.
fig, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
ax.step(
    [k / blocks for k in range(len(streamed.learning_rates_))],
    streamed.learning_rates_,
    where="post",
    label=f"partial_fit, {blocks} blocks per epoch",
)
ax.plot(in_memory.learning_rates_, "o", label="fit, one epoch per point")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.set_title("The same cosine schedule, streamed in blocks or fitted in memory")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()
