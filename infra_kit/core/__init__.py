"""Core: the environment model, tags, naming and the offline engine."""
