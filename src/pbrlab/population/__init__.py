"""Participants: who is referred, when, where and to whom (arrays, never one object per person)."""
