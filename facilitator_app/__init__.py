"""Facilitator: offline case management for primary-care mental health facilitators."""

__version__ = "0.1.0"
