"""60-minute blitz, part 2 style: autograd, vector-Jacobian products, freezing parameters.

compare: approx (a small linear model: its products go through BLAS, whose summation order PyTorch
does not pin)
"""
import torch
from torch import nn, optim

torch.manual_seed(0)

# A tiny "pretrained" model instead of a downloaded one: features and a classifier called fc
class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(8, 6), nn.ReLU())
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        return self.fc(self.features(x))


model = TinyNet()
data = torch.rand(2, 8)
labels = torch.rand(2, 4)

prediction = model(data)  # forward pass
loss = (prediction - labels).sum()
loss.backward()  # backward pass
optim_ = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
optim_.step()  # gradient descent
print(prediction)
print(loss.item())

# Differentiation in autograd
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)
print(a.grad, b.grad)
print(Q.grad_fn)

# Exclusion from the DAG
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

# Freeze the whole model, then replace the classifier: only it is trained
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(6, 3)
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print([p.requires_grad for p in model.parameters()])
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
out = model(data)
print(out.requires_grad, out.grad_fn)
out.sum().backward()
print(model.features[0].weight.grad, model.fc.bias.grad)
