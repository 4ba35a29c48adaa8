"""Checkpoints of the workspace in a private git object store, and rewinding a session to one of them.

See docs/rewind.md. Nothing here imports a UI; the screen and `workbench sessions rewind` call `Rewinder`.
"""
