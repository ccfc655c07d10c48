"""One module per context: the harness rows (objects, fields, bodies) its operations need.

Each module `.update`s the registries of tests/reliability/harness.py; harness imports them all at its end.
"""
