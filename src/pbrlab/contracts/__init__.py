"""Contracts as data: the contract language, presets and their maximum payments."""
