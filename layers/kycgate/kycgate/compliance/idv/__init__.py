"""IDV tasks (seed 001, "ID Verification"): an ID document read, compared with what the tenant expected
and with the holder's face, with a state and its reasons; web and mobile initiation; points."""
