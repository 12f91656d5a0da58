"""The device lines at the top of many tutorials: ``torch.cuda.is_available()``,
``torch.backends.mps.is_available()``, ``torch.accelerator.is_available()``.  teachgrad computes on the
CPU only, so they all answer "no accelerator" and such code picks the CPU."""

from types import SimpleNamespace


class _Cuda:
    """``torch.cuda``."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        pass

    manual_seed_all = manual_seed

    @staticmethod
    def is_initialized():
        return False


class _Mps:
    """``torch.backends.mps`` (and ``torch.mps``)."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def is_built():
        return False


class _Accelerator:
    """``torch.accelerator``: no accelerator here."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def current_accelerator(check_available=False):
        return None

    @staticmethod
    def device_count():
        return 0


cuda = _Cuda()
mps = _Mps()
accelerator = _Accelerator()
backends = SimpleNamespace(mps=mps, cuda=SimpleNamespace(is_built=lambda: False),
                           cudnn=SimpleNamespace(is_available=lambda: False, deterministic=False, benchmark=False))
