"""Blue/green rebuild of a read model: replay its topic into a shadow copy, then switch."""
