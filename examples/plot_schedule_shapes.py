"""
=====================
Shapes of a schedule
=====================

The three shapes skcosine offers: one cosine cycle that then holds ``lr_min``,
warm restarts with cycles that grow by ``T_mult``, and a linear warmup before
the cosine. They are pure functions of the epoch, so plotting one is calling it
on a range of epochs.
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
fig, axes = plt.subplots(3, 1, figsize=(7, 7), sharex=True)
for ax, (name, schedule) in zip(axes, schedules.items()):
    LearningRateScheduleDisplay.from_schedule(schedule, 60, ax=ax, name=name)
fig.tight_layout()

# %%
# Schedules accept fractional epochs too, for example to change the rate
# within an epoch in a custom loop.
epochs = np.linspace(0, 12, 400)
plt.figure(figsize=(7, 2.5))
plt.plot(epochs, schedules["CosineAnnealingWarmRestarts(T_0=5, T_mult=2)"](epochs))
plt.xlabel("epoch")
plt.ylabel("learning rate")
plt.tight_layout()
