"""Published defaults, importable without torch (the command line's help and defaults read them)."""

FREEREA_PROXIES = ("naswot", "logsynflow", "skip")  # FreeREA's combined score (Cavagnero et al., 2023)
