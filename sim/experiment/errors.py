"""Errors of an experiment run that the command line shows as they are, without a
traceback."""

from __future__ import annotations


class ExperimentError(Exception):
    """A problem with the results folder or an experiment that cannot go on."""
