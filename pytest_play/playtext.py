"""--play-text / --play-file options (being written)."""
