"""Fitting the model to the published Work Programme record, and checking the fit."""
