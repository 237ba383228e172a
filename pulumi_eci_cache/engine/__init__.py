"""The faces the Pulumi engine talks to, and what they share.

- dynamic/: the plumbing of the dynamic provider server (``python -m pulumi.dynamic``)
  that ``pulumi_eci_cache.provider.ImageCacheProvider`` runs in;
- plugin/: the provider plugin ``pulumi-resource-ecicache`` (schema, every language);
- log.py: lines on a resource's row, through the engine's Log service.
"""
