"""The pure conversation state of a session (no IO, no awaits, no clock)."""
