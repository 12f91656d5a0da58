"""``torch.utils``: hook handles and (in ``teachgrad.utils.data``) datasets and data loaders."""
