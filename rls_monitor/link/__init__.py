"""Everything about talking to one band: transports, the wire, sequencing, clock, band session, pairing."""
