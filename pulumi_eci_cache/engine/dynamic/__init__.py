"""Inside ``python -m pulumi.dynamic``: what the SDK's dynamic provider server cannot do alone."""
