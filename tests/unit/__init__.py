"""Fast checks of one part at a time (marker ``unit``)."""
