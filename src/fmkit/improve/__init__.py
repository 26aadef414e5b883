"""Continuous improvement: pick the production inputs worth labeling, label them, retrain, gate, promote."""
