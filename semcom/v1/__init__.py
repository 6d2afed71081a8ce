"""Generated stubs of the semcom.v1 wire format (see proto/)."""
