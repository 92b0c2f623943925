"""The application: command line, bootstrap and session, the main window that wires the views together, paperwork and benchmarks."""
