"""Adaptation methods, one module each, behind the protocol in ``protocol.py``."""

from fmkit.methods.protocol import Adapted, FitJob, Fitted, Method
from fmkit.methods.registry import get, names, register

__all__ = ["Adapted", "FitJob", "Fitted", "Method", "get", "names", "register"]
