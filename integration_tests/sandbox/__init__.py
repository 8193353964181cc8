"""Local stand-ins for the APIs our connectors read: fake HTTP servers with programmable faults."""
