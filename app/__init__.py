"""The Qt application: main window, application state, engine worker. Wires engine to widgets."""
