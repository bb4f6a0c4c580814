"""
=====================
Shapes of a schedule
=====================

The three shapes skcosine offers: one cosine cycle that then holds ``lr_min``,
warm restarts with cycles that grow by ``T_mult``, and a linear warmup before
the cosine. They are pure functions of the epoch, so plotting one is calling it
on a range of epochs; the last plot shows how the estimators follow a short
cycle epoch by epoch or sample by sample (``anneal_per``).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skcosine import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    LearningRateScheduleDisplay,
)

single = CosineAnnealingLR(lr_initial=0.1, lr_min=0.001, T_max=10)
print(single([0, 5, 10, 15]))  # the worked example: 0.1, 0.0505, 0.001, 0.001

# %%
# Each schedule on its own axes, 60 epochs.
schedules = {
    "CosineAnnealingLR(T_max=40)": CosineAnnealingLR(
        lr_initial=0.1, lr_min=0.005, T_max=40
    ),
    "CosineAnnealingWarmRestarts(T_0=5, T_mult=2)": CosineAnnealingWarmRestarts(
        lr_initial=0.1, lr_min=0.005, T_0=5, T_mult=2
    ),
    "CosineAnnealingLR(T_max=40, warmup_epochs=8)": CosineAnnealingLR(
        lr_initial=0.1, lr_min=0.005, T_max=40, warmup_epochs=8
    ),
}
fig, axes = plt.subplots(3, 1, figsize=(7, 7.5), sharex=True, layout="constrained")
for ax, (name, schedule) in zip(axes, schedules.items()):
    LearningRateScheduleDisplay.from_schedule(schedule, 60, ax=ax, name=name)
    ax.label_outer()  # one "epoch" label, under the last axes
fig.suptitle("Three schedule shapes: learning rate over 60 epochs")
plt.show()

# %%
# Schedules accept fractional epochs too, and this is what the estimators'
# ``anneal_per="sample"`` uses. Over a cycle of three epochs the default,
# ``anneal_per="epoch"``, runs every update of epoch ``e`` at ``schedule(e)``:
# a staircase that spends a whole epoch at the top rate. With
# ``anneal_per="sample"``, the ``i``-th of the ``n`` updates of epoch ``e`` runs
# at ``schedule(e + i / n)``, the smooth curve (the kernel evaluates it from
# ``schedule.segments``, the closed form of the schedule within each epoch).
short = CosineAnnealingLR(lr_initial=0.1, T_max=3)
epochs = np.linspace(0, 3, 1000)
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
ax.step([0, 1, 2, 3], short([0, 1, 2, 2]), where="post", label='anneal_per="epoch"')
ax.plot(epochs, short(epochs), label='anneal_per="sample"')
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.set_title("One 3-epoch cycle, annealed per epoch or per sample")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()
