"""What every confinement layer raises when it cannot be installed."""


class ConfinementFailed(RuntimeError):
    """A layer this machine offers could not be installed: refuse to run student code."""
