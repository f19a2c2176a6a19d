"""Qt views. They read numpy arrays and application state and never import torch."""
