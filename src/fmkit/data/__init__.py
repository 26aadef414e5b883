"""Data: reading tables, validating labeled texts, splits and fingerprints."""

from fmkit.data.labeled import LabeledTexts
from fmkit.data.loading import read_table
from fmkit.data.splits import sample_per_class, stratified_sample, stratified_split
from fmkit.data.validate import DataWarning, load_labeled, warn_leakage

__all__ = [
    "DataWarning",
    "LabeledTexts",
    "load_labeled",
    "read_table",
    "sample_per_class",
    "stratified_sample",
    "stratified_split",
    "warn_leakage",
]
