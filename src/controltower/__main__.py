"""``python -m controltower`` runs the same command line as ``controltower``."""

from controltower.cli.main import app

if __name__ == "__main__":  # pragma: no cover - console entry
    app(prog_name="controltower")
