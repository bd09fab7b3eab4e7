// Does nothing: the start-up cost of a node process, for reference.
