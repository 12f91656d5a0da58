"""``teachgrad.nn``: modules, parameters, losses (``import teachgrad.nn as nn``), as in ``torch.nn``."""

from . import functional, init, utils
from .conv import Conv2d, MaxPool2d
from .module import Module
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Parameter

__all__ = ["Parameter", "functional", "init", "utils", "Conv2d", "MaxPool2d"] + _modules_all
