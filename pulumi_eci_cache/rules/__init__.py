"""Pure rules: what an image cache's inputs are, how a change applies, whose a cache is.

Nothing here does I/O, so every rule is tested without mocks: the input model
(model.py), the diff rules (diff.py), canonical image references (images.py), the
identity tag (identity.py), adoption (adoption.py), the auto-match ranking
(matching.py), pod annotations (pods.py) and retry schedules (retry.py).
"""
