"""The engine-neutral lifecycle both faces call (lifecycle.py), over one provider's
runtime (runtime.py: regions, clock, cancel) and the engine's slots (slots.py)."""
