"""A Python program on the plugin's generated SDK, no resource yet: `pulumi import`
writes the code of what it brings in, which a test appends here."""

import pulumi_ecicache  # noqa: F401
