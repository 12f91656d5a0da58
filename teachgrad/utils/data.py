"""``torch.utils.data``: datasets and the ``DataLoader`` that batches and shuffles them.

``DataLoader(dataset, batch_size=32, shuffle=True)`` draws its order exactly as PyTorch does from the
same seed: each epoch takes a seed from the global generator and shuffles with ``randperm`` on a fresh
generator, so ``torch.manual_seed(0)`` gives the same batches in teachgrad and in PyTorch.
"""

import numbers

import numpy as np

from .. import factories
from .._dtypes import float64, int64
from ..tensor import Tensor
from ..tensor_methods import stack

__all__ = ["Dataset", "TensorDataset", "DataLoader", "Sampler", "SequentialSampler", "RandomSampler", "BatchSampler",
           "default_collate", "random_split"]


class Dataset:
    """Anything with ``__getitem__`` (and, for a DataLoader, ``__len__``)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")


class TensorDataset(Dataset):
    """Samples are the rows of the given tensors: ``dataset[i]`` is ``(x[i], y[i])``."""

    def __init__(self, *tensors):
        if any(t.shape[0] != tensors[0].shape[0] for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (or fractions)."""
    n = len(dataset)
    if all(isinstance(x, float) and 0 <= x <= 1 for x in lengths) and abs(sum(lengths) - 1) < 1e-9 \
            and sum(lengths) != n:
        counts = [int(np.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = factories.randperm(n, generator=generator or factories.default_generator).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets


class Sampler:
    def __init__(self, data_source=None):
        pass


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Each pass: a seed drawn from the global generator, then ``randperm`` with a generator of that seed."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if replacement:
            raise NotImplementedError("teachgrad's RandomSampler samples without replacement")
        self.data_source, self.generator = data_source, generator
        self._num_samples = num_samples

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            seed = int(factories.empty((), dtype=int64).random_().item())
            generator = factories.Generator()
            generator.manual_seed(seed)
        for _ in range(self.num_samples // n):
            yield from factories.randperm(n, generator=generator).tolist()
        yield from factories.randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    def __init__(self, sampler, batch_size, drop_last):
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def default_collate(batch):
    """Stack a list of samples into one batch: tensors are stacked, numbers become a tensor, tuples and
    dicts are collated field by field."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch, 0)
    if isinstance(first, np.ndarray):
        return default_collate([factories.as_tensor(b) for b in batch])
    if isinstance(first, bool):
        return factories.tensor(batch)
    if isinstance(first, float):
        return factories.tensor(batch, dtype=float64)
    if isinstance(first, numbers.Integral):
        return factories.tensor(batch)
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, dict):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(fields)) for fields in zip(*batch)))
    if isinstance(first, (tuple, list)):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(fields)) for fields in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found "
                    f"{type(first)}")


class DataLoader:
    """Batches of ``dataset`` in order, or shuffled as PyTorch shuffles them (``shuffle=True``)."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.num_workers, self.generator = num_workers, generator
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else (lambda sample: sample))

    def __iter__(self):
        # Like PyTorch, every pass over the data first draws a base seed (used by worker processes).
        factories.empty((), dtype=int64).random_(generator=self.generator)
        if self.batch_sampler is not None:
            for indices in self.batch_sampler:
                yield self.collate_fn([self.dataset[i] for i in indices])
        else:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])

    def __len__(self):
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)
