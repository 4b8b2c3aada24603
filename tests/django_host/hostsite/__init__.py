"""The host project's settings and URLs."""
