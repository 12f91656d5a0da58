"""Learning PyTorch with Examples, "Warm-up: NumPy" style: fit a third-order polynomial with
hand-written gradients in NumPy, then hand the arrays to PyTorch through the NumPy bridge.

compare: exact (float64 NumPy arithmetic; the bridge shares memory; float64 sums in PyTorch's order)
"""
import math

import numpy as np
import torch

rng = np.random.default_rng(0)
x = np.linspace(-math.pi, math.pi, 2000)
y = x - x ** 3 / 6  # a known cubic as the target (no transcendental)

a, b, c, d = rng.standard_normal(4)
learning_rate = 1e-6
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = np.square(y_pred - y).sum()
    if t % 100 == 99:
        print(t, loss)
    grad_y_pred = 2.0 * (y_pred - y)
    a -= learning_rate * grad_y_pred.sum()
    b -= learning_rate * (grad_y_pred * x).sum()
    c -= learning_rate * (grad_y_pred * x ** 2).sum()
    d -= learning_rate * (grad_y_pred * x ** 3).sum()
print(f'Result: y = {a} + {b} x + {c} x^2 + {d} x^3')

# The same arrays as tensors: no copy, so a change on one side shows on the other
tx = torch.from_numpy(x)
ty = torch.from_numpy(y)
print(tx.dtype, tx.shape)
print(((tx - ty) ** 2).sum().item())
x[0] = 0.0
print(tx[0].item())
print(torch.tensor(x).sum().item(), tx.sum().item(), float(x.sum()))
