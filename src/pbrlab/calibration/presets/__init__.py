"""Calibration presets (TOML)."""
