"""govrag: cited answers over Japanese laws, the official gazette and Diet minutes."""

__version__ = "0.1.0"
