"""Tests of the pipeline and its configuration: python -m pytest."""
