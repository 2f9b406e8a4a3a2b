"""One screen per section of the app; each runs in its own Textual mode and keeps its state."""
