"""Qt views. They take values (numpy arrays, engine records) and emit signals; the application wires
them to its state. They never import torch or the application layer."""
