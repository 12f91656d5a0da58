"""``RemovableHandle``: what ``register_hook`` and the module hooks return; ``handle.remove()`` undoes it."""

import itertools

__all__ = ["RemovableHandle"]


class RemovableHandle:
    _ids = itertools.count()

    def __init__(self, hooks, hook=None, *, extra=None):
        """Put ``hook`` into the dict ``hooks`` under a fresh id (``extra``: more dicts to clean up)."""
        self.id = next(RemovableHandle._ids)
        self.hooks_dict_ref = hooks
        self.extra_dicts = extra or ()
        if hook is not None:
            hooks[self.id] = hook

    def remove(self):
        self.hooks_dict_ref.pop(self.id, None)
        for extra in self.extra_dicts:
            extra.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()

    def __repr__(self):
        return f"<torch.utils.hooks.RemovableHandle object at {hex(id(self))}>"
