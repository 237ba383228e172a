"""What runs in the user's Pulumi program: the ImageCache resource, lookups, manifests."""
