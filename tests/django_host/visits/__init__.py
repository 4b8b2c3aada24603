"""The host's own app: a visit the host records when a reviewer starts a review."""
