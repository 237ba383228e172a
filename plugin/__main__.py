"""The source-based plugin (PulumiPlugin.yaml beside this file): a Python language host
starts it as ``python <this directory> <engine address>``; it serves the provider plugin,
as the ``pulumi-resource-ecicache`` console script does."""

from pulumi_eci_cache.engine.plugin.__main__ import main

main()
