"""Annotated clips: segments, session ranges and compare layouts rendered with their Grad-CAM,
labels and a timeline strip, written as browser-playable H.264 MP4 (or one frame as PNG)."""
