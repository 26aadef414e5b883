"""Generative foundation models: runtimes (llama.cpp, transformers), prompts, label scoring and generation."""
