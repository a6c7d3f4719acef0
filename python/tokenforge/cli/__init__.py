"""The `tokenforge` command line: a thin layer that parses arguments and calls the Python API.

Subcommands: train, encode, decode, info, demo (one module each); `main.main` is the entry point.
"""
