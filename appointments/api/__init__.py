"""Scheduling API views."""
