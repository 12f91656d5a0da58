"""``torch.utils``: hook handles (``teachgrad.utils.hooks``) and datasets and data loaders
(``teachgrad.utils.data``, loaded by ``import teachgrad``; this package itself imports nothing, so that
the graph engine can use its hook handles)."""
