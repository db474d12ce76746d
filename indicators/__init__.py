"""Validated, source-cited indicators of peacekeeping reform."""

from indicators.validation import Dataset, DataValidationError, Failure, load, validate_folder

__all__ = ["DataValidationError", "Dataset", "Failure", "load", "validate_folder"]
