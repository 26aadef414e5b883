"""A small built-in PII pattern set for logged inputs: emails, phone numbers, card numbers, IBANs, IP
addresses, US social security numbers. Replaced by typed placeholders (``<EMAIL>``); the privacy work will
bring a model-based anonymizer behind the same function."""

from __future__ import annotations

import re

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")),
    ("CARD", re.compile(r"\b(?:\d[ -]?){12,18}\d\b")),
    ("SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("IP", re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")),
    ("PHONE", re.compile(r"(?<![\w+])(?:\+?\d{1,3}[ .-]?)?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}\b")),
)


def redact(text: str) -> str:
    """``text`` with every match of the built-in patterns replaced by ``<KIND>``."""
    for kind, pattern in PATTERNS:
        text = pattern.sub(f"<{kind}>", text)
    return text
