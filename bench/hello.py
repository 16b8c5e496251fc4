"""The baseline of every benchmark: a bare Flask hello-world in its own gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def hello() -> str:
    return "Hello, World!"
