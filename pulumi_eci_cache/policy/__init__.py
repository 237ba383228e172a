"""The policy pack (``pulumi-eci-cache[policy]``): pack.py builds it on pulumi-policy,
folder.py writes the directory ``pulumi preview --policy-pack`` runs."""
