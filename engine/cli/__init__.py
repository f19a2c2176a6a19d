"""The ``cabinlens`` command line (headless subcommands)."""
