"""Reads of the dashboard: the alignment index of quarters and the survey figures it needs."""
