"""Scenarios as data: the simulated commissioning system, its defaults and overlays."""
