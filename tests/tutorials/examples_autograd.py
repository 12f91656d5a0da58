"""Learning PyTorch with Examples, "PyTorch: Tensors and autograd" style: the same polynomial with
the gradients from autograd, the modern accelerator lines, updates under no_grad.

compare: exact (as in examples_tensors.py: every step is deterministic in PyTorch)
"""
import math

import torch

dtype = torch.float
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")
torch.set_default_device(device)
torch.manual_seed(0)

# By default, requires_grad=False: no gradients for the data
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = x - x ** 3 / 6

# Four weights, y = a + b x + c x^2 + d x^3, with requires_grad=True
a = torch.randn((), dtype=dtype, requires_grad=True)
b = torch.randn((), dtype=dtype, requires_grad=True)
c = torch.randn((), dtype=dtype, requires_grad=True)
d = torch.randn((), dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(500):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    # loss is a Tensor of shape (1,); loss.item() is its scalar value
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()

    # Update the weights by hand, outside of autograd's view
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        # Manually zero the gradients after updating weights
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
print(loss.grad_fn, a.requires_grad, x.requires_grad)
