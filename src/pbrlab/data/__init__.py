"""Data shipped with pbrlab: the published Work Programme record as tidy tables."""
