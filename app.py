"""WSGI entry point: gunicorn app:app, or flask --app app run."""

from hantei import create_app

app = create_app()
