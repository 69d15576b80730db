"""Pure functions over pandas frames: agreement, trajectory, themes, sentiment, redaction.

Nothing here imports Flask or the database session; callers hand in frames and get back plain data.
"""
