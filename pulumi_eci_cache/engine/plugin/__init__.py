"""The provider plugin ``pulumi-resource-ecicache``: the same lifecycle for every language.

- provider.py: the provider (the SDK's ``pulumi.provider.experimental`` interface);
- servicer.py: the gRPC answers the SDK's servicer cannot give (kept caches, clean
  failures) and ``serve``;
- schema.py: the package schema, derived from the models;
- reference.py: the API reference (docs/reference/, ``make docs``) from the schema;
- properties.py: the plugin's wire (camelCase ``PropertyValue``s) to plain values.

Why the package is ``ecicache``: ``pulumi package gen-sdk`` names a package's Python
SDK ``pulumi_<name>`` with dashes as underscores, so ``eci-cache`` would generate a
module ``pulumi_eci_cache`` -- this very package -- and the two could not be installed
side by side. ``ecicache`` generates ``pulumi_ecicache``.
"""
