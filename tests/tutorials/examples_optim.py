"""Learning PyTorch with Examples, "PyTorch: optim" style: the same model trained with RMSprop (and,
for comparison, Adam and SGD with momentum from the same start).

compare: approx (a Linear layer, and RMSprop/Adam take square roots)
"""
import math

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = x - x ** 3 / 6
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)


def fit(make_optimizer, steps=300, seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction='sum')
    optimizer = make_optimizer(model.parameters())
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear_layer = model[0]
    print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
          f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')


learning_rate = 1e-3
fit(lambda params: torch.optim.RMSprop(params, lr=learning_rate))
fit(lambda params: torch.optim.Adam(params, lr=learning_rate))
fit(lambda params: torch.optim.SGD(params, lr=1e-6, momentum=0.9))
