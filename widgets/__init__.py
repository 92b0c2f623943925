"""Qt views and their models, the board store, and the operation layer through which every view reaches a service."""
