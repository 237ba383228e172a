"""One ImageCache driven by stack config (``spec``: a JSON object of ImageCacheArgs fields).

The end-to-end tests change the config between ``pulumi up`` runs instead of
rewriting the program.
"""

import json

import pulumi

from pulumi_eci_cache import ImageCache, ImageCacheArgs

LITERAL_PASSWORD = "literal-pa55word-in-program"

config = pulumi.Config()
spec = json.loads(config.get("spec") or '{"image_cache_name": "e2e", "images": ["nginx:1.25"]}')
password = config.get_secret("registryPassword")
if password is not None:
    spec["image_registry_credentials"] = [
        {"server": "registry.example.com", "user_name": "deploy", "password": password},
        # A plain string in the program: ImageCache must make it secret by itself.
        {"server": "plain.example.com", "user_name": "ci", "password": LITERAL_PASSWORD},
    ]

cache = ImageCache(config.get("resourceName") or "cache", ImageCacheArgs(**spec))

pulumi.export("image_cache_id", cache.image_cache_id)
pulumi.export("status", cache.status)
pulumi.export("progress", cache.progress)
pulumi.export("images", cache.images)
