"""ThreadLift: clinical software for facial thread-lift practices."""

__version__ = "0.1.0"
