"""Essential memory: the facts an assistant should know at the start of every session."""
