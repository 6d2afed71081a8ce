"""Training of the models the project ships (data, channel simulation, loops)."""
