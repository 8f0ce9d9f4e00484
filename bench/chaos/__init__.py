"""Chaos run: a clock and several workers are killed and restarted at random while the
local newsroom edits its articles; afterwards the change events must report every true
edit exactly once, with no false ones and no version recorded twice."""
