"""60-minute blitz, part 1 style: what a tensor is, how to make one, operations, the NumPy bridge.

compare: exact (random numbers from manual_seed, elementwise arithmetic, integer-valued products)
"""
import numpy as np
import torch

torch.manual_seed(0)

# Making tensors: from data, from NumPy, from another tensor, from a shape
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_data)
print(x_np)

x_ones = torch.ones_like(x_data)  # keeps the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype
print(f"Random Tensor: \n {x_rand} \n")

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Random Tensor: \n {rand_tensor} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

# Attributes
tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")

# Move it to the GPU when there is one
if torch.cuda.is_available():
    tensor = tensor.to("cuda")
    print(f"Device tensor is stored on: {tensor.device}")

# Indexing and slicing
tensor = torch.ones(4, 4)
tensor[:, 1] = 0
print(tensor)
print('First row: ', tensor[0])
print('First column: ', tensor[:, 0])
print('Last column:', tensor[..., -1])

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
print(torch.stack([tensor[0], tensor[1]]))

# Arithmetic: matrix products (integer-valued here) and elementwise products
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(tensor)
torch.matmul(tensor, tensor.T, out=y3)
print(y1, y2, y3, sep="\n")
z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z1, z2, z3, sep="\n")

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

print(tensor, "\n")
tensor.add_(5)
print(tensor)
tensor.mul_(0.5)
print(tensor)

# The NumPy bridge: shared memory
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")

# A few more everyday operations at full precision
w = torch.randn(6)
print(w.tolist())
print(w.sum().item(), w.mean().item(), w.max().item(), w.argmax().item())
print((w * 3 - 1).abs().tolist())
print(torch.arange(0, 1, 0.1).tolist())
print(torch.linspace(-1, 1, 9).tolist())
