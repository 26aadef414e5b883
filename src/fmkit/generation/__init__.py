"""Generation tasks with a decoder LLM: summarization and instruction following, scored with ROUGE."""
