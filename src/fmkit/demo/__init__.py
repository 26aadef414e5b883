"""The embedded default: a small support-ticket dataset fmkit writes itself, and the end-to-end demo run."""
