"""Learn the Basics, "Datasets & DataLoaders" style: a custom Dataset (synthetic images in memory
instead of files on disk), iterating it, and a DataLoader with batching and shuffling.

compare: exact (random numbers from manual_seed, PyTorch's shuffling order from the same seed)
"""
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

torch.manual_seed(0)

labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress"}


class CustomImageDataset(Dataset):
    def __init__(self, n, transform=None, target_transform=None):
        self.images = torch.rand(n, 1, 4, 4)
        self.img_labels = torch.randint(0, 4, (n,))
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        image = self.images[idx]
        label = self.img_labels[idx]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


training_data = CustomImageDataset(20, transform=lambda img: (img - 0.5) * 2)
test_data = CustomImageDataset(8, target_transform=lambda y: y.float())

print(len(training_data), len(test_data))
for i in range(3):
    img, label = training_data[i]
    print(labels_map[label.item()], img.squeeze().shape, img.sum().item())

train_dataloader = DataLoader(training_data, batch_size=4, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=4, shuffle=True)

train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
print(img)
print(f"Label: {label}")

for epoch in range(2):
    print(f"epoch {epoch}:", [batch_labels.tolist() for _, batch_labels in train_dataloader])

# The same with a TensorDataset, the last incomplete batch dropped
dataset = TensorDataset(torch.arange(10.0).view(10, 1), torch.arange(10) % 3)
loader = DataLoader(dataset, batch_size=3, shuffle=True, drop_last=True)
print(len(dataset), len(loader))
for xb, yb in loader:
    print(xb.view(-1).tolist(), yb.tolist())
print(dataset[4])
