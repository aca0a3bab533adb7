"""Providers: how they spend adviser time, and their cash."""
