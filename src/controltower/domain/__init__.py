"""The pure core: value objects and rules, no I/O, no clock, no environment."""
